package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/user"
)

// createSuperuser creates an active, verified superuser through the
// Manager, so the default password policy applies and the password is
// hashed with argon2id and the library's default parameters, as the server
// would hash it.
func createSuperuser(ctx context.Context, s *session, args []string) error {
	email, err := normalizeEmail(args[0])
	if err != nil {
		return err
	}
	// Checked before asking for the password, so that nobody types it
	// twice for nothing; Create below still relies on the unique index.
	if _, err := s.users.GetByEmail(ctx, email); err == nil {
		return &existingUserError{email}
	} else if !errors.Is(err, user.ErrNotFound) {
		return err
	}

	m := s.manager
	u := &user.User{Base: user.Base{Email: email, IsActive: true, IsSuperuser: true, IsVerified: true}}
	pw, err := readNewPassword(ctx, s, func(pw string) error { return m.ValidatePassword(ctx, pw, u) })
	if err == nil {
		u, err = m.Create(ctx, u, pw)
	}
	if e, ok := errors.AsType[*user.InvalidPasswordError](err); ok {
		return fmt.Errorf("password refused: %s", e.Reason)
	}
	if errors.Is(err, user.ErrAlreadyExists) {
		return &existingUserError{email}
	}
	if err != nil {
		return err
	}
	return printUser(s, u)
}
