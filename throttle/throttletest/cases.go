package throttletest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
)

// five allows 5 events a minute: one more every 12 s.
var five = throttle.Rule{Limit: 5, Window: time.Minute}

const interval = 12 * time.Second

// secretKey is a key no error text may contain.
const secretKey = "login:account:guinevere-secret@camelot.bt"

func take(t *testing.T, s throttle.Store, key string, r throttle.Rule) throttle.Decision {
	t.Helper()
	d, err := s.Take(t.Context(), key, r)
	if err != nil {
		t.Fatalf("Take(%.40q): %v", key, err)
	}
	return d
}

func peek(t *testing.T, s throttle.Store, key string, r throttle.Rule) throttle.Decision {
	t.Helper()
	d, err := s.Peek(t.Context(), key, r)
	if err != nil {
		t.Fatalf("Peek(%.40q): %v", key, err)
	}
	return d
}

func refund(t *testing.T, s throttle.Store, key string, r throttle.Rule) {
	t.Helper()
	if err := s.Refund(t.Context(), key, r); err != nil {
		t.Fatalf("Refund(%.40q): %v", key, err)
	}
}

func reset(t *testing.T, s throttle.Store, key string) {
	t.Helper()
	if err := s.Reset(t.Context(), key); err != nil {
		t.Fatalf("Reset(%.40q): %v", key, err)
	}
}

// allowed is the decision for an event allowed with remaining more to come
// and the bucket full again after resetAfter.
func allowed(remaining int, resetAfter time.Duration) throttle.Decision {
	return throttle.Decision{Allowed: true, Remaining: remaining, ResetAfter: resetAfter}
}

// refused is the decision for an event refused for retryAfter, the bucket
// full again after resetAfter.
func refused(retryAfter, resetAfter time.Duration) throttle.Decision {
	return throttle.Decision{RetryAfter: retryAfter, ResetAfter: resetAfter}
}

func want(t *testing.T, what string, got, want throttle.Decision) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// exhaust takes the whole burst of r from key.
func exhaust(t *testing.T, s throttle.Store, key string, r throttle.Rule) {
	t.Helper()
	for i := range r.Limit {
		if d := take(t, s, key, r); !d.Allowed {
			t.Fatalf("Take %d of a burst of %d refused: %+v", i+1, r.Limit, d)
		}
	}
}

// wantFresh checks that key answers as a key never seen.
func wantFresh(t *testing.T, s throttle.Store, key string, r throttle.Rule) {
	t.Helper()
	want(t, "Peek of a fresh key", peek(t, s, key, r), allowed(r.Limit-1, r.Interval()))
}

// testBurstThenRefusal: Limit events pass at once, each leaving one fewer;
// the next is refused until one interval has passed.
func testBurstThenRefusal(t *testing.T, s throttle.Store, _ *clock) {
	for i := range 5 {
		want(t, "Take", take(t, s, "k", five), allowed(4-i, time.Duration(i+1)*interval))
	}
	d := take(t, s, "k", five)
	want(t, "Take past the burst", d, refused(interval, time.Minute))
	if got := d.RetryAfterSeconds(); got != 12 {
		t.Errorf("RetryAfterSeconds = %d, want 12", got)
	}
}

// testRetryAfterCountsDown: a refusal's RetryAfter is the time left until
// the next event, to the microsecond.
func testRetryAfterCountsDown(t *testing.T, s throttle.Store, c *clock) {
	exhaust(t, s, "k", five)
	c.Advance(5 * time.Second)
	want(t, "Take 5 s later", take(t, s, "k", five), refused(7*time.Second, 55*time.Second))
	c.Advance(7*time.Second - time.Millisecond)
	want(t, "Take 1 ms early", take(t, s, "k", five), refused(time.Millisecond, 48*time.Second+time.Millisecond))
	c.Advance(time.Millisecond)
	want(t, "Take on time", take(t, s, "k", five), allowed(0, time.Minute))
}

// testRefillOneIntervalAtATime: after a burst, one event comes back per
// interval, and a fraction of an interval gives nothing.
func testRefillOneIntervalAtATime(t *testing.T, s throttle.Store, c *clock) {
	exhaust(t, s, "k", five)
	c.Advance(interval)
	want(t, "Take one interval later", take(t, s, "k", five), allowed(0, time.Minute))
	want(t, "second Take", take(t, s, "k", five), refused(interval, time.Minute))

	c.Advance(5 * interval / 2)
	want(t, "Take 2.5 intervals later", take(t, s, "k", five), allowed(1, 42*time.Second))
	want(t, "second Take", take(t, s, "k", five), allowed(0, 54*time.Second))
	want(t, "third Take", take(t, s, "k", five), refused(interval/2, 54*time.Second))
}

// testFullAgainAfterWindow: a whole Window after a burst, the key is as
// new.
func testFullAgainAfterWindow(t *testing.T, s throttle.Store, c *clock) {
	exhaust(t, s, "k", five)
	c.Advance(time.Minute)
	wantFresh(t, s, "k", five)
	exhaust(t, s, "k", five)
	want(t, "Take past the second burst", take(t, s, "k", five), refused(interval, time.Minute))
}

// testRefusalsCountNothing: refused Takes do not push the next allowed
// event back, so a client hammering a closed key waits no longer than one
// that waits.
func testRefusalsCountNothing(t *testing.T, s throttle.Store, c *clock) {
	exhaust(t, s, "k", five)
	for range 50 {
		take(t, s, "k", five)
	}
	c.Advance(interval)
	want(t, "Take one interval later", take(t, s, "k", five), allowed(0, time.Minute))
}

// testConcurrentTakesExactlyLimit: Takes racing on fresh keys are counted
// atomically: exactly Limit per key are allowed.
func testConcurrentTakesExactlyLimit(t *testing.T, s throttle.Store, _ *clock) {
	const keys, perKey = 4, 40
	rule := throttle.Rule{Limit: 10, Window: time.Hour}
	var wg sync.WaitGroup
	start := make(chan struct{})
	allowedBy := make([][]bool, keys)
	errs := make(chan error, keys*perKey)
	for k := range keys {
		allowedBy[k] = make([]bool, perKey)
		for i := range perKey {
			wg.Go(func() {
				<-start
				d, err := s.Take(t.Context(), "race:"+string(rune('a'+k)), rule)
				if err != nil {
					errs <- err
				}
				allowedBy[k][i] = d.Allowed
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Take: %v", err)
	}
	for k, results := range allowedBy {
		n := 0
		for _, ok := range results {
			if ok {
				n++
			}
		}
		if n != rule.Limit {
			t.Errorf("key %d: %d of %d concurrent Takes allowed, want %d", k, n, perKey, rule.Limit)
		}
		if d := peek(t, s, "race:"+string(rune('a'+k)), rule); d.Allowed {
			t.Errorf("key %d: Peek after the race allowed: %+v", k, d)
		}
	}
}

// testPeekCountsNothing: Peek answers what Take would, and however often
// it is called the burst stays whole.
func testPeekCountsNothing(t *testing.T, s throttle.Store, _ *clock) {
	for range 20 {
		wantFresh(t, s, "k", five)
	}
	for i := range 6 {
		p := peek(t, s, "k", five)
		want(t, "Take after Peek "+string(rune('1'+i)), take(t, s, "k", five), p)
	}
	if d := peek(t, s, "k", five); d.Allowed || d.RetryAfter != interval {
		t.Errorf("Peek of an exhausted key = %+v, want refused for %s", d, interval)
	}
	wantFresh(t, s, "other", five)
}

// testRefund: a refunded event can be taken again; refunding part of a
// burst leaves the rest counted.
func testRefund(t *testing.T, s throttle.Store, _ *clock) {
	exhaust(t, s, "k", five)
	refund(t, s, "k", five)
	want(t, "Take after a refund", take(t, s, "k", five), allowed(0, time.Minute))
	want(t, "next Take", take(t, s, "k", five), refused(interval, time.Minute))

	take(t, s, "partial", five)
	take(t, s, "partial", five)
	refund(t, s, "partial", five)
	want(t, "Peek after 2 Takes and 1 refund", peek(t, s, "partial", five), allowed(3, 2*interval))
	refund(t, s, "partial", five)
	wantFresh(t, s, "partial", five)
}

// testRefundNeverPastFull: refunds beyond what was taken, on a key that
// filled up again or was never seen, do not buy a larger burst.
func testRefundNeverPastFull(t *testing.T, s throttle.Store, c *clock) {
	for range 10 {
		refund(t, s, "never", five)
	}
	wantFresh(t, s, "never", five)
	exhaust(t, s, "never", five)
	want(t, "Take past the burst", take(t, s, "never", five), refused(interval, time.Minute))

	take(t, s, "refilled", five)
	c.Advance(interval)
	refund(t, s, "refilled", five)
	exhaust(t, s, "refilled", five)
	want(t, "Take past the burst", take(t, s, "refilled", five), refused(interval, time.Minute))
}

// testReset: a reset key is as new; other keys keep their counts.
func testReset(t *testing.T, s throttle.Store, _ *clock) {
	exhaust(t, s, "k", five)
	exhaust(t, s, "kept", five)
	reset(t, s, "k")
	wantFresh(t, s, "k", five)
	exhaust(t, s, "k", five)
	reset(t, s, "never seen")
	wantFresh(t, s, "never seen", five)
	if d := peek(t, s, "kept", five); d.Allowed {
		t.Errorf("Reset of another key freed %q: %+v", "kept", d)
	}
}

// testKeysIndependent: keys that differ in any byte count apart.
func testKeysIndependent(t *testing.T, s throttle.Store, _ *clock) {
	keys := []string{"a", "", "A", "a ", " a", "a\x00", "\x00", "b", "ä", "a\xff", "login:addr:203.0.113.7", "login:addr:203.0.113.70"}
	exhaust(t, s, keys[0], five)
	for _, k := range keys[1:] {
		wantFresh(t, s, k, five)
	}
	for _, k := range keys[1:] {
		exhaust(t, s, k, five)
	}
	reset(t, s, keys[0])
	wantFresh(t, s, keys[0], five)
}

// testLongKeys: keys of 64 KiB, a username's worst case, count like short
// ones, each on its own, whatever a store keeps of them.
func testLongKeys(t *testing.T, s throttle.Store, _ *clock) {
	long := strings.Repeat("x", 64<<10)
	keys := []string{long, long[:len(long)-1] + "y", "y" + long[1:], long[:64], long[:65], long[:200], long + "x"}
	exhaust(t, s, keys[0], five)
	want(t, "Take past the burst of a long key", take(t, s, keys[0], five), refused(interval, time.Minute))
	for _, k := range keys[1:] {
		wantFresh(t, s, k, five)
	}
	refund(t, s, keys[0], five)
	want(t, "Take after a refund", take(t, s, keys[0], five), allowed(0, time.Minute))
	reset(t, s, keys[0])
	wantFresh(t, s, keys[0], five)
}

// testIntervals: rules whose Window does not divide by Limit, whose
// interval is a millisecond, or whose Window is MaxWindow.
func testIntervals(t *testing.T, s throttle.Store, c *clock) {
	for _, tc := range []struct {
		name string
		rule throttle.Rule
	}{
		{"ThreePerTenSeconds", throttle.Rule{Limit: 3, Window: 10 * time.Second}},
		{"ThousandPerSecond", throttle.Rule{Limit: 1000, Window: time.Second}},
		{"ThreePerDay", throttle.Rule{Limit: 3, Window: 24 * time.Hour}},
		{"OnePerMaxWindow", throttle.Rule{Limit: 1, Window: throttle.MaxWindow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, iv := "interval:"+tc.name, tc.rule.Interval()
			exhaust(t, s, key, tc.rule)
			burst := iv * time.Duration(tc.rule.Limit)
			want(t, "Take past the burst", take(t, s, key, tc.rule), refused(iv, burst))
			c.Advance(iv)
			want(t, "Take one interval later", take(t, s, key, tc.rule), allowed(0, burst))
		})
	}
}

// testUnlimited: a rule without a limit allows everything, keeps nothing,
// and leaves the key's count under other rules alone.
func testUnlimited(t *testing.T, s throttle.Store, _ *clock) {
	for _, r := range []throttle.Rule{{}, {Limit: 0, Window: time.Minute}, {Limit: -1, Window: time.Minute}, {Limit: -5}} {
		for range 20 {
			want(t, "Take unlimited", take(t, s, "k", r), throttle.Decision{Allowed: true})
			want(t, "Peek unlimited", peek(t, s, "k", r), throttle.Decision{Allowed: true})
			refund(t, s, "k", r)
		}
	}
	wantFresh(t, s, "k", five)
	exhaust(t, s, "k", five)
	want(t, "Take unlimited of an exhausted key", take(t, s, "k", throttle.Rule{}), throttle.Decision{Allowed: true})
	refund(t, s, "k", throttle.Rule{})
	want(t, "Take under the limit again", take(t, s, "k", five), refused(interval, time.Minute))
}

// testInvalidRule: a rule a store cannot count is an error that changes
// nothing and does not name the key.
func testInvalidRule(t *testing.T, s throttle.Store, _ *clock) {
	for _, tc := range []struct {
		name string
		rule throttle.Rule
	}{
		{"ZeroWindow", throttle.Rule{Limit: 5}},
		{"NegativeWindow", throttle.Rule{Limit: 5, Window: -time.Second}},
		{"IntervalUnderMicrosecond", throttle.Rule{Limit: 5, Window: 4 * time.Microsecond}},
		{"OverMaxWindow", throttle.Rule{Limit: 1, Window: throttle.MaxWindow + time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errTake := s.Take(t.Context(), secretKey, tc.rule)
			_, errPeek := s.Peek(t.Context(), secretKey, tc.rule)
			errRefund := s.Refund(t.Context(), secretKey, tc.rule)
			for name, err := range map[string]error{"Take": errTake, "Peek": errPeek, "Refund": errRefund} {
				if !errors.Is(err, throttle.ErrInvalidRule) {
					t.Errorf("%s = %v, want %v", name, err, throttle.ErrInvalidRule)
				} else if strings.Contains(err.Error(), "guinevere") {
					t.Errorf("%s error %q holds the key", name, err)
				}
			}
		})
	}
	wantFresh(t, s, secretKey, five)
}

// testDoneContext: a cancelled or expired context is an error that counts
// nothing and does not name the key.
func testDoneContext(t *testing.T, s throttle.Store, _ *clock) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, stop := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer stop()
	exhaust(t, s, "exhausted", five)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"Cancelled", cancelled, context.Canceled},
		{"DeadlineExceeded", expired, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, tc.want) {
					t.Errorf("%s = %v, want %v", op, err, tc.want)
				} else if strings.Contains(err.Error(), "guinevere") {
					t.Errorf("%s error %q holds the key", op, err)
				}
			}
			for range 3 {
				_, err := s.Take(tc.ctx, secretKey, five)
				check("Take", err)
			}
			_, err := s.Peek(tc.ctx, secretKey, five)
			check("Peek", err)
			check("Refund", s.Refund(tc.ctx, "exhausted", five))
			check("Reset", s.Reset(tc.ctx, "exhausted"))
		})
	}
	wantFresh(t, s, secretKey, five)
	want(t, "Take of the exhausted key", take(t, s, "exhausted", five), refused(interval, time.Minute))
}
