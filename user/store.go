package user

import (
	"context"

	"github.com/google/uuid"
)

// Store is the persistence the Manager consumes for users. Implementations
// live in the store packages (store/memory, store/sqlstore) and must pass the
// conformance suite in store/storetest.
//
// E-mail addresses are unique by EmailKey: a Store compares and indexes the
// key, never the address as stored, and enforces uniqueness atomically (a
// unique index or a compare-and-set under a lock), never by a read followed by
// a write.
//
// A Store hands out values the caller owns: a user returned by Get or
// GetByEmail may be modified freely without affecting the stored one, and a
// user passed to Create is copied before it is kept. All methods are safe for
// concurrent use.
type Store[U Model] interface {
	// Get returns the user with the given id, or ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (U, error)

	// GetByEmail returns the user whose e-mail has the same EmailKey as
	// email, or ErrNotFound.
	GetByEmail(ctx context.Context, email string) (U, error)

	// Create stores a new user. It returns ErrAlreadyExists if a user with
	// the same id or the same e-mail key exists; nothing is written then.
	Create(ctx context.Context, u U) error

	// Update reads the user with the given id, calls mutate on a copy the
	// callback owns, and stores the result, atomically: no other write to
	// that user can happen between the read and the write. If mutate returns
	// an error, nothing is written and that error is returned as is. Update
	// returns ErrNotFound if there is no such user and ErrAlreadyExists if the
	// new e-mail key belongs to another user. The id itself must not change.
	Update(ctx context.Context, id uuid.UUID, mutate func(u U) error) (U, error)

	// Delete removes the user with the given id, or returns ErrNotFound.
	Delete(ctx context.Context, id uuid.UUID) error
}
