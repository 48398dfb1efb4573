package backend_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
)

var conformanceSecret = []byte("conformance-suite-secret-of-32-bytes!")

// conformanceStart has a fraction of a second, so that a strategy counting
// in whole seconds (JWT) is tested on its rounding.
var conformanceStart = time.Date(2026, 11, 28, 14, 45, 51, 600_000_000, time.UTC)

// TestJWTConformance runs the stateless cases against the JWT strategy,
// with and without its verified-token cache, revocable (the default) and
// not.
func TestJWTConformance(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cacheSize   int
		irrevocable bool
	}{{"cached", 0, false}, {"uncached", -1, false}, {"irrevocable", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			strategytest.Run(t, func(t *testing.T) strategytest.Subject {
				clock := strategytest.NewClock(conformanceStart)
				s := backend.NewJWT(backend.JWTConfig{Secret: conformanceSecret, Lifetime: time.Hour, Now: clock.Now, CacheSize: tc.cacheSize, Irrevocable: tc.irrevocable})
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				return strategytest.Subject{Strategy: s, Clock: clock, Lifetime: time.Hour}
			})
		})
	}
}

// TestDatabaseConformance runs every case against the database strategy over
// the memory token store, watched by a spy that records what is written.
func TestDatabaseConformance(t *testing.T) {
	strategytest.Run(t, func(t *testing.T) strategytest.Subject {
		clock := strategytest.NewClock(conformanceStart)
		spy := &recordingStore{TokenStore: memory.NewTokenStore()}
		s := backend.NewDatabase(backend.DatabaseConfig{Store: spy, Lifetime: time.Hour, Now: clock.Now})
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return strategytest.Subject{Strategy: s, Clock: clock, Lifetime: time.Hour, ServerSide: true, Stored: spy.stored}
	})
}

// recordingStore remembers every row written through it.
type recordingStore struct {
	backend.TokenStore
	mu      sync.Mutex
	created []auth.AccessToken
}

func (r *recordingStore) CreateToken(ctx context.Context, at auth.AccessToken) error {
	r.mu.Lock()
	r.created = append(r.created, at)
	r.mu.Unlock()
	return r.TokenStore.CreateToken(ctx, at)
}

func (r *recordingStore) stored(*testing.T) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.created))
	for i, at := range r.created {
		out[i] = fmt.Sprintf("%+v", at)
	}
	return out
}
