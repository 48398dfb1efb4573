package user

import (
	"container/heap"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// DefaultMaxChallenges is the capacity of a MemoryChallenges made with no
// other: room for the logins of a busy single process within a ticket's
// five minutes, a few megabytes at most.
const DefaultMaxChallenges = 10000

// MemoryChallenges is a ChallengeStore in process memory: the Manager's
// fallback when its Store keeps no challenges, and the part of store/memory
// that does. It serves one process only: several instances behind one load
// balancer need a shared store (store/sqlstore's), or a ticket issued by
// one instance is unknown to the others.
//
// It is bounded: when full, a new challenge pushes out the one that expires
// first, expired or not, so that a flood of challenges costs at most its
// capacity and those issued last survive it. It keeps no clock of its own:
// expired challenges go on DeleteExpiredChallenges or when pushed out. It
// does not know users, so CreateChallenge accepts any UserID.
//
// The zero value is not usable; call NewMemoryChallenges. It is safe for
// concurrent use.
type MemoryChallenges struct {
	mu       sync.Mutex
	max      int
	byDigest map[string]*memChallenge
	queue    challengeQueue // every challenge, the soonest to expire first
}

type memChallenge struct {
	c     Challenge
	index int // in the queue
}

// NewMemoryChallenges returns an empty MemoryChallenges holding at most max
// challenges; max <= 0 means DefaultMaxChallenges.
func NewMemoryChallenges(max int) *MemoryChallenges {
	if max <= 0 {
		max = DefaultMaxChallenges
	}
	return &MemoryChallenges{max: max, byDigest: make(map[string]*memChallenge)}
}

var _ ChallengeStore = (*MemoryChallenges)(nil)

// cloneChallenge copies c with its payload, so that neither the caller nor
// the store sees the other's later changes.
func cloneChallenge(c Challenge) Challenge {
	c.Payload = slices.Clone(c.Payload)
	return c
}

// CreateChallenge stores a copy of c, pushing out the challenge that
// expires first when the store is full. It returns ErrAlreadyExists if the
// digest is taken and ErrInvalidRecord if c fails Check.
func (s *MemoryChallenges) CreateChallenge(_ context.Context, c Challenge) error {
	if err := c.Check(); err != nil {
		return err
	}
	c = cloneChallenge(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byDigest[c.Digest]; ok {
		return ErrAlreadyExists
	}
	for len(s.byDigest) >= s.max {
		s.remove(s.queue[0])
	}
	e := &memChallenge{c: c}
	heap.Push(&s.queue, e)
	s.byDigest[c.Digest] = e
	return nil
}

// remove deletes e; the caller holds the lock.
func (s *MemoryChallenges) remove(e *memChallenge) {
	heap.Remove(&s.queue, e.index)
	delete(s.byDigest, e.c.Digest)
}

// GetChallenge returns a copy of the challenge with that digest, or
// ErrNotFound.
func (s *MemoryChallenges) GetChallenge(_ context.Context, digest string) (Challenge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byDigest[digest]
	if !ok {
		return Challenge{}, ErrNotFound
	}
	return cloneChallenge(e.c), nil
}

// FailChallenge counts a failed try, deleting the challenge at zero, and
// returns the tries left, or ErrNotFound.
func (s *MemoryChallenges) FailChallenge(_ context.Context, digest string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byDigest[digest]
	if !ok {
		return 0, ErrNotFound
	}
	e.c.TriesLeft--
	if e.c.TriesLeft <= 0 {
		s.remove(e)
		return 0, nil
	}
	return e.c.TriesLeft, nil
}

// TakeChallenge deletes the challenge with that digest and returns it, or
// ErrNotFound.
func (s *MemoryChallenges) TakeChallenge(_ context.Context, digest string) (Challenge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byDigest[digest]
	if !ok {
		return Challenge{}, ErrNotFound
	}
	s.remove(e)
	return e.c, nil
}

// DeleteExpiredChallenges deletes the challenges whose ExpiresAt is not
// after now and returns how many there were.
func (s *MemoryChallenges) DeleteExpiredChallenges(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for len(s.queue) > 0 && !s.queue[0].c.ExpiresAt.After(now) {
		s.remove(s.queue[0])
		n++
	}
	return n, nil
}

// DeleteUserChallenges deletes every challenge issued to the user; a store
// that embeds a MemoryChallenges calls it when it deletes the user.
func (s *MemoryChallenges) DeleteUserChallenges(userID uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.byDigest {
		if e.c.UserID == userID {
			s.remove(e)
		}
	}
}

// Len returns the number of challenges held, expired ones included.
func (s *MemoryChallenges) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byDigest)
}

// challengeQueue is a min-heap of challenges by ExpiresAt (container/heap).
type challengeQueue []*memChallenge

func (q challengeQueue) Len() int           { return len(q) }
func (q challengeQueue) Less(i, j int) bool { return q[i].c.ExpiresAt.Before(q[j].c.ExpiresAt) }
func (q challengeQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

func (q *challengeQueue) Push(x any) {
	e := x.(*memChallenge)
	e.index = len(*q)
	*q = append(*q, e)
}

func (q *challengeQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}
