package memory

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// TokenStore is a backend.TokenStore kept in process memory, for tests,
// examples and single-process services: the store of a
// backend.DatabaseStrategy. Tokens are indexed by digest and by user under
// one lock, so revoking a user's tokens is atomic with respect to every other
// call. The zero value is not usable; call NewTokenStore. It is safe for
// concurrent use.
type TokenStore struct {
	mu       sync.RWMutex
	byDigest map[string]auth.AccessToken
	byUser   map[uuid.UUID]map[string]struct{}
}

// NewTokenStore returns an empty TokenStore.
func NewTokenStore() *TokenStore {
	return &TokenStore{
		byDigest: make(map[string]auth.AccessToken),
		byUser:   make(map[uuid.UUID]map[string]struct{}),
	}
}

// CreateToken stores t, or returns auth.ErrTokenExists if its digest is
// taken.
func (s *TokenStore) CreateToken(_ context.Context, t auth.AccessToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byDigest[t.Digest]; ok {
		return auth.ErrTokenExists
	}
	s.byDigest[t.Digest] = t
	digests := s.byUser[t.UserID]
	if digests == nil {
		digests = make(map[string]struct{})
		s.byUser[t.UserID] = digests
	}
	digests[t.Digest] = struct{}{}
	return nil
}

// GetToken returns the token with the given digest, or
// auth.ErrTokenNotFound.
func (s *TokenStore) GetToken(_ context.Context, digest string) (auth.AccessToken, error) {
	s.mu.RLock()
	t, ok := s.byDigest[digest]
	s.mu.RUnlock()
	if !ok {
		return auth.AccessToken{}, auth.ErrTokenNotFound
	}
	return t, nil
}

// DeleteToken removes the token with the given digest, or returns
// auth.ErrTokenNotFound.
func (s *TokenStore) DeleteToken(_ context.Context, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byDigest[digest]
	if !ok {
		return auth.ErrTokenNotFound
	}
	s.remove(t)
	return nil
}

// DeleteUserTokens removes every token of the user and returns how many
// there were.
func (s *TokenStore) DeleteUserTokens(_ context.Context, userID uuid.UUID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	digests := s.byUser[userID]
	for d := range digests {
		delete(s.byDigest, d)
	}
	delete(s.byUser, userID)
	return len(digests), nil
}

// DeleteTokensCreatedBefore removes every token created strictly before t
// and returns how many there were. It visits every token, under the lock:
// it is meant to run now and then, not on a request path.
func (s *TokenStore) DeleteTokensCreatedBefore(_ context.Context, t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, at := range s.byDigest {
		if at.CreatedAt.Before(t) {
			s.remove(at)
			n++
		}
	}
	return n, nil
}

// remove deletes t from both indexes; the caller holds the write lock.
func (s *TokenStore) remove(t auth.AccessToken) {
	delete(s.byDigest, t.Digest)
	if digests := s.byUser[t.UserID]; digests != nil {
		delete(digests, t.Digest)
		if len(digests) == 0 {
			delete(s.byUser, t.UserID)
		}
	}
}

// UserTokens returns every token of the user, expired or not.
func (s *TokenStore) UserTokens(_ context.Context, userID uuid.UUID) ([]auth.AccessToken, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	digests := s.byUser[userID]
	out := make([]auth.AccessToken, 0, len(digests))
	for d := range digests {
		out = append(out, s.byDigest[d])
	}
	return out, nil
}

// TouchToken sets the LastUsedAt of the token with the given digest, or
// returns auth.ErrTokenNotFound.
func (s *TokenStore) TouchToken(_ context.Context, digest string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byDigest[digest]
	if !ok {
		return auth.ErrTokenNotFound
	}
	t.LastUsedAt = at
	s.byDigest[digest] = t
	return nil
}

// DeleteUserTokensExcept removes every token of the user but the one whose
// digest is keep, and returns how many it removed.
func (s *TokenStore) DeleteUserTokensExcept(_ context.Context, userID uuid.UUID, keep string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for d := range s.byUser[userID] {
		if d != keep {
			s.remove(s.byDigest[d])
			n++
		}
	}
	return n, nil
}
