package throttle

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWaitClass: classes are ordered like the waits they hold, stay in
// range, and two waits in one class differ by less than an eighth, which
// is how precisely eviction picks the keys closest to full.
func TestWaitClass(t *testing.T) {
	waits := []int64{1, 2, 15, 16, 17, 31, 32, 33, 1000, 1 << 40, math.MaxInt64 - 1, math.MaxInt64}
	for e := range 63 {
		p := int64(1) << e
		waits = append(waits, p-1, p, p+1, p+p/8, p+p/8-1)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		waits = append(waits, rng.Int64N(math.MaxInt64)+1)
	}
	lowest := map[int]int64{}
	highest := map[int]int64{}
	for _, d := range waits {
		if d <= 0 {
			continue
		}
		c := waitClass(d)
		if c < 0 || c >= waitClasses {
			t.Fatalf("waitClass(%d) = %d, out of [0, %d)", d, c, waitClasses)
		}
		if lo, ok := lowest[c]; !ok || d < lo {
			lowest[c] = d
		}
		if hi, ok := highest[c]; !ok || d > hi {
			highest[c] = d
		}
	}
	for _, a := range waits {
		for _, b := range waits[:40] {
			if a > 0 && b > 0 && a < b && waitClass(a) > waitClass(b) {
				t.Errorf("waitClass(%d) = %d > waitClass(%d) = %d", a, waitClass(a), b, waitClass(b))
			}
		}
	}
	for c, lo := range lowest {
		if hi := highest[c]; hi != lo && hi-lo >= lo/8 {
			t.Errorf("class %d holds %d and %d, more than an eighth apart", c, lo, hi)
		}
	}
}

// TestShardTable runs random inserts, removals and removeIf sweeps on small
// tables whose keys crowd a few home slots, so that probe runs are long and
// wrap around the end, against a map: every key it holds is found with its
// TAT, no other key is, and the count agrees.
func TestShardTable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxSlots int
		homes    uint64 // distinct home slots the keys use
	}{
		{"Spread", 64, 1 << 62},
		{"Crowded", 64, 4},
		{"WrapAround", 16, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tc.maxSlots)))
			var sh memoryShard
			model := map[digest]int64{}
			newKey := func() digest {
				// Homes just below the end of the table, so runs wrap.
				return digest{rng.Uint64() | 1, uint64(tc.maxSlots) - 1 - rng.Uint64N(tc.homes)}
			}
			check := func(step int) {
				t.Helper()
				if sh.n != len(model) {
					t.Fatalf("step %d: n = %d, model holds %d", step, sh.n, len(model))
				}
				for k, tat := range model {
					i, ok := sh.find(k)
					if !ok || sh.slots[i].tat != tat {
						t.Fatalf("step %d: key %x not found with TAT %d", step, k, tat)
					}
				}
				if _, ok := sh.find(newKey()); ok && sh.slots != nil {
					t.Fatalf("step %d: a key never inserted is found", step)
				}
			}
			for step := range 20000 {
				switch op := rng.IntN(10); {
				case op < 5 && sh.n < tc.maxSlots*3/4:
					k := newKey()
					if _, ok := sh.find(k); !ok {
						tat := rng.Int64N(1000)
						sh.insert(k, tat, tc.maxSlots)
						model[k] = tat
					}
				case op < 9 && len(model) > 0:
					for k := range model {
						i, _ := sh.find(k)
						sh.remove(i)
						delete(model, k)
						break
					}
				default:
					limit := rng.Int64N(1000)
					sh.removeIf(func(e *slot) bool { return e.tat < limit })
					for k, tat := range model {
						if tat < limit {
							delete(model, k)
						}
					}
				}
				check(step)
			}
		})
	}
}
