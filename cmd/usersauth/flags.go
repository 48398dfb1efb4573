package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/user"
)

// userFlag is one of a user's flags: where a user holds it, and where an
// update to it does.
type userFlag struct {
	of func(b *user.Base) *bool
	in func(u *user.Update) **bool
}

// flagChange is a command that sets one of a user's flags.
type flagChange struct {
	name, summary string
	flag          userFlag
	value         bool
	// already completes "<email> ..." when the flag had the value.
	already string
}

// update is the change to the user, as the Manager takes it.
func (c flagChange) update() user.Update {
	v := c.value
	var u user.Update
	*c.flag.in(&u) = &v
	return u
}

func flagChanges() []flagChange {
	active := userFlag{func(b *user.Base) *bool { return &b.IsActive }, func(u *user.Update) **bool { return &u.IsActive }}
	superuser := userFlag{func(b *user.Base) *bool { return &b.IsSuperuser }, func(u *user.Update) **bool { return &u.IsSuperuser }}
	verified := userFlag{func(b *user.Base) *bool { return &b.IsVerified }, func(u *user.Update) **bool { return &u.IsVerified }}
	return []flagChange{
		{"promote", "make a user a superuser", superuser, true, "is already a superuser"},
		{"demote", "make a superuser a regular user", superuser, false, "is not a superuser"},
		{"activate", "let an inactive user log in again", active, true, "is already active"},
		{"deactivate", "stop a user from logging in and end their sessions", active, false, "is already inactive"},
		{"verify", "mark a user's e-mail address as verified", verified, true, "is already verified"},
		{"unverify", "mark a user's e-mail address as not verified", verified, false, "is already unverified"},
	}
}

var (
	errUnchanged    = errors.New("flag already set")
	errEmailChanged = errors.New("e-mail address changed")
)

// changeFlag sets c's flag on the user email names, through the Manager's
// atomic update: a server sees the change on its next request, as it reads
// the user on every one, and a concurrent change to the user is neither
// lost nor overwritten. A deactivation ends the user's sessions, as the
// Manager decides for every caller: the TokenEpoch moves on in the same
// write, then the database's tokens are revoked. The command prints the
// resulting flags.
func changeFlag(ctx context.Context, s *session, c flagChange, email string) error {
	found, err := findUser(ctx, s, email)
	if err != nil {
		return err
	}
	key := user.EmailKey(found.Email)
	var unchanged *user.User
	upd := c.update()
	upd.Precondition = func(b *user.Base) error {
		if user.EmailKey(b.Email) != key {
			// Between the lookup and now, the account changed its
			// address: it is no longer the user the admin named.
			return errEmailChanged
		}
		if *c.flag.of(b) == c.value {
			unchanged = &user.User{Base: *b}
			return errUnchanged // nothing to write
		}
		return nil
	}
	updated, err := s.manager.UpdateAsSuperuser(ctx, found, upd)
	switch {
	case errors.Is(err, errUnchanged):
		note(s, "%s %s; nothing changed", display(unchanged.Email), c.already)
		updated = unchanged
	case errors.Is(err, user.ErrNotFound), errors.Is(err, errEmailChanged):
		// Deleted or renamed since the lookup.
		return &unknownUserError{email}
	case errors.Is(err, user.ErrSessionsNotEnded):
		return fmt.Errorf("%s is changed, but its sessions were not all ended: %w", display(updated.Email), err)
	case err != nil:
		return err
	}
	return printUser(s, updated)
}
