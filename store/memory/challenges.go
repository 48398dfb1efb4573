package memory

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.ChallengeStore = (*Store[*user.User])(nil)

// The challenges of a Store live in a user.MemoryChallenges of
// user.DefaultMaxChallenges, made on first use: bounded, so that a flood
// of challenges (a passwordless sign-in begins without a user) costs at
// most its capacity. Creating a challenge for a user and deleting that user
// both hold the Store's write lock, so no challenge outlives its user.

// CreateChallenge stores c. It returns user.ErrNotFound if c.UserID is set
// and names no user, user.ErrAlreadyExists if the digest is taken,
// user.ErrInvalidRecord if c fails Check.
func (s *Store[U]) CreateChallenge(ctx context.Context, c user.Challenge) error {
	if err := c.Check(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.UserID != uuid.Nil {
		if _, ok := s.byID[c.UserID]; !ok {
			return user.ErrNotFound
		}
	}
	if s.challenges == nil {
		s.challenges = user.NewMemoryChallenges(0)
	}
	return s.challenges.CreateChallenge(ctx, c)
}

// memChallenges returns the Store's challenges, or nil before the first.
func (s *Store[U]) memChallenges() *user.MemoryChallenges {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.challenges
}

// GetChallenge returns a copy of the challenge with that digest, or
// user.ErrNotFound.
func (s *Store[U]) GetChallenge(ctx context.Context, digest string) (user.Challenge, error) {
	c := s.memChallenges()
	if c == nil {
		return user.Challenge{}, user.ErrNotFound
	}
	return c.GetChallenge(ctx, digest)
}

// FailChallenge counts a failed try, deleting the challenge at zero.
func (s *Store[U]) FailChallenge(ctx context.Context, digest string) (int, error) {
	c := s.memChallenges()
	if c == nil {
		return 0, user.ErrNotFound
	}
	return c.FailChallenge(ctx, digest)
}

// TakeChallenge deletes the challenge with that digest and returns it.
func (s *Store[U]) TakeChallenge(ctx context.Context, digest string) (user.Challenge, error) {
	c := s.memChallenges()
	if c == nil {
		return user.Challenge{}, user.ErrNotFound
	}
	return c.TakeChallenge(ctx, digest)
}

// DeleteExpiredChallenges deletes the challenges expired at now.
func (s *Store[U]) DeleteExpiredChallenges(ctx context.Context, now time.Time) (int, error) {
	c := s.memChallenges()
	if c == nil {
		return 0, nil
	}
	return c.DeleteExpiredChallenges(ctx, now)
}
