package memory

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// RefreshStore is a backend.RefreshStore kept in process memory, for tests,
// examples and single-process services. Tokens are indexed by digest, by
// family and by user under one lock, so a rotation, a family's revocation
// and a user's are each atomic with respect to every other call. The zero
// value is not usable; call NewRefreshStore. It is safe for concurrent use.
type RefreshStore struct {
	mu       sync.RWMutex
	byDigest map[string]auth.RefreshToken
	byFamily map[uuid.UUID]map[string]struct{}
	byUser   map[uuid.UUID]map[uuid.UUID]struct{} // user -> families
}

// NewRefreshStore returns an empty RefreshStore.
func NewRefreshStore() *RefreshStore {
	return &RefreshStore{
		byDigest: make(map[string]auth.RefreshToken),
		byFamily: make(map[uuid.UUID]map[string]struct{}),
		byUser:   make(map[uuid.UUID]map[uuid.UUID]struct{}),
	}
}

// CreateRefreshToken stores t, unused, or returns auth.ErrRefreshTokenExists
// if its digest is taken.
func (s *RefreshStore) CreateRefreshToken(_ context.Context, t auth.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byDigest[t.Digest]; ok {
		return auth.ErrRefreshTokenExists
	}
	t.Used = false
	s.add(t)
	return nil
}

// add indexes t; the caller holds the write lock and checked the digest.
func (s *RefreshStore) add(t auth.RefreshToken) {
	s.byDigest[t.Digest] = t
	digests := s.byFamily[t.FamilyID]
	if digests == nil {
		digests = make(map[string]struct{})
		s.byFamily[t.FamilyID] = digests
	}
	digests[t.Digest] = struct{}{}
	families := s.byUser[t.UserID]
	if families == nil {
		families = make(map[uuid.UUID]struct{})
		s.byUser[t.UserID] = families
	}
	families[t.FamilyID] = struct{}{}
}

// GetRefreshToken returns the token with the given digest, or
// auth.ErrRefreshTokenNotFound.
func (s *RefreshStore) GetRefreshToken(_ context.Context, digest string) (auth.RefreshToken, error) {
	s.mu.RLock()
	t, ok := s.byDigest[digest]
	s.mu.RUnlock()
	if !ok {
		return auth.RefreshToken{}, auth.ErrRefreshTokenNotFound
	}
	return t, nil
}

// RotateRefreshToken marks the token with the given digest as used and
// stores next, under the store's lock.
func (s *RefreshStore) RotateRefreshToken(_ context.Context, digest string, next auth.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byDigest[digest]
	switch {
	case !ok:
		return auth.ErrRefreshTokenNotFound
	case old.Used:
		return auth.ErrRefreshTokenReused
	}
	if _, taken := s.byDigest[next.Digest]; taken {
		return auth.ErrRefreshTokenExists
	}
	old.Used = true
	s.byDigest[digest] = old
	next.Used = false
	s.add(next)
	return nil
}

// DeleteRefreshFamily removes every token of the family and returns how
// many there were.
func (s *RefreshStore) DeleteRefreshFamily(_ context.Context, familyID uuid.UUID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeFamily(familyID), nil
}

// removeFamily deletes a family from every index; the caller holds the
// write lock.
func (s *RefreshStore) removeFamily(familyID uuid.UUID) int {
	digests := s.byFamily[familyID]
	var userID uuid.UUID
	for d := range digests {
		userID = s.byDigest[d].UserID
		delete(s.byDigest, d)
	}
	delete(s.byFamily, familyID)
	if families := s.byUser[userID]; families != nil {
		delete(families, familyID)
		if len(families) == 0 {
			delete(s.byUser, userID)
		}
	}
	return len(digests)
}

// DeleteUserRefreshTokens removes every token of the user and returns how
// many there were.
func (s *RefreshStore) DeleteUserRefreshTokens(_ context.Context, userID uuid.UUID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for family := range s.byUser[userID] {
		n += s.removeFamily(family)
	}
	return n, nil
}

// DeleteRefreshTokensExpiredBefore removes every token whose ExpiresAt is
// strictly before t and returns how many there were. It visits every token,
// under the lock: it is meant to run now and then, not on a request path.
func (s *RefreshStore) DeleteRefreshTokensExpiredBefore(_ context.Context, t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for d, rt := range s.byDigest {
		if !rt.ExpiresAt.Before(t) {
			continue
		}
		delete(s.byDigest, d)
		n++
		digests := s.byFamily[rt.FamilyID]
		delete(digests, d)
		if len(digests) == 0 {
			delete(s.byFamily, rt.FamilyID)
			if families := s.byUser[rt.UserID]; families != nil {
				delete(families, rt.FamilyID)
				if len(families) == 0 {
					delete(s.byUser, rt.UserID)
				}
			}
		}
	}
	return n, nil
}

// UserRefreshTokens returns every token of the user, used or not.
func (s *RefreshStore) UserRefreshTokens(_ context.Context, userID uuid.UUID) ([]auth.RefreshToken, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []auth.RefreshToken
	for family := range s.byUser[userID] {
		for d := range s.byFamily[family] {
			out = append(out, s.byDigest[d])
		}
	}
	if out == nil {
		out = []auth.RefreshToken{}
	}
	return out, nil
}

// DeleteUserRefreshTokensExcept removes every token of the user but those
// of the family keep, and returns how many it removed.
func (s *RefreshStore) DeleteUserRefreshTokensExcept(_ context.Context, userID, keep uuid.UUID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for family := range s.byUser[userID] {
		if family != keep {
			n += s.removeFamily(family)
		}
	}
	return n, nil
}
