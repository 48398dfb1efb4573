package auth

import (
	"errors"
	"time"

	"github.com/google/uuid"
)

// Errors of the token store contract (backend.TokenStore).
var (
	// ErrTokenNotFound is returned by a token store's GetToken and
	// DeleteToken when no token has the digest.
	ErrTokenNotFound = errors.New("auth: access token not found")
	// ErrTokenExists is returned by a token store's CreateToken when a
	// token with the same digest is stored already; nothing is written then.
	ErrTokenExists = errors.New("auth: access token already exists")
)

// AccessToken is a server-side token as a token store (backend.TokenStore)
// keeps it: never the token itself, only its digest (TokenDigest), so that a
// leaked table or backup grants no session (OWASP Session Management Cheat
// Sheet). It lives here, with the other credential primitives, so that store
// adapters implement the token store without importing the HTTP side.
type AccessToken struct {
	// Digest is TokenDigest of the token: 64 lower-case hex digits.
	Digest string
	// UserID is the user the token was issued to.
	UserID uuid.UUID
	// CreatedAt is when the token was issued; its lifetime runs from here.
	CreatedAt time.Time
}
