package user_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// BenchmarkAuthenticateRefused: a login the saturated hashing pool refuses
// (slot held, queue full), with the slot taken first and, for comparison,
// through a hasher without slots, which reads the user first. The store
// is in memory: with SQL the difference is a query.
func BenchmarkAuthenticateRefused(b *testing.B) {
	for _, bb := range []struct {
		name  string
		slots bool
	}{{"slot first", true}, {"read first", false}} {
		b.Run(bb.name, func(b *testing.B) {
			f := newLoginFixture(b, auth.HasherOptions{Concurrency: 1, MaxQueue: 1, MaxWait: time.Hour})
			var h user.PasswordHasher = f.hasher
			if !bb.slots {
				h = plainHasher{f.hasher}
			}
			m := f.manager(b, h, false)
			ctx := context.Background()
			held, err := f.hasher.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			waiter, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				if s, err := f.hasher.Acquire(waiter); err == nil {
					s.Release()
				}
			}()
			for f.hasher.Stats().Waiting != 1 {
				time.Sleep(100 * time.Microsecond)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere"); !errors.Is(err, auth.ErrBusy) {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
			<-done
			held.Release()
			b.ReportMetric(float64(f.store.reads.Load())/float64(b.N), "reads/op")
		})
	}
}
