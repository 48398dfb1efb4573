package backend

import (
	"context"

	"github.com/google/uuid"
)

// Revoker is implemented by strategies that can end every token of a user at
// once: the database and Redis strategies (a JWT is valid until it expires,
// so JWTStrategy is not one). It is called when a user's password changes,
// when a user is deactivated or deleted, and for "log out everywhere"
// (OWASP Session Management Cheat Sheet: renew or end sessions on privilege
// and credential changes).
//
// RevokeUser ends every token issued to userID before the call; a user
// without tokens is not an error. Tokens issued concurrently with the call
// may survive it. It returns an error only when the store fails, and then
// some tokens may be left.
type Revoker interface {
	RevokeUser(ctx context.Context, userID uuid.UUID) error
}
