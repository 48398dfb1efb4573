// Package throttletest is the conformance suite every throttle.Store runs.
// It checks the contract written on throttle.Store with a clock it moves
// itself: the burst and the refusal with its RetryAfter, the refill one
// interval at a time, exactly Limit of many concurrent Takes, Peek counting
// nothing, Refund and Reset, independent and long keys, unlimited and
// invalid rules, and done contexts. Run it under the race detector:
//
//	func TestConformance(t *testing.T) {
//		throttletest.Run(t, func(t *testing.T, now func() time.Time) throttle.Store {
//			return throttle.NewMemoryStore(throttle.MemoryConfig{Now: now})
//		})
//	}
package throttletest

import (
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
)

// Factory opens the store under test. Each call must return a fresh, empty
// store, independent of every store opened before, whose clock is now; a
// factory releases what it opened with t.Cleanup.
type Factory func(t *testing.T, now func() time.Time) throttle.Store

// Run runs the conformance suite against the stores open returns, one
// subtest per case.
func Run(t *testing.T, open Factory) {
	t.Helper()
	if open == nil {
		t.Fatal("throttletest: a Factory is required")
	}
	for _, c := range []struct {
		name string
		run  func(*testing.T, throttle.Store, *clock)
	}{
		{"BurstThenRefusal", testBurstThenRefusal},
		{"RetryAfterCountsDown", testRetryAfterCountsDown},
		{"RefillOneIntervalAtATime", testRefillOneIntervalAtATime},
		{"FullAgainAfterWindow", testFullAgainAfterWindow},
		{"RefusalsCountNothing", testRefusalsCountNothing},
		{"ConcurrentTakesExactlyLimit", testConcurrentTakesExactlyLimit},
		{"PeekCountsNothing", testPeekCountsNothing},
		{"Refund", testRefund},
		{"RefundNeverPastFull", testRefundNeverPastFull},
		{"Reset", testReset},
		{"KeysIndependent", testKeysIndependent},
		{"LongKeys", testLongKeys},
		{"Intervals", testIntervals},
		{"Unlimited", testUnlimited},
		{"InvalidRule", testInvalidRule},
		{"DoneContext", testDoneContext},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			c.run(t, open(t, clk.Now), clk)
		})
	}
}

// clock is the time the suite gives a store, moved only by the suite.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock returns a clock at a whole second, so that every instant the
// suite reaches is a whole number of microseconds, as stores count.
func newClock() *clock { return &clock{t: time.Date(2030, time.January, 1, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
