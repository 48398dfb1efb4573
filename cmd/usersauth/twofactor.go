package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/user"
)

// resetTwoFactor removes every second factor of the user email names (TOTP,
// recovery codes, passkeys), for a user who lost them, and ends the user's
// sessions, as a superuser's DELETE /users/{id}/2fa does: the next login
// asks for the password alone.
func resetTwoFactor(ctx context.Context, s *session, args []string) error {
	u, err := findUser(ctx, s, args[0])
	if err != nil {
		return err
	}
	switch err := s.manager.RemoveTwoFactor(ctx, u); {
	case errors.Is(err, user.ErrTwoFactorNotEnabled):
		note(s, "%s has no second factor; nothing changed", display(u.Email))
		return nil
	case err != nil:
		return err
	}
	if err := s.manager.EndSessions(ctx, u); err != nil {
		return fmt.Errorf("the second factors of %s are removed, but its sessions were not all ended: %w", display(u.Email), err)
	}
	_, err = fmt.Fprintf(s.stdout, "removed the second factors of %s id=%s; its sessions are ended\n", display(u.Email), u.ID)
	return err
}
