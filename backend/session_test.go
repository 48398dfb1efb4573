package backend

import (
	"testing"
	"time"
)

func TestTouchDue(t *testing.T) {
	created := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		lastUsed, now time.Time
		want          bool
	}{
		{"never used, fresh", time.Time{}, created.Add(TouchInterval - time.Nanosecond), false},
		{"never used, an interval old", time.Time{}, created.Add(TouchInterval), true},
		{"used before its creation counts as never", created.Add(-time.Hour), created.Add(time.Second), false},
		{"used recently", created.Add(5 * TouchInterval), created.Add(6*TouchInterval - time.Nanosecond), false},
		{"used an interval ago", created.Add(5 * TouchInterval), created.Add(6 * TouchInterval), true},
		{"clock went back", created.Add(5 * TouchInterval), created.Add(4 * TouchInterval), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TouchDue(created, tc.lastUsed, tc.now); got != tc.want {
				t.Fatalf("TouchDue = %v, want %v", got, tc.want)
			}
		})
	}
}
