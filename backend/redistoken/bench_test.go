package redistoken_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/user"
)

// BenchmarkReadToken is an authenticated request's token check against a
// real Redis on the loopback: one GET per read.
func BenchmarkReadToken(b *testing.B) {
	c := newClient(b)
	s := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour, KeyPrefix: newPrefix(b, c)})
	ctx := context.Background()
	tokens := make([]string, 256)
	for i := range tokens {
		tok, err := s.WriteToken(ctx, &user.Base{ID: uuid.New()})
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = tok
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.ReadToken(ctx, tokens[i&255]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.ReadToken(ctx, tokens[i&255]); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		})
	})
}

// BenchmarkWriteToken is a login's token: one script run.
func BenchmarkWriteToken(b *testing.B) {
	c := newClient(b)
	s := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour, KeyPrefix: newPrefix(b, c)})
	ctx := context.Background()
	u := &user.Base{ID: uuid.New()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.WriteToken(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
}
