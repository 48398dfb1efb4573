// Package strategytest is the conformance suite every backend.Strategy runs,
// and, with RunTokenStore and RunRefreshStore, every backend.TokenStore and
// backend.RefreshStore. It checks what the
// Strategy interface promises: a token reads back as its user; anything else
// (garbage, oversized, tampered, another strategy's) is
// backend.ErrInvalidToken; expiry by the strategy's clock, without sleeping;
// and for server-side strategies logout, revocation, the token's form, that
// no token is kept in clear, and the sessions (backend.SessionKeeper:
// listing with origin and times, last use written at most once per
// backend.TouchInterval, ending one, revoking all but one). Run it under the
// race detector:
//
//	func TestConformance(t *testing.T) {
//		strategytest.Run(t, func(t *testing.T) strategytest.Subject {
//			clock := strategytest.NewClock(time.Now())
//			s := backend.NewDatabase(backend.DatabaseConfig{Store: memory.NewTokenStore(), Lifetime: time.Hour, Now: clock.Now})
//			return strategytest.Subject{Strategy: s, Clock: clock, Lifetime: time.Hour, ServerSide: true}
//		})
//	}
package strategytest

import (
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/backend"
)

// Subject is a strategy under test with what the suite needs to know about
// it.
type Subject struct {
	// Strategy is a fresh strategy: it has issued no token yet.
	Strategy backend.Strategy
	// Clock is the clock the strategy reads (its Now).
	Clock *Clock
	// Lifetime is the strategy's token lifetime, at least two seconds (a JWT
	// counts expiry in whole seconds).
	Lifetime time.Duration
	// ServerSide says that the strategy keeps its tokens on the server: it
	// issues opaque random tokens (auth.RandomToken), DestroyToken ends a
	// token and the strategy is a backend.Revoker, a backend.SessionReader
	// and a backend.SessionKeeper. A stateless strategy (JWT) runs the other
	// cases only, and must not claim to be a Revoker.
	ServerSide bool
	// Stored, if not nil, returns everything the strategy has persisted so
	// far (keys, values, rows, as text), for the check that no token is
	// kept in clear: every issued token's digest must appear in it and no
	// encoding of the token itself may.
	Stored func(t *testing.T) []string
}

// Factory returns a fresh Subject, independent of every one returned before.
// It releases what it opened with t.Cleanup.
type Factory func(t *testing.T) Subject

// Run runs the conformance suite against the strategies f returns, one per
// subtest.
func Run(t *testing.T, f Factory) {
	t.Helper()
	if f == nil {
		t.Fatal("strategytest: nil Factory")
	}
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := f(t)
			switch {
			case s.Strategy == nil || s.Clock == nil:
				t.Fatal("strategytest: Subject needs a Strategy and its Clock")
			case s.Lifetime < 2*time.Second:
				t.Fatal("strategytest: Subject.Lifetime must be at least two seconds")
			}
			if c.serverSide && !s.ServerSide {
				t.Skip("stateless strategy")
			}
			c.run(t, s)
		})
	}
}

// Clock is a clock the test moves by hand: pass its Now to the strategy.
// It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (back, if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
