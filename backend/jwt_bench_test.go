package backend

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/usersauth/usersauth/user"
)

// benchStrategies returns one strategy per algorithm, keys from the
// fixtures (EdDSA: generated), with or without cache.
func benchStrategies(b *testing.B, cacheSize int) []struct {
	name string
	s    *JWTStrategy
} {
	f := loadAccess(b)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	mk := func(cfg JWTConfig) *JWTStrategy {
		cfg.Lifetime, cfg.CacheSize = time.Hour, cacheSize
		s := NewJWT(cfg)
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
		return s
	}
	return []struct {
		name string
		s    *JWTStrategy
	}{
		{"HS256", mk(JWTConfig{Secret: []byte(f.Secret)})},
		{"RS256", mk(JWTConfig{Algorithm: "RS256", PrivateKey: f.privateKey(b, "rsa_2048")})},
		{"ES256", mk(JWTConfig{Algorithm: "ES256", PrivateKey: f.privateKey(b, "ec_p256")})},
		{"EdDSA", mk(JWTConfig{Algorithm: "EdDSA", PrivateKey: edKey})},
	}
}

func benchToken(b *testing.B, s *JWTStrategy) string {
	tok, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser})
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// BenchmarkReadTokenCold is a full verification on every call (cache
// disabled): what a token costs the first time it is seen.
func BenchmarkReadTokenCold(b *testing.B) {
	ctx := context.Background()
	for _, tc := range benchStrategies(b, -1) {
		b.Run(tc.name, func(b *testing.B) {
			tok := benchToken(b, tc.s)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.s.ReadToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadTokenCached is the steady state of an authenticated request:
// a cache hit. It must report 0 allocs/op.
func BenchmarkReadTokenCached(b *testing.B) {
	s := NewJWT(JWTConfig{Secret: []byte(loadAccess(b).Secret), Lifetime: time.Hour})
	tok := benchToken(b, s)
	ctx := context.Background()
	if _, err := s.ReadToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ReadToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadTokenCachedParallel reads cached tokens from every core:
// one shared token (worst case for lock contention) and many tokens.
func BenchmarkReadTokenCachedParallel(b *testing.B) {
	s := NewJWT(JWTConfig{Secret: []byte(loadAccess(b).Secret), Lifetime: time.Hour})
	ctx := context.Background()
	tokens := make([]string, 1024)
	for i := range tokens {
		u := &user.Base{}
		u.ID[0], u.ID[1] = byte(i), byte(i>>8)
		tok, err := s.WriteToken(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ReadToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
		tokens[i] = tok
	}
	b.Run("one-token", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.ReadToken(ctx, tokens[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("1024-tokens", func(b *testing.B) {
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
}

func BenchmarkWriteToken(b *testing.B) {
	ctx := context.Background()
	u := &user.Base{ID: fixtureUser}
	for _, tc := range benchStrategies(b, 0) {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.s.WriteToken(ctx, u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
