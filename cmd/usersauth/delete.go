package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/user"
)

// checkDelete refuses, before the database is opened, a delete that could
// neither be confirmed nor was confirmed in advance.
func checkDelete(s *session) error {
	if !s.opts.yes && s.term == nil {
		return &usageError{"stdin is not a terminal, so deleting needs --yes"}
	}
	return nil
}

// deleteUser deletes the user email names, after confirmation on the
// terminal unless --yes was given. The user's tokens and OAuth accounts go
// with it, and a server answers 401 to its tokens from the next request on.
func deleteUser(ctx context.Context, s *session, args []string) error {
	u, err := findUser(ctx, s, args[0])
	if err != nil {
		return err
	}
	if !s.opts.yes {
		ok, err := confirm(ctx, s, fmt.Sprintf("Delete %s (id %s)? This cannot be undone.", display(u.Email), u.ID))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not deleted")
		}
	}
	// By id: the account confirmed is the one deleted, even if its
	// address changed meanwhile. The Manager ends its sessions as the
	// server's DELETE /users/{id} does.
	switch err := s.manager.Delete(ctx, u); {
	case errors.Is(err, user.ErrNotFound):
		return &unknownUserError{args[0]}
	case errors.Is(err, user.ErrSessionsNotEnded):
		return fmt.Errorf("%s is deleted, but its sessions were not all ended: %w", display(u.Email), err)
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(s.stdout, "deleted %s id=%s\n", display(u.Email), u.ID)
	return err
}
