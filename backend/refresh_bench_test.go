package backend_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
)

// BenchmarkRefreshExchange: one refresh (check, then rotate) on the memory
// store, the refresher's own cost without a database round trip.
func BenchmarkRefreshExchange(b *testing.B) {
	ctx := context.Background()
	r := backend.NewRefresher(backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 24 * time.Hour})
	g, err := r.Issue(ctx, uuid.New())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		rt, err := r.Check(ctx, g.Token)
		if err != nil {
			b.Fatal(err)
		}
		if g, err = r.Rotate(ctx, rt); err != nil {
			b.Fatal(err)
		}
		if n++; n%1024 == 0 {
			// Spent tokens stay for reuse detection: start a new family
			// now and then so the store does not grow with b.N.
			b.StopTimer()
			r.RevokeFamily(ctx, rt.FamilyID)
			if g, err = r.Issue(ctx, uuid.New()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}
