package throttle_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/throttle/throttletest"
)

func TestMemoryStoreConformance(t *testing.T) {
	throttletest.Run(t, func(t *testing.T, now func() time.Time) throttle.Store {
		return throttle.NewMemoryStore(throttle.MemoryConfig{Now: now})
	})
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, time.January, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var five = throttle.Rule{Limit: 5, Window: time.Minute}

func mustTake(t testing.TB, s throttle.Store, key string, r throttle.Rule) throttle.Decision {
	t.Helper()
	d, err := s.Take(t.Context(), key, r)
	if err != nil {
		t.Fatalf("Take(%q): %v", key, err)
	}
	return d
}

func mustPeek(t testing.TB, s throttle.Store, key string, r throttle.Rule) throttle.Decision {
	t.Helper()
	d, err := s.Peek(t.Context(), key, r)
	if err != nil {
		t.Fatalf("Peek(%q): %v", key, err)
	}
	return d
}

// taken returns how many events of five key has counted, as Peek sees it.
func taken(t testing.TB, s throttle.Store, key string) int {
	t.Helper()
	d := mustPeek(t, s, key, five)
	if !d.Allowed {
		return five.Limit
	}
	return five.Limit - 1 - d.Remaining
}

func TestMemoryStoreMaxKeys(t *testing.T) {
	for _, tc := range []struct {
		name          string
		maxKeys, want int
	}{
		{"Zero", 0, throttle.DefaultMaxKeys},
		{"Negative", -5, throttle.DefaultMaxKeys},
		{"One", 1, 1},
		{"UnderOneShard", 63, 63},
		{"OneShard", 100, 100},
		{"EightShards", 1000, 1000},
		{"RoundedDown", 1001, 1000},
		{"AllShards", 1 << 20, 1 << 20},
		{"AllShardsRoundedDown", 1<<20 + 63, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := throttle.NewMemoryStore(throttle.MemoryConfig{MaxKeys: tc.maxKeys})
			if got := s.MaxKeys(); got != tc.want {
				t.Errorf("MaxKeys() = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMemoryStoreStaysBounded floods a small store with distinct keys, as
// an attacker with many addresses does, while time passes: it never holds
// more than MaxKeys.
func TestMemoryStoreStaysBounded(t *testing.T) {
	for _, maxKeys := range []int{1, 64, 1000, 5000} {
		t.Run(fmt.Sprint(maxKeys), func(t *testing.T) {
			clk := newFakeClock()
			s := throttle.NewMemoryStore(throttle.MemoryConfig{MaxKeys: maxKeys, Now: clk.Now})
			for i := range 20000 {
				if d := mustTake(t, s, fmt.Sprintf("flood:%d", i), five); !d.Allowed {
					t.Fatalf("Take of fresh key %d refused: %+v", i, d)
				}
				if i%100 == 0 {
					clk.Advance(time.Second)
					if n := s.Len(); n > s.MaxKeys() {
						t.Fatalf("after %d keys the store holds %d, over its %d", i+1, n, s.MaxKeys())
					}
				}
			}
			if n := s.Len(); n > s.MaxKeys() || n == 0 {
				t.Errorf("the store holds %d keys, want 1 to %d", n, s.MaxKeys())
			}
		})
	}
}

// TestMemoryStoreEvictsLeastRestricted: a full store makes room by evicting
// the keys closest to full, and a key kept empty by an attack outlives any
// flood of keys with fewer events counted.
func TestMemoryStoreEvictsLeastRestricted(t *testing.T) {
	clk := newFakeClock()
	s := throttle.NewMemoryStore(throttle.MemoryConfig{MaxKeys: 64, Now: clk.Now})
	if s.MaxKeys() != 64 {
		t.Fatalf("MaxKeys() = %d, want one shard of 64", s.MaxKeys())
	}
	// Key i has i%5+1 events counted: 13 keys have one, 51 have more.
	for i := range 64 {
		for range i%5 + 1 {
			mustTake(t, s, fmt.Sprint("k", i), five)
		}
	}
	mustTake(t, s, "new", five) // the 65th key: an eighth of the store goes
	if n := s.Len(); n != 57 {
		t.Errorf("after making room the store holds %d keys, want 57", n)
	}
	evicted := 0
	for i := range 64 {
		got := taken(t, s, fmt.Sprint("k", i))
		switch {
		case got == 0 && i%5 == 0:
			evicted++
		case got != i%5+1:
			t.Errorf("key %d with %d events counted now has %d", i, i%5+1, got)
		}
	}
	if evicted != 8 {
		t.Errorf("%d keys with one event evicted, want 8", evicted)
	}

	// An account under attack, then a flood of addresses with one failure
	// each: the flood evicts only itself.
	for range 5 {
		mustTake(t, s, "victim", five)
	}
	for i := range 20000 {
		mustTake(t, s, fmt.Sprint("flood:", i), five)
	}
	if d := mustPeek(t, s, "victim", five); d.Allowed || d.RetryAfter != 12*time.Second {
		t.Errorf("the victim after the flood: %+v, want refused for 12s", d)
	}
	for i := range 64 {
		if want := i%5 + 1; want > 1 {
			if got := taken(t, s, fmt.Sprint("k", i)); got != want {
				t.Errorf("key %d with %d events counted has %d after the flood", i, want, got)
			}
		}
	}
}

// TestMemoryStoreDropsFullBucketsFirst: keys whose bucket is full again go
// before any key with something counted.
func TestMemoryStoreDropsFullBucketsFirst(t *testing.T) {
	clk := newFakeClock()
	s := throttle.NewMemoryStore(throttle.MemoryConfig{MaxKeys: 64, Now: clk.Now})
	for i := range 32 {
		mustTake(t, s, fmt.Sprint("old", i), five) // full again 12 s later
	}
	clk.Advance(6 * time.Second)
	for i := range 32 {
		mustTake(t, s, fmt.Sprint("recent", i), five) // 1 event, 6 s newer
	}
	clk.Advance(6 * time.Second)
	if n := s.Len(); n != 64 {
		t.Fatalf("the store holds %d keys, want 64", n)
	}
	mustTake(t, s, "new", five)
	if n := s.Len(); n != 33 {
		t.Errorf("after making room the store holds %d keys, want the 32 recent and the new one", n)
	}
	for i := range 32 {
		if got := taken(t, s, fmt.Sprint("recent", i)); got != 1 {
			t.Errorf("recent key %d has %d events counted, want 1", i, got)
		}
	}
}

// TestMemoryStoreClockBeforeCreation: an injected clock may start before
// the store was made or step back; keys stay consistent.
func TestMemoryStoreClockBeforeCreation(t *testing.T) {
	clk := newFakeClock()
	s := throttle.NewMemoryStore(throttle.MemoryConfig{Now: clk.Now})
	clk.Advance(-time.Hour)
	if d := mustPeek(t, s, "k", five); !d.Allowed || d.Remaining != 4 {
		t.Errorf("Peek of a fresh key before the store's creation = %+v, want allowed with 4 remaining", d)
	}
	for range 5 {
		mustTake(t, s, "k", five)
	}
	clk.Advance(-time.Minute)
	if d := mustTake(t, s, "k", five); d.Allowed || d.RetryAfter != time.Minute+12*time.Second {
		t.Errorf("Take after the clock stepped back = %+v, want refused for 1m12s", d)
	}
}

// TestMemoryStoreConcurrentFlood races a flood of distinct keys, which
// keeps the store evicting, against Takes of one key under attack: the
// store stays bounded and the attacked key is counted exactly.
func TestMemoryStoreConcurrentFlood(t *testing.T) {
	s := throttle.NewMemoryStore(throttle.MemoryConfig{MaxKeys: 256})
	rule := throttle.Rule{Limit: 50, Window: time.Hour}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				if _, err := s.Take(t.Context(), fmt.Sprintf("flood:%d:%d", g, i), five); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for range 40 {
				d, err := s.Take(t.Context(), "victim", rule)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != rule.Limit {
		t.Errorf("%d Takes of the attacked key allowed, want %d", allowed, rule.Limit)
	}
	if n := s.Len(); n > s.MaxKeys() {
		t.Errorf("the store holds %d keys, over its %d", n, s.MaxKeys())
	}
}
