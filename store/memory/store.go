// Package memory is a user.Store kept in process memory, for tests, examples
// and single-process services that need no persistence. Users are indexed by
// id and by user.EmailKey under one lock, so e-mail uniqueness is enforced
// atomically, and values are copied with user.Clone on the way in and out.
//
//	users := memory.New[*user.User]()
//	err := users.Create(ctx, &user.User{Base: user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt"}})
//	u, err := users.GetByEmail(ctx, "King.Arthur@camelot.bt") // the same user
package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// ErrIDChanged is returned by Update when mutate changed the user's id,
// which the user.Store contract forbids; nothing is written then.
var ErrIDChanged = errors.New("memory: mutate changed the user id")

// entry is a stored user with the e-mail key it is indexed under, kept so
// that an update or delete need not recompute it.
type entry[U user.Model] struct {
	user U
	key  string
}

// Store is an in-memory user.Store. The zero value is not usable; call New.
// It is safe for concurrent use.
//
// A stored user is a shallow copy (user.Clone): slices and maps among a
// host's own fields are shared with the values handed in and out, which
// callers replace rather than edit, as user.Clone documents.
type Store[U user.Model] struct {
	mu      sync.RWMutex
	byID    map[uuid.UUID]entry[U]
	byEmail map[string]uuid.UUID
	oauth   oauthIndex // linked OAuth accounts (oauth.go)
	// Second factors (twofactor.go) and challenges (challenges.go).
	twoFactor  twoFactorIndex
	challenges *user.MemoryChallenges
	// passkeys are the users' registered passkeys (passkeys.go).
	passkeys passkeyIndex
}

// New returns an empty Store.
func New[U user.Model]() *Store[U] {
	return &Store[U]{
		byID:    make(map[uuid.UUID]entry[U]),
		byEmail: make(map[string]uuid.UUID),
	}
}

var _ user.Store[*user.User] = (*Store[*user.User])(nil)

// Get returns a copy of the user with the given id, or user.ErrNotFound. It
// allocates only the copy: it runs on every authenticated request.
func (s *Store[U]) Get(_ context.Context, id uuid.UUID) (U, error) {
	s.mu.RLock()
	e, ok := s.byID[id]
	s.mu.RUnlock()
	if !ok {
		var zero U
		return zero, user.ErrNotFound
	}
	// A stored value is never modified, only replaced, and never handed
	// out, so it can be copied outside the lock.
	return user.Clone(e.user), nil
}

// GetByEmail returns a copy of the user whose e-mail has the same
// user.EmailKey as email, or user.ErrNotFound.
func (s *Store[U]) GetByEmail(_ context.Context, email string) (U, error) {
	key := user.EmailKey(email)
	s.mu.RLock()
	id, ok := s.byEmail[key]
	var e entry[U]
	if ok {
		e, ok = s.byID[id]
	}
	s.mu.RUnlock()
	if !ok {
		var zero U
		return zero, user.ErrNotFound
	}
	return user.Clone(e.user), nil
}

// Create stores a copy of u. It returns user.ErrAlreadyExists, and stores
// nothing, if a user with the same id or e-mail key exists.
func (s *Store[U]) Create(_ context.Context, u U) error {
	c := user.Clone(u)
	b := c.UserBase()
	key := user.EmailKey(b.Email)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[b.ID]; ok {
		return user.ErrAlreadyExists
	}
	if _, ok := s.byEmail[key]; ok {
		return user.ErrAlreadyExists
	}
	s.byID[b.ID] = entry[U]{user: c, key: key}
	s.byEmail[key] = b.ID
	return nil
}

// Update calls mutate on a copy of the user with the given id and stores the
// result, all under the store's write lock, so concurrent updates of one user
// never lose each other's changes. It returns a copy of the stored result;
// mutate's own error, as is; user.ErrNotFound; user.ErrAlreadyExists when the
// new e-mail key belongs to another user; or ErrIDChanged. On any error
// nothing is written.
//
// mutate runs under the lock: it must be quick and must not call the store.
func (s *Store[U]) Update(_ context.Context, id uuid.UUID, mutate func(u U) error) (U, error) {
	var zero U
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return zero, user.ErrNotFound
	}
	c := user.Clone(e.user)
	if err := mutate(c); err != nil {
		return zero, err
	}
	b := c.UserBase()
	if b.ID != id {
		return zero, ErrIDChanged
	}
	key := user.EmailKey(b.Email)
	if owner, ok := s.byEmail[key]; ok && owner != id {
		return zero, user.ErrAlreadyExists
	}
	delete(s.byEmail, e.key)
	s.byEmail[key] = id
	// mutate may have kept c: store a copy nobody else holds, and give c,
	// which the caller owns anyway, back.
	s.byID[id] = entry[U]{user: user.Clone(c), key: key}
	return c, nil
}

// Delete removes the user with the given id, its OAuth accounts, second
// factors, challenges and passkeys, or returns user.ErrNotFound.
func (s *Store[U]) Delete(_ context.Context, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return user.ErrNotFound
	}
	delete(s.byID, id)
	delete(s.byEmail, e.key)
	s.oauth.dropUser(id)
	s.passkeys.dropUser(id)
	s.twoFactor.dropUser(id)
	if s.challenges != nil {
		s.challenges.DeleteUserChallenges(id)
	}
	return nil
}
