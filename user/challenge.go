package user

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Limits of a Challenge, which the stores' columns are sized for.
const (
	// MaxChallengeKindBytes bounds Challenge.Kind.
	MaxChallengeKindBytes = 32
	// MaxBackendNameBytes bounds Challenge.Backend.
	MaxBackendNameBytes = 100
	// MaxChallengePayloadBytes bounds Challenge.Payload: room for a
	// WebAuthn session, not for anything a client could grow.
	MaxChallengePayloadBytes = 64 << 10
)

// Challenge is a short-lived, single-use server-side challenge: the ticket
// between the two steps of a login now, WebAuthn ceremonies later. The
// client holds an opaque random token; the store keeps only its digest, so
// that a leaked table opens nothing.
type Challenge struct {
	// Digest is auth.TokenDigest of the client's token: the key, 1 to
	// MaxDigestBytes bytes.
	Digest string
	// Kind says what the challenge is for (ChallengeLoginTicket, ...): a
	// challenge is only ever accepted for its own kind. 1 to
	// MaxChallengeKindBytes bytes.
	Kind string
	// UserID is the user the challenge was issued to; uuid.Nil for none,
	// as when a passwordless sign-in begins.
	UserID uuid.UUID
	// Backend is the name of the authentication backend the challenge was
	// issued for, at most MaxBackendNameBytes bytes; it may be empty.
	Backend string
	// Payload is whatever the issuer needs back (a WebAuthn session's
	// data), opaque to the store; at most MaxChallengePayloadBytes.
	Payload []byte
	// ExpiresAt is when the challenge stops being valid. The store does
	// not refuse an expired challenge on its own: the caller compares with
	// its clock. DeleteExpiredChallenges purges by it.
	ExpiresAt time.Time
	// TriesLeft is how many failed attempts the challenge survives: at
	// least 1 when created. FailChallenge counts down and deletes it at 0.
	TriesLeft int
}

// Check reports whether c is within the limits a ChallengeStore keeps; the
// error wraps ErrInvalidRecord. A store calls it before writing.
func (c Challenge) Check() error {
	switch {
	case c.Digest == "" || len(c.Digest) > MaxDigestBytes:
		return fmt.Errorf("%w: challenge digest empty or longer than %d bytes", ErrInvalidRecord, MaxDigestBytes)
	case c.Kind == "" || len(c.Kind) > MaxChallengeKindBytes:
		return fmt.Errorf("%w: challenge kind empty or longer than %d bytes", ErrInvalidRecord, MaxChallengeKindBytes)
	case len(c.Backend) > MaxBackendNameBytes:
		return fmt.Errorf("%w: challenge backend name longer than %d bytes", ErrInvalidRecord, MaxBackendNameBytes)
	case len(c.Payload) > MaxChallengePayloadBytes:
		return fmt.Errorf("%w: challenge payload over %d bytes", ErrInvalidRecord, MaxChallengePayloadBytes)
	case c.TriesLeft < 1:
		return fmt.Errorf("%w: a challenge starts with at least one try", ErrInvalidRecord)
	case c.ExpiresAt.IsZero():
		return fmt.Errorf("%w: a challenge needs an expiry", ErrInvalidRecord)
	}
	return nil
}

// ChallengeStore keeps short-lived, single-use challenges (Challenge),
// shared by every instance that uses the same store: a login ticket issued
// by one instance is completed on another. A user Store may implement it
// besides Store[U] (store/sqlstore's does); when the Manager's does not and
// ManagerOptions.Challenges is nil, the Manager keeps them in a bounded
// MemoryChallenges, which serves one process only. store/storetest holds
// the conformance suite.
//
// Each method is atomic. A store that keeps users deletes a user's
// challenges with the user. Values are copied in and out; times are kept to
// the microsecond and may come back in another location. All methods are
// safe for concurrent use.
type ChallengeStore interface {
	// CreateChallenge stores c. It returns ErrAlreadyExists if a challenge
	// has c.Digest, ErrInvalidRecord if c fails Check, and, from a store
	// that keeps users, ErrNotFound if c.UserID is not uuid.Nil and names
	// no user. Nothing is written then.
	CreateChallenge(ctx context.Context, c Challenge) error

	// GetChallenge returns the challenge with that digest, expired or not,
	// or ErrNotFound.
	GetChallenge(ctx context.Context, digest string) (Challenge, error)

	// FailChallenge counts one failed attempt: TriesLeft decreases by one,
	// and at zero the challenge is deleted. It returns the tries left, or
	// ErrNotFound. Of N concurrent calls on a challenge with T tries left,
	// exactly min(N, T) succeed, each with a different count.
	FailChallenge(ctx context.Context, digest string) (int, error)

	// TakeChallenge deletes the challenge with that digest and returns it:
	// of concurrent takers exactly one gets it, the others ErrNotFound.
	TakeChallenge(ctx context.Context, digest string) (Challenge, error)

	// DeleteExpiredChallenges deletes every challenge whose ExpiresAt is
	// not after now and returns how many there were.
	DeleteExpiredChallenges(ctx context.Context, now time.Time) (int, error)
}
