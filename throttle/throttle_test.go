package throttle_test

import (
	"errors"
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
)

func TestRule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      throttle.Rule
		unlimited bool
		interval  time.Duration
		valid     bool
	}{
		{"Zero", throttle.Rule{}, true, 0, true},
		{"NoLimitWithWindow", throttle.Rule{Window: time.Minute}, true, 0, true},
		{"NegativeLimit", throttle.Rule{Limit: -3, Window: time.Minute}, true, 0, true},
		{"FivePerMinute", throttle.Rule{Limit: 5, Window: time.Minute}, false, 12 * time.Second, true},
		{"TruncatedToMicroseconds", throttle.Rule{Limit: 3, Window: 10 * time.Second}, false, 3333333 * time.Microsecond, true},
		{"OneMicrosecond", throttle.Rule{Limit: 1000, Window: time.Millisecond}, false, time.Microsecond, true},
		{"UnderOneMicrosecond", throttle.Rule{Limit: 1001, Window: time.Millisecond}, false, 0, false},
		{"MaxWindow", throttle.Rule{Limit: 1, Window: throttle.MaxWindow}, false, throttle.MaxWindow, true},
		{"OverMaxWindow", throttle.Rule{Limit: 1, Window: throttle.MaxWindow + 1}, false, throttle.MaxWindow, false},
		{"ZeroWindow", throttle.Rule{Limit: 5}, false, 0, false},
		{"NegativeWindow", throttle.Rule{Limit: 5, Window: -time.Minute}, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rule.Unlimited(); got != tc.unlimited {
				t.Errorf("Unlimited() = %v, want %v", got, tc.unlimited)
			}
			if got := tc.rule.Interval(); got != tc.interval {
				t.Errorf("Interval() = %s, want %s", got, tc.interval)
			}
			err := tc.rule.Validate()
			switch {
			case tc.valid && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case !tc.valid && !errors.Is(err, throttle.ErrInvalidRule):
				t.Errorf("Validate() = %v, want %v", err, throttle.ErrInvalidRule)
			}
		})
	}
}

func TestDecisionRetryAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    throttle.Decision
		want int64
	}{
		{"Allowed", throttle.Decision{Allowed: true, Remaining: 3}, 0},
		{"UnderASecond", throttle.Decision{RetryAfter: time.Millisecond}, 1},
		{"ZeroRefusal", throttle.Decision{}, 1},
		{"WholeSecond", throttle.Decision{RetryAfter: 12 * time.Second}, 12},
		{"JustOver", throttle.Decision{RetryAfter: 12*time.Second + time.Nanosecond}, 13},
		{"JustUnder", throttle.Decision{RetryAfter: 12*time.Second - time.Nanosecond}, 12},
		{"Hours", throttle.Decision{RetryAfter: 8 * time.Hour}, 8 * 3600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.RetryAfterSeconds(); got != tc.want {
				t.Errorf("RetryAfterSeconds() = %d, want %d", got, tc.want)
			}
		})
	}
}
