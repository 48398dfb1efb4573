package backend_test

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// fixedRand gives the bytes of token, so that WriteToken issues it.
func fixedRand(token string) io.Reader {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		panic(err)
	}
	return strings.NewReader(string(b))
}

// BenchmarkDatabaseReadToken is an authenticated request's token check over
// the memory store holding many sessions: format check, digest, lookup.
func BenchmarkDatabaseReadToken(b *testing.B) {
	s := backend.Database(memory.NewTokenStore(), time.Hour)
	ctx := context.Background()
	tokens := make([]string, 1024)
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
			if _, err := s.ReadToken(ctx, tokens[i&1023]); err != nil {
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
				if _, err := s.ReadToken(ctx, tokens[i&1023]); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		})
	})
	b.Run("garbage", func(b *testing.B) {
		garbage := strings.Repeat("A", backend.MaxTokenLength)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ReadToken(ctx, garbage); err == nil {
				b.Fatal("garbage accepted")
			}
		}
	})
}

func BenchmarkDatabaseWriteToken(b *testing.B) {
	s := backend.Database(memory.NewTokenStore(), time.Hour)
	ctx := context.Background()
	u := &user.Base{ID: uuid.New()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.WriteToken(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
}
