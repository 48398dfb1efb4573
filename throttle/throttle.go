// Package throttle counts events per key against a rate: failed logins per
// account and per client address, registrations and password resets per
// address. It holds the counting contract (Store), an in-memory Store for one
// process (MemoryStore), and the logic that finds a request's client address
// behind trusted proxies (Proxies, AddrKey). The Redis Store for several
// instances is in the sub-package redisthrottle, so that this package links no
// driver; throttletest is the conformance suite every Store runs.
//
// # Rules
//
// A Rule allows at most Limit events per Window for each key, as the generic
// cell rate algorithm (GCRA, ITU-T I.371) counts them: a burst of Limit
// events, then one more every Window/Limit. A store keeps one number per
// key, the theoretical arrival time (TAT): the instant at which the key's
// bucket is full again. A key whose TAT has passed is the same as a key never
// seen, so stores forget it.
//
// # A login
//
// A login takes one event from the account's key and one from the client
// address's key before it checks the password, so that concurrent guesses
// cannot slip past the limit; a refusal from either is answered 429 with
// Retry-After and nothing else is done. On success it resets the account's
// key and refunds the address's event: a person who signs in is not counted,
// a guessing script is (OWASP Authentication Cheat Sheet, "Login Throttling").
// See the package example.
package throttle

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors of the Store contract and of client addresses. Compare with
// errors.Is; they may be wrapped.
var (
	// ErrInvalidRule: a Rule with a Limit but a Window that is not
	// positive, shorter than Limit microseconds, or longer than MaxWindow.
	ErrInvalidRule = errors.New("throttle: invalid rule")
	// ErrUnavailable: the store cannot answer (for example Redis is
	// unreachable or timed out). The caller decides whether that fails
	// open (allow) or closed (refuse); a Store never decides it.
	ErrUnavailable = errors.New("throttle: store unavailable")
	// ErrNoClientAddr: a request's RemoteAddr is not an IP address (a Unix
	// socket, or a server that does not set it).
	ErrNoClientAddr = errors.New("throttle: no client address")
)

// MaxWindow is the longest Window a Rule may have. Stores count in
// microseconds since 1970; the Redis store does so in Lua numbers (float64,
// exact up to 2^53 microseconds, the year 2255), and a Window up to a century
// keeps every sum exact.
const MaxWindow = 100 * 365 * 24 * time.Hour

// Rule allows at most Limit events per Window for each key: a burst of
// Limit, then one more every Window/Limit (see Interval). The zero Rule, and
// any Rule whose Limit is 0 or less, means no limit: a Store answers it
// without looking at its state, and it never fails.
type Rule struct {
	Limit  int
	Window time.Duration
}

// Unlimited reports whether r sets no limit (Limit <= 0).
func (r Rule) Unlimited() bool { return r.Limit <= 0 }

// Interval is the time one event takes to come back: Window/Limit, truncated
// to whole microseconds so that every Store computes the same answers. It is
// 0 for an unlimited Rule.
func (r Rule) Interval() time.Duration {
	if r.Unlimited() || r.Window <= 0 {
		return 0
	}
	return (r.Window / time.Duration(r.Limit)).Truncate(time.Microsecond)
}

// Validate returns nil for an unlimited Rule and for a Rule a Store can
// count, and an error wrapping ErrInvalidRule otherwise: a Window that is not
// positive, over MaxWindow, or shorter than Limit microseconds.
func (r Rule) Validate() error {
	switch {
	case r.Unlimited():
		return nil
	case r.Window <= 0:
		return fmt.Errorf("%w: limit %d with window %s", ErrInvalidRule, r.Limit, r.Window)
	case r.Window > MaxWindow:
		return fmt.Errorf("%w: window %s over the maximum %s", ErrInvalidRule, r.Window, MaxWindow)
	case r.Interval() < time.Microsecond:
		return fmt.Errorf("%w: window %s shorter than %d microseconds", ErrInvalidRule, r.Window, r.Limit)
	}
	return nil
}

// Decision is a Store's answer about one event.
type Decision struct {
	// Allowed reports whether the event is within the limit. Take counted
	// it if so, and only then.
	Allowed bool
	// RetryAfter is how long until one more event is allowed: positive
	// when the event is refused, 0 when it is allowed.
	RetryAfter time.Duration
	// Remaining is how many more events are allowed right now, after this
	// one if it was allowed.
	Remaining int
	// ResetAfter is how long until the key's bucket is full again, and a
	// Store forgets it.
	ResetAfter time.Duration
}

// RetryAfterSeconds is RetryAfter in whole seconds for a Retry-After header
// (RFC 9110 §10.2.3): rounded up, at least 1 for a refusal, 0 when allowed.
func (d Decision) RetryAfterSeconds() int64 {
	if d.Allowed {
		return 0
	}
	s := int64((d.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Store counts events per key. Implementations are MemoryStore (one
// process) and redisthrottle.Store (several instances); both pass the
// conformance suite in throttletest.
//
// A key is any string, of any length; a Store may keep a digest of it rather
// than the key itself, so that a 64 KiB username costs no more than a short
// one. Callers give each use its own keys (for example "login:account:" plus
// the normalised username) and one Rule per key; the state of a key is its
// TAT, so a key read under another Rule is still answered consistently.
//
// Errors: a limited Rule that Validate refuses gives an error wrapping
// ErrInvalidRule, and changes nothing. When ctx is done before the call
// counts, the error wraps ctx.Err() and nothing is counted; a Store that
// waits on the network may have counted an event whose reply ctx cut short.
// A store that cannot answer returns an error wrapping ErrUnavailable. No
// error text holds the key. Methods given an unlimited Rule do nothing and
// never fail.
//
// All methods are safe for concurrent use, and each is atomic on its key: of
// N concurrent Takes on a fresh key under Rule{Limit: L}, exactly min(N, L)
// are allowed.
type Store interface {
	// Take counts one event for key if rule allows it, and returns the
	// decision. A refused event counts nothing: hammering a closed key
	// does not keep it closed longer.
	Take(ctx context.Context, key string, rule Rule) (Decision, error)

	// Peek returns the Decision Take would return now, without counting.
	Peek(ctx context.Context, key string, rule Rule) (Decision, error)

	// Refund gives back one event that Take counted for key. A key's
	// bucket never grows past full: refunding a key that has nothing
	// counted does nothing.
	Refund(ctx context.Context, key string, rule Rule) error

	// Reset forgets key: its bucket is full again. Resetting a key that
	// has nothing counted does nothing.
	Reset(ctx context.Context, key string) error
}
