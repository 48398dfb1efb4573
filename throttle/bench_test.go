package throttle_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
)

// addressKey is the key of the i-th of many attacking IPv4 addresses.
func addressKey(i int) string {
	return fmt.Sprintf("login:address:%d.%d.%d.%d", 100+i>>24&63, i>>16&255, i>>8&255, i&255)
}

// BenchmarkMemoryTake is the limiter's cost per counted request: one key
// hammered (an account under attack, refused; or a generous limit,
// allowed), distinct keys that fit in the store, and distinct keys that
// keep a small store evicting.
func BenchmarkMemoryTake(b *testing.B) {
	ctx := context.Background()
	generous := throttle.Rule{Limit: 1 << 30, Window: time.Hour}
	b.Run("hot-refused", func(b *testing.B) {
		s := throttle.NewMemoryStore(throttle.MemoryConfig{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Take(ctx, "login:account:king.arthur@camelot.bt", five); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hot-allowed", func(b *testing.B) {
		s := throttle.NewMemoryStore(throttle.MemoryConfig{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Take(ctx, "login:account:king.arthur@camelot.bt", generous); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hot-parallel", func(b *testing.B) {
		s := throttle.NewMemoryStore(throttle.MemoryConfig{})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Take(ctx, "login:account:king.arthur@camelot.bt", generous); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = addressKey(i)
	}
	b.Run("distinct", func(b *testing.B) {
		s := throttle.NewMemoryStore(throttle.MemoryConfig{})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Take(ctx, keys[i&(len(keys)-1)], generous); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("distinct-parallel", func(b *testing.B) {
		s := throttle.NewMemoryStore(throttle.MemoryConfig{})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Take(ctx, keys[i&(len(keys)-1)], generous); err != nil {
					b.Error(err)
					return
				}
				i += 7
			}
		})
	})
	b.Run("distinct-evicting", func(b *testing.B) {
		s := throttle.NewMemoryStore(throttle.MemoryConfig{MaxKeys: 4096})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Take(ctx, keys[i&(len(keys)-1)], five); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// footprint fills a fresh store with n distinct attacking addresses and
// returns the heap it holds in bytes, after a collection, and how many keys
// it holds.
func footprint(tb testing.TB, cfg throttle.MemoryConfig, n int) (heap uint64, held int) {
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := throttle.NewMemoryStore(cfg)
	for i := range n {
		if _, err := s.Take(ctx, addressKey(i), five); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held = s.Len()
	runtime.KeepAlive(s)
	return after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc), held
}

// BenchmarkMemoryFootprint reports the memory of a MemoryStore holding
// 100,000 distinct addresses, and of the default store flooded with a
// million, which its cap bounds.
func BenchmarkMemoryFootprint(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  throttle.MemoryConfig
		n    int
	}{
		{"100k-addresses", throttle.MemoryConfig{}, 100_000},
		{"default-cap-1M-addresses", throttle.MemoryConfig{}, 1_000_000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var heap uint64
			var held int
			for b.Loop() {
				heap, held = footprint(b, tc.cfg, tc.n)
			}
			b.ReportMetric(float64(heap)/float64(held), "B/key")
			b.ReportMetric(float64(held), "keys")
			b.ReportMetric(float64(heap)/(1<<20), "MiB")
		})
	}
}

// TestMemoryStoreFootprint holds the store to its documented memory: at
// most 64 bytes a key it holds, and for the default cap 6 MiB however many
// keys come.
func TestMemoryStoreFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("fills stores with 400,000 keys")
	}
	heap, held := footprint(t, throttle.MemoryConfig{}, 100_000)
	if perKey := float64(heap) / float64(held); held != 100_000 || perKey > 64 {
		t.Errorf("100,000 addresses: %d keys held in %d bytes (%.1f a key), want all in at most 64 a key", held, heap, perKey)
	}
	heap, held = footprint(t, throttle.MemoryConfig{}, 300_000)
	if held > throttle.DefaultMaxKeys || heap > 6<<20+256<<10 {
		t.Errorf("300,000 addresses: %d keys held in %d bytes, want at most %d keys in 6 MiB", held, heap, throttle.DefaultMaxKeys)
	}
}
