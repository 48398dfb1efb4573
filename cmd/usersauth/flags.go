package main

import (
	"context"
	"errors"

	"github.com/usersauth/usersauth/user"
)

// flagChange is a command that sets one of a user's flags.
type flagChange struct {
	name, summary string
	flag          func(b *user.Base) *bool
	value         bool
	// already completes "<email> ..." when the flag had the value.
	already string
	// endsSessions: the change ends every session of the user, as the
	// server's Manager does on deactivation.
	endsSessions bool
}

func flagChanges() []flagChange {
	active := func(b *user.Base) *bool { return &b.IsActive }
	superuser := func(b *user.Base) *bool { return &b.IsSuperuser }
	verified := func(b *user.Base) *bool { return &b.IsVerified }
	return []flagChange{
		{"promote", "make a user a superuser", superuser, true, "is already a superuser", false},
		{"demote", "make a superuser a regular user", superuser, false, "is not a superuser", false},
		{"activate", "let an inactive user log in again", active, true, "is already active", false},
		{"deactivate", "stop a user from logging in and end their sessions", active, false, "is already inactive", true},
		{"verify", "mark a user's e-mail address as verified", verified, true, "is already verified", false},
		{"unverify", "mark a user's e-mail address as not verified", verified, false, "is already unverified", false},
	}
}

var (
	errUnchanged    = errors.New("flag already set")
	errEmailChanged = errors.New("e-mail address changed")
)

// changeFlag sets c's flag on the user email names, in one atomic
// store.Update: a server sees the change on its next request, as it reads
// the user on every one, and a concurrent change to the user is neither
// lost nor overwritten. A change that ends sessions also increments the
// user's TokenEpoch in that write, then revokes the user's tokens in the
// database. The command prints the resulting flags.
func changeFlag(ctx context.Context, s *session, c flagChange, email string) error {
	found, err := findUser(ctx, s, email)
	if err != nil {
		return err
	}
	key := user.EmailKey(found.Email)
	var unchanged *user.User
	updated, err := s.users.Update(ctx, found.ID, func(u *user.User) error {
		if user.EmailKey(u.Email) != key {
			// Between the lookup and now, the account changed its
			// address: it is no longer the user the admin named.
			return errEmailChanged
		}
		if f := c.flag(&u.Base); *f != c.value {
			*f = c.value
			if c.endsSessions {
				u.TokenEpoch++
			}
			return nil
		}
		unchanged = u
		return errUnchanged // nothing to write
	})
	switch {
	case errors.Is(err, errUnchanged):
		note(s, "%s %s; nothing changed", display(unchanged.Email), c.already)
		updated = unchanged
	case errors.Is(err, user.ErrNotFound), errors.Is(err, errEmailChanged):
		// Deleted or renamed since the lookup.
		return &unknownUserError{email}
	case err != nil:
		return err
	case c.endsSessions:
		if err := endSessions(ctx, s, updated); err != nil {
			return err
		}
	}
	return printUser(s, updated)
}
