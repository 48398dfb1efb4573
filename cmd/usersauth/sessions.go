package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/user"
)

// endSessions revokes the tokens the database keeps for u: the database
// strategy's access tokens and the refresh tokens. Revocable JWTs died with
// the TokenEpoch incremented in the same write as the change. Tokens a
// server keeps elsewhere (Redis) are out of the command's reach: they are
// refused while the user is inactive, and expire with their lifetime.
func endSessions(ctx context.Context, s *session, u *user.User) error {
	_, errAccess := s.db.AccessTokens().DeleteUserTokens(ctx, u.ID)
	_, errRefresh := s.db.RefreshTokens().DeleteUserRefreshTokens(ctx, u.ID)
	if err := errors.Join(errAccess, errRefresh); err != nil {
		return fmt.Errorf("%s is changed, but its sessions were not all ended: %w", display(u.Email), err)
	}
	return nil
}
