package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/user"
)

// unknownUserError reports that no user has the address a command was given.
type unknownUserError struct{ email string }

func (e *unknownUserError) Error() string {
	return "no user has the e-mail address " + display(e.email)
}

func (e *unknownUserError) Unwrap() error { return user.ErrNotFound }

// existingUserError reports that an address is taken.
type existingUserError struct{ email string }

func (e *existingUserError) Error() string {
	return "a user with the e-mail address " + display(e.email) + " already exists"
}

func (e *existingUserError) Unwrap() error { return user.ErrAlreadyExists }

// findUser returns the user an address names, compared by user.EmailKey,
// so any case or Unicode spelling of it finds the user. The address is
// tried as given, then in NormalizeEmail's form (surrounding spaces dropped,
// the domain lower-cased and IDNA-encoded, as stored addresses are), so
// that "Bob@Bücher.de" finds the stored "Bob@xn--bcher-kva.de".
func findUser(ctx context.Context, s *session, email string) (*user.User, error) {
	u, err := s.users.GetByEmail(ctx, email)
	if errors.Is(err, user.ErrNotFound) {
		if n, nerr := user.NormalizeEmail(email); nerr == nil && user.EmailKey(n) != user.EmailKey(email) {
			u, err = s.users.GetByEmail(ctx, n)
		}
	}
	if errors.Is(err, user.ErrNotFound) {
		return nil, &unknownUserError{email}
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// normalizeEmail validates a new address as registration does.
func normalizeEmail(email string) (string, error) {
	n, err := user.NormalizeEmail(email)
	if e, ok := errors.AsType[*user.InvalidEmailError](err); ok {
		return "", fmt.Errorf("invalid e-mail address %s: %s", display(email), e.Reason)
	}
	return n, err
}
