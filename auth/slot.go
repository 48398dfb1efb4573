package auth

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrSlotReleased is returned by a Slot's Verify and VerifyDummy once the
// slot was released: the caller holds no slot, so no hashing is done.
var ErrSlotReleased = errors.New("auth: hashing slot already released")

// Slot is one slot of a PasswordHasher's pool, held by one caller across
// several steps. A login takes it before it reads the user and verifies
// in it, so that a login the pool cannot serve is refused with ErrBusy
// before it costs a store read, and a flood beyond the pool's capacity
// costs neither hashing nor the store (OWASP Denial of Service Cheat
// Sheet). While it is held, every other caller has one slot fewer: hold
// it across quick steps only, and never while waiting for another slot of
// the same hasher (Hash, Verify or a second Acquire), which could wait
// for itself.
//
// A Slot serves one caller; Release may be called from any goroutine, and
// more than once.
type Slot struct {
	h        *PasswordHasher
	released atomic.Bool
}

// Acquire takes a slot of h's pool, waiting for it as Hash and Verify do:
// ctx.Err() if ctx ends first (its place in the queue is freed at once),
// a *BusyError (ErrBusy) when too many callers wait or the wait exceeds
// MaxWait. A Slot returned must be released, usually with a deferred
// Release, on every path.
func (h *PasswordHasher) Acquire(ctx context.Context) (*Slot, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	return &Slot{h: h}, nil
}

// Verify is PasswordHasher.Verify in the held slot: it waits for nothing,
// so it takes no context. A hash that does not parse, or whose parameters
// are outside the hasher's Limits, is ErrMalformedHash before any hashing,
// as there. After Release it returns ErrSlotReleased.
func (s *Slot) Verify(password, encoded string) (ok, needsRehash bool, err error) {
	if s.released.Load() {
		return false, false, ErrSlotReleased
	}
	sh, err := parseHash(encoded, s.h.limits)
	if err != nil {
		return false, false, err
	}
	return s.h.compute(password, sh, false), s.h.needsRehash(sh), nil
}

// VerifyDummy is PasswordHasher.VerifyDummy in the held slot: one
// verification with the current parameters that matches nothing. Its only
// error is ErrSlotReleased.
func (s *Slot) VerifyDummy(password string) error {
	if s.released.Load() {
		return ErrSlotReleased
	}
	s.h.compute(password, s.h.dummy, true)
	return nil
}

// Release gives the slot back to the pool. Only the first call does:
// later ones do nothing, so a deferred Release is safe after an early one.
func (s *Slot) Release() {
	if s.released.CompareAndSwap(false, true) {
		s.h.release()
	}
}
