package user

import (
	"strings"

	"github.com/google/uuid"
)

// Base holds the fields every user has. A host extends the user by
// embedding Base in its own struct:
//
//	type Member struct {
//		user.Base
//		DisplayName string `json:"display_name"`
//	}
//
// The JSON names are those of FastAPI Users' UserRead schema.
// HashedPassword, TokenEpoch, KeptToken and EndedSessions never appear in
// JSON.
type Base struct {
	ID             uuid.UUID `json:"id"`
	Email          string    `json:"email"`
	HashedPassword string    `json:"-"`
	IsActive       bool      `json:"is_active"`
	IsSuperuser    bool      `json:"is_superuser"`
	IsVerified     bool      `json:"is_verified"`
	// TokenEpoch counts the times the sessions of the user were ended all
	// at once: the Manager increments it, in the same write, when the
	// password is changed or reset and when the user is deactivated, and
	// on EndSessions and EndOtherSessions. A JWT issued after the first
	// increment carries the epoch it was issued at and is refused once the
	// stored one has moved on. Stores persist it like any other field;
	// clients never see or set it.
	TokenEpoch int64 `json:"-"`
	// KeptToken is the hex SHA-256 digest of the one token that outlived
	// the last ending of the user's other sessions, when the user changed
	// their own password; empty when there is none. The library sets it;
	// clients never see or set it.
	KeptToken string `json:"-"`
	// EndedSessions lists the sessions of the user ended one by one since
	// their sessions were last ended all at once (Manager.EndSession): at
	// most MaxEndedSessions ids in their canonical form, separated by
	// spaces; empty when there is none. A JWT of such a session is refused
	// at once, without a store of its own to look in. The library sets it;
	// clients never see or set it.
	EndedSessions string `json:"-"`
}

// SessionEnded reports whether the session with the given id, in its
// canonical form, is among b.EndedSessions. It does not allocate.
func (b *Base) SessionEnded(id string) bool {
	if len(id) != 36 || b.EndedSessions == "" {
		return false
	}
	for list := b.EndedSessions; list != ""; {
		entry, rest, _ := strings.Cut(list, " ")
		if entry == id {
			return true
		}
		list = rest
	}
	return false
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
