package backend

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// RefreshStore is the persistence of refresh tokens (RefreshConfig.Store).
// It is implemented by store/memory, by the SQL store and by
// backend/redistoken, and every implementation passes
// strategytest.RunRefreshStore.
//
// Tokens are found by digest only. A store keeps every field of
// auth.RefreshToken, its times to at least microsecond precision, and
// compares times as instants, whatever their location. All methods are safe
// for concurrent use.
type RefreshStore interface {
	// CreateRefreshToken stores t, the first token of a new family. It
	// returns auth.ErrRefreshTokenExists, and writes nothing, if a token
	// with the same digest exists.
	CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error

	// GetRefreshToken returns the token with the given digest, used or
	// not, expired or not, or auth.ErrRefreshTokenNotFound.
	GetRefreshToken(ctx context.Context, digest string) (auth.RefreshToken, error)

	// RotateRefreshToken marks the token with the given digest as used and
	// stores next, its successor, as one atomic step: of concurrent calls
	// for one digest, exactly one succeeds. next belongs to the same family
	// and user; the caller copies them. Errors, with nothing written:
	// auth.ErrRefreshTokenNotFound if no token has the digest,
	// auth.ErrRefreshTokenReused if it is used already, and
	// auth.ErrRefreshTokenExists if next's digest is taken.
	RotateRefreshToken(ctx context.Context, digest string, next auth.RefreshToken) error

	// DeleteRefreshFamily removes every token of the family and returns how
	// many there were; none is not an error.
	DeleteRefreshFamily(ctx context.Context, familyID uuid.UUID) (int, error)

	// DeleteUserRefreshTokens removes every token of the user and returns
	// how many there were; none is not an error.
	DeleteUserRefreshTokens(ctx context.Context, userID uuid.UUID) (int, error)

	// DeleteRefreshTokensExpiredBefore removes every token whose ExpiresAt
	// is strictly before t and returns how many there were.
	DeleteRefreshTokensExpiredBefore(ctx context.Context, t time.Time) (int, error)

	// UserRefreshTokens returns every token of the user, used or not,
	// expired or not, in no particular order; none is an empty list, not an
	// error.
	UserRefreshTokens(ctx context.Context, userID uuid.UUID) ([]auth.RefreshToken, error)

	// DeleteUserRefreshTokensExcept removes every token of the user but
	// those of the family keep (which may be unknown, another user's, or
	// uuid.Nil, sparing none), and returns how many it removed.
	DeleteUserRefreshTokensExcept(ctx context.Context, userID, keep uuid.UUID) (int, error)
}
