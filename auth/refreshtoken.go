package auth

import (
	"errors"
	"time"

	"github.com/google/uuid"
)

// Errors of the refresh-token store contract (backend.RefreshStore).
var (
	// ErrRefreshTokenNotFound is returned by a refresh store when no token
	// has the digest.
	ErrRefreshTokenNotFound = errors.New("auth: refresh token not found")
	// ErrRefreshTokenExists is returned by a refresh store asked to store a
	// token whose digest is taken; nothing is written then.
	ErrRefreshTokenExists = errors.New("auth: refresh token already exists")
	// ErrRefreshTokenReused is returned by a refresh store asked to rotate
	// a token that was rotated already: someone presents a refresh token a
	// second time, the sign that it was stolen (RFC 9700 section 4.14.2).
	ErrRefreshTokenReused = errors.New("auth: refresh token already used")
)

// RefreshToken is a refresh token as a refresh store (backend.RefreshStore)
// keeps it: never the token itself, only its digest (TokenDigest), like an
// AccessToken. Every login starts a family; each refresh marks the token it
// exchanges as used and stores its successor in the same family, so that a
// used token presented again is recognised, and its whole family revoked
// (RFC 9700 section 4.14.2: refresh token rotation).
type RefreshToken struct {
	// Digest is TokenDigest of the token: 64 lower-case hex digits.
	Digest string
	// FamilyID names the chain of tokens descending from one login.
	FamilyID uuid.UUID
	// UserID is the user the family was issued to.
	UserID uuid.UUID
	// CreatedAt is when this token was issued.
	CreatedAt time.Time
	// FamilyCreatedAt is when the family's first token was issued, at
	// login: the absolute lifetime runs from here.
	FamilyCreatedAt time.Time
	// ExpiresAt is when the token stops working: the earlier of its own
	// idle lifetime and its family's absolute lifetime. Stores purge by it.
	ExpiresAt time.Time
	// Used reports that the token was exchanged for its successor. A used
	// token is kept until it expires, for reuse detection.
	Used bool
	// Origin is where the family's sign-in came from; every token of a
	// family carries its family's.
	Origin Origin
}
