package user

import "github.com/google/uuid"

// Base holds the fields every user has. A host extends the user by
// embedding Base in its own struct:
//
//	type Member struct {
//		user.Base
//		DisplayName string `json:"display_name"`
//	}
//
// The JSON names are those of FastAPI Users' UserRead schema.
// HashedPassword, TokenEpoch and KeptToken never appear in JSON.
type Base struct {
	ID             uuid.UUID `json:"id"`
	Email          string    `json:"email"`
	HashedPassword string    `json:"-"`
	IsActive       bool      `json:"is_active"`
	IsSuperuser    bool      `json:"is_superuser"`
	IsVerified     bool      `json:"is_verified"`
	// TokenEpoch counts the times every session of the user was ended: the
	// Manager increments it, in the same write, when the password is
	// changed or reset and when the user is deactivated, and on
	// EndSessions. A revocable JWT carries the epoch it was issued at and
	// is refused once the stored one has moved on. Stores persist it like
	// any other field; clients never see or set it.
	TokenEpoch int64 `json:"-"`
	// KeptToken is the hex SHA-256 digest of the one token that outlived
	// the last ending of the user's other sessions, when the user changed
	// their own password; empty when there is none. The library sets it;
	// clients never see or set it.
	KeptToken string `json:"-"`
}

// UserBase returns b itself. Through embedding it is promoted to the host's
// type, which is how the library reaches the common fields of any user type.
func (b *Base) UserBase() *Base { return b }

// Model is satisfied by a pointer to any struct that embeds Base. The
// library's generic types are instantiated with such a pointer type, for
// example user.Store[*user.User] or user.Store[*Member].
type Model interface {
	UserBase() *Base
}

// User is the ready-made user type for hosts that need no fields of their own.
type User struct {
	Base
}
