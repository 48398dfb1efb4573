package auth

import (
	"context"
	"sync/atomic"
	"time"
)

// pool bounds the hashing done at once: a caller holds one of its slots for
// the length of one key derivation. Memory is therefore at most the number
// of slots times the memory of one hash, whatever the load: a flood of
// logins queues or is refused, it never exhausts memory (OWASP Denial of
// Service Cheat Sheet).
type pool struct {
	slots    chan struct{}
	maxWait  time.Duration
	maxQueue int64
	waiting  atomic.Int64
	// retryAfter is what a refused caller is told: maxWait in whole
	// seconds, rounded up, at least one.
	retryAfter time.Duration
}

func newPool(concurrency int, maxWait time.Duration, maxQueue int) *pool {
	return &pool{
		slots:      make(chan struct{}, concurrency),
		maxWait:    maxWait,
		maxQueue:   int64(maxQueue),
		retryAfter: (maxWait + time.Second - 1).Truncate(time.Second),
	}
}

// acquire takes a slot, waiting at most maxWait. It returns ctx.Err() if ctx
// ends first (the caller's place in the queue is freed at once), and a
// *BusyError when the wait is too long or too many callers already wait.
// A nil error must be paired with release.
func (p *pool) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}

	if p.waiting.Add(1) > p.maxQueue {
		p.waiting.Add(-1)
		return &BusyError{RetryAfter: p.retryAfter}
	}
	defer p.waiting.Add(-1)

	timer := time.NewTimer(p.maxWait)
	defer timer.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return &BusyError{RetryAfter: p.retryAfter}
	}
}

func (p *pool) release() { <-p.slots }

// inUse returns the number of slots taken.
func (p *pool) inUse() int { return len(p.slots) }

// queued returns the number of callers waiting for a slot.
func (p *pool) queued() int { return int(p.waiting.Load()) }
