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
// The JSON names are those of FastAPI Users' UserRead schema. HashedPassword
// never appears in JSON.
type Base struct {
	ID             uuid.UUID `json:"id"`
	Email          string    `json:"email"`
	HashedPassword string    `json:"-"`
	IsActive       bool      `json:"is_active"`
	IsSuperuser    bool      `json:"is_superuser"`
	IsVerified     bool      `json:"is_verified"`
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
