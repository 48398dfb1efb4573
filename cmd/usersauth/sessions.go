package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// newManager returns the Manager the commands change users through, so that
// what a change implies (a deactivation ends the user's sessions, a new
// superuser's password meets the policy) is decided where the server decides
// it. Its sessions are those the database keeps: the database strategy's
// access tokens and the refresh tokens; revocable JWTs die with the
// TokenEpoch the Manager increments in the same write. Tokens a server keeps
// elsewhere (Redis) are out of the command's reach: they are refused while
// the user is inactive, and expire with their lifetime.
func newManager(s *session) (*user.Manager[*user.User], error) {
	// One hash at a time: the command hashes at most one password.
	hasher, err := auth.NewPasswordHasher(auth.HasherOptions{Concurrency: 1})
	if err != nil {
		return nil, err
	}
	return user.NewManager(user.ManagerOptions[*user.User]{
		Store:  s.users,
		Hasher: hasher,
		// The command prints its own results.
		Logger: slog.New(slog.DiscardHandler),
		EndSessions: func(ctx context.Context, id uuid.UUID) error {
			_, errAccess := s.db.AccessTokens().DeleteUserTokens(ctx, id)
			_, errRefresh := s.db.RefreshTokens().DeleteUserRefreshTokens(ctx, id)
			return errors.Join(errAccess, errRefresh)
		},
	})
}
