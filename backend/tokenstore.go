package backend

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Errors of the TokenStore contract.
var (
	// ErrTokenNotFound is returned by TokenStore.GetToken and DeleteToken
	// when no token has the digest.
	ErrTokenNotFound = errors.New("backend: access token not found")
	// ErrTokenExists is returned by TokenStore.CreateToken when a token with
	// the same digest is stored already; nothing is written then.
	ErrTokenExists = errors.New("backend: access token already exists")
)

// AccessToken is a server-side token as a TokenStore keeps it: never the
// token itself, only its digest (auth.TokenDigest), so that a leaked table
// or backup grants no session (OWASP Session Management Cheat Sheet).
type AccessToken struct {
	// Digest is auth.TokenDigest of the token: 64 lower-case hex digits.
	Digest string
	// UserID is the user the token was issued to.
	UserID uuid.UUID
	// CreatedAt is when the token was issued; its lifetime runs from here.
	CreatedAt time.Time
}

// TokenStore is the persistence the DatabaseStrategy consumes. It is
// implemented by store/memory and by the SQL store, and every implementation
// passes strategytest.RunTokenStore.
//
// Tokens are found by digest only. A store keeps CreatedAt to at least
// microsecond precision and compares times as instants, whatever their
// location. All methods are safe for concurrent use.
type TokenStore interface {
	// CreateToken stores t. It returns ErrTokenExists, and writes nothing,
	// if a token with the same digest exists.
	CreateToken(ctx context.Context, t AccessToken) error

	// GetToken returns the token with the given digest, or
	// ErrTokenNotFound. Expired tokens are returned like any other: the
	// strategy decides what has expired.
	GetToken(ctx context.Context, digest string) (AccessToken, error)

	// DeleteToken removes the token with the given digest, or returns
	// ErrTokenNotFound.
	DeleteToken(ctx context.Context, digest string) error

	// DeleteUserTokens removes every token of the user and returns how many
	// there were; none is not an error.
	DeleteUserTokens(ctx context.Context, userID uuid.UUID) (int, error)

	// DeleteTokensCreatedBefore removes every token created strictly before
	// t and returns how many there were.
	DeleteTokensCreatedBefore(ctx context.Context, t time.Time) (int, error)
}
