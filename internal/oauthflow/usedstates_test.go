package oauthflow

import (
	"context"
	"fmt"
	"testing"
	"time"
)

type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time          { return c.t }
func (c *testClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// TestMemoryStates: the default record of used states answers once per
// key, forgets what expired, and stays within its bound.
func TestMemoryStates(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)}
	m := NewMemoryStates(clock.Now, 3)
	use := func(key string, ttl time.Duration) bool {
		t.Helper()
		first, err := m.Use(ctx, key, clock.Now().Add(ttl))
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	for _, c := range []struct {
		name string
		key  string
		ttl  time.Duration
		want bool
	}{
		{"First", "a", time.Hour, true},
		{"Replay", "a", time.Hour, false},
		{"Other", "b", 2 * time.Hour, true},
		{"ReplayOther", "b", time.Hour, false},
	} {
		if got := use(c.key, c.ttl); got != c.want {
			t.Fatalf("%s: Use(%s) = %v, want %v", c.name, c.key, got, c.want)
		}
	}
	clock.Advance(time.Hour)
	if m.Len() != 2 {
		t.Fatalf("%d recorded before a call sweeps, want 2", m.Len())
	}
	use("c", 30*time.Minute) // sweeps "a", expired at this very second
	if m.Len() != 2 {
		t.Fatalf("%d recorded after the sweep, want 2 (b, c)", m.Len())
	}
	// Full: the entry closest to expiry ("c") makes room.
	use("d", 3*time.Hour)
	use("e", 3*time.Hour)
	if m.Len() != 3 {
		t.Fatalf("%d recorded, want the bound, 3", m.Len())
	}
	if !use("c", time.Hour) {
		t.Error("the entry evicted to make room is still recorded")
	}
	if use("e", time.Hour) {
		t.Error("a live entry was evicted before one closer to expiry")
	}
}

// TestMemoryStatesBounded: a flood of states never grows the record past
// its bound.
func TestMemoryStatesBounded(t *testing.T) {
	m := NewMemoryStates(time.Now, 100)
	for i := range 1000 {
		if first, _ := m.Use(context.Background(), fmt.Sprint(i), time.Now().Add(time.Hour)); !first {
			t.Fatalf("key %d refused", i)
		}
	}
	if m.Len() != 100 || len(m.order) != 100 {
		t.Fatalf("%d recorded (%d in the heap), want 100", m.Len(), len(m.order))
	}
}
