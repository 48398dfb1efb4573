package backend

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// TokenStore is the persistence the DatabaseStrategy consumes. It is
// implemented by store/memory and by the SQL store, and every implementation
// passes strategytest.RunTokenStore.
//
// Tokens are found by digest only. A store keeps every field of
// auth.AccessToken, its times to at least microsecond precision, and
// compares times as instants, whatever their location. All methods are safe
// for concurrent use.
type TokenStore interface {
	// CreateToken stores t. It returns auth.ErrTokenExists, and writes nothing,
	// if a token with the same digest exists.
	CreateToken(ctx context.Context, t auth.AccessToken) error

	// GetToken returns the token with the given digest, or
	// auth.ErrTokenNotFound. Expired tokens are returned like any other: the
	// strategy decides what has expired. It runs on every request, so it
	// need only return what a request reads: Digest, UserID, CreatedAt,
	// SessionID and LastUsedAt; it may leave ExpiresAt and Origin, which
	// only a session list shows (UserTokens), zero.
	GetToken(ctx context.Context, digest string) (auth.AccessToken, error)

	// DeleteToken removes the token with the given digest, or returns
	// auth.ErrTokenNotFound.
	DeleteToken(ctx context.Context, digest string) error

	// DeleteUserTokens removes every token of the user and returns how many
	// there were; none is not an error.
	DeleteUserTokens(ctx context.Context, userID uuid.UUID) (int, error)

	// DeleteTokensCreatedBefore removes every token created strictly before
	// t and returns how many there were.
	DeleteTokensCreatedBefore(ctx context.Context, t time.Time) (int, error)

	// UserTokens returns every token of the user, expired or not, in no
	// particular order; none is an empty list, not an error.
	UserTokens(ctx context.Context, userID uuid.UUID) ([]auth.AccessToken, error)

	// TouchToken sets the LastUsedAt of the token with the given digest to
	// at, or returns auth.ErrTokenNotFound. It changes nothing else.
	TouchToken(ctx context.Context, digest string, at time.Time) error

	// DeleteUserTokensExcept removes every token of the user but the one
	// whose digest is keep (which may be unknown, or another user's), and
	// returns how many it removed.
	DeleteUserTokensExcept(ctx context.Context, userID uuid.UUID, keep string) (int, error)
}
