package backend_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
)

// refreshSpy wraps a memory refresh store, counting and failing calls.
type refreshSpy struct {
	backend.RefreshStore
	gets, familyDeletes atomic.Int64
	fail                atomic.Bool
	failFamily          atomic.Bool
	invalid             error // returned by Validate
}

func (s *refreshSpy) Validate() error { return s.invalid }

func (s *refreshSpy) CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error {
	if s.fail.Load() {
		return errStoreDown
	}
	return s.RefreshStore.CreateRefreshToken(ctx, t)
}

func (s *refreshSpy) GetRefreshToken(ctx context.Context, digest string) (auth.RefreshToken, error) {
	s.gets.Add(1)
	if s.fail.Load() {
		return auth.RefreshToken{}, errStoreDown
	}
	return s.RefreshStore.GetRefreshToken(ctx, digest)
}

func (s *refreshSpy) RotateRefreshToken(ctx context.Context, digest string, next auth.RefreshToken) error {
	if s.fail.Load() {
		return errStoreDown
	}
	return s.RefreshStore.RotateRefreshToken(ctx, digest, next)
}

func (s *refreshSpy) DeleteRefreshFamily(ctx context.Context, id uuid.UUID) (int, error) {
	s.familyDeletes.Add(1)
	if s.fail.Load() || s.failFamily.Load() {
		return 0, errStoreDown
	}
	return s.RefreshStore.DeleteRefreshFamily(ctx, id)
}

type refreshFixture struct {
	r     *backend.Refresher
	store *refreshSpy
	clock *strategytest.Clock
	user  uuid.UUID
}

const (
	idle     = 14 * 24 * time.Hour
	absolute = 30 * 24 * time.Hour
)

func newRefreshFixture(t *testing.T) refreshFixture {
	t.Helper()
	f := refreshFixture{store: &refreshSpy{RefreshStore: memory.NewRefreshStore()}, clock: strategytest.NewClock(conformanceStart), user: uuid.New()}
	f.r = backend.NewRefresher(backend.RefreshConfig{Store: f.store, Lifetime: idle, MaxLifetime: absolute, Path: "/auth/jwt/refresh", Now: f.clock.Now})
	if err := f.r.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f refreshFixture) issue(t *testing.T) backend.RefreshGrant {
	t.Helper()
	g, err := f.r.Issue(context.Background(), f.user)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// exchange checks and rotates token, as the refresh route does.
func (f refreshFixture) exchange(token string) (backend.RefreshGrant, error) {
	ctx := context.Background()
	rt, err := f.r.Check(ctx, token)
	if err != nil {
		return backend.RefreshGrant{}, err
	}
	return f.r.Rotate(ctx, rt)
}

func (f refreshFixture) mustExchange(t *testing.T, token string) backend.RefreshGrant {
	t.Helper()
	g, err := f.exchange(token)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return g
}

func mustRefuseRefresh(t *testing.T, f refreshFixture, token, what string) error {
	t.Helper()
	_, err := f.exchange(token)
	if !errors.Is(err, backend.ErrInvalidRefreshToken) {
		t.Fatalf("exchange(%s) = %v, want ErrInvalidRefreshToken", what, err)
	}
	return err
}

func TestRefresherValidate(t *testing.T) {
	st := memory.NewRefreshStore()
	tests := []struct {
		name    string
		cfg     backend.RefreshConfig
		wantErr string
	}{
		{"valid", backend.RefreshConfig{Store: st, Lifetime: time.Hour, MaxLifetime: time.Hour}, ""},
		{"valid with a path", backend.RefreshConfig{Store: st, Lifetime: time.Hour, MaxLifetime: time.Hour, Path: "/api/auth/refresh"}, ""},
		{"no store", backend.RefreshConfig{Lifetime: time.Hour, MaxLifetime: time.Hour}, "RefreshStore"},
		{"no lifetime", backend.RefreshConfig{Store: st, MaxLifetime: time.Hour}, "Lifetime"},
		{"negative lifetime", backend.RefreshConfig{Store: st, Lifetime: -time.Hour, MaxLifetime: time.Hour}, "Lifetime"},
		{"no max lifetime", backend.RefreshConfig{Store: st, Lifetime: time.Hour}, "MaxLifetime"},
		{"relative path", backend.RefreshConfig{Store: st, Lifetime: time.Hour, MaxLifetime: time.Hour, Path: "auth/refresh"}, "Path"},
		{"path with a semicolon", backend.RefreshConfig{Store: st, Lifetime: time.Hour, MaxLifetime: time.Hour, Path: "/a;b"}, "Path"},
		{"path with a control character", backend.RefreshConfig{Store: st, Lifetime: time.Hour, MaxLifetime: time.Hour, Path: "/a\nb"}, "Path"},
		{"invalid store", backend.RefreshConfig{Store: &refreshSpy{RefreshStore: st, invalid: errors.New("store says no")}, Lifetime: time.Hour, MaxLifetime: time.Hour}, "store says no"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := backend.NewRefresher(tt.cfg)
			err := r.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error about %q", err, tt.wantErr)
			}
			if _, e := r.Issue(ctx, uuid.New()); e != err {
				t.Errorf("Issue = %v", e)
			}
			if _, e := r.Check(ctx, strings.Repeat("A", 43)); e != err {
				t.Errorf("Check = %v", e)
			}
			if _, e := r.Rotate(ctx, auth.RefreshToken{}); e != err {
				t.Errorf("Rotate = %v", e)
			}
			if _, e := r.Revoke(ctx, strings.Repeat("A", 43), uuid.New()); e != err {
				t.Errorf("Revoke = %v", e)
			}
			if e := r.RevokeUser(ctx, uuid.New()); e != err {
				t.Errorf("RevokeUser = %v", e)
			}
			if _, e := r.Purge(ctx); e != err {
				t.Errorf("Purge = %v", e)
			}
		})
	}
}

func TestRefreshIssue(t *testing.T) {
	f := newRefreshFixture(t)
	g := f.issue(t)
	if !auth.IsRandomToken(g.Token) {
		t.Fatal("a refresh token is not 43 characters of unpadded base64url")
	}
	if g.Path != "/auth/jwt/refresh" || !g.ExpiresAt.Equal(conformanceStart.Add(idle)) || g.MaxAge != idle {
		t.Fatalf("grant = {path %q, expires %v, max age %v}", g.Path, g.ExpiresAt, g.MaxAge)
	}
	rt, err := f.store.GetRefreshToken(context.Background(), auth.TokenDigest(g.Token))
	if err != nil {
		t.Fatal(err)
	}
	if rt.UserID != f.user || rt.Used || !rt.CreatedAt.Equal(conformanceStart) || !rt.FamilyCreatedAt.Equal(conformanceStart) {
		t.Fatalf("stored %+v", rt)
	}
	if other := f.issue(t); other.Token == g.Token {
		t.Fatal("two logins got one refresh token")
	}
}

// TestRefreshRotation: each exchange gives a new token in the same family,
// and the one exchanged is spent.
func TestRefreshRotation(t *testing.T) {
	f := newRefreshFixture(t)
	g0 := f.issue(t)
	f.clock.Advance(time.Hour)
	g1 := f.mustExchange(t, g0.Token)
	if g1.Token == g0.Token || !auth.IsRandomToken(g1.Token) {
		t.Fatal("rotation did not issue a new token")
	}
	r0, _ := f.store.GetRefreshToken(context.Background(), auth.TokenDigest(g0.Token))
	r1, _ := f.store.GetRefreshToken(context.Background(), auth.TokenDigest(g1.Token))
	if !r0.Used || r1.Used || r1.FamilyID != r0.FamilyID || r1.UserID != f.user || !r1.FamilyCreatedAt.Equal(r0.FamilyCreatedAt) {
		t.Fatalf("after rotation: old %+v, new %+v", r0, r1)
	}
	f.clock.Advance(time.Hour)
	f.mustExchange(t, g1.Token)
}

// TestRefreshReuseRevokesFamily: a spent token presented again revokes the
// whole family, the newest token included, and nothing else.
func TestRefreshReuseRevokesFamily(t *testing.T) {
	f := newRefreshFixture(t)
	stolen := f.issue(t)
	other := f.issue(t) // another device of the same user
	g1 := f.mustExchange(t, stolen.Token)
	g2 := f.mustExchange(t, g1.Token)

	err := mustRefuseRefresh(t, f, stolen.Token, "a reused token")
	var reuse *backend.RefreshReuseError
	if !errors.As(err, &reuse) || reuse.UserID != f.user || !errors.Is(err, auth.ErrRefreshTokenReused) {
		t.Fatalf("reuse error = %#v", err)
	}
	mustRefuseRefresh(t, f, g2.Token, "the newest token of a revoked family")
	mustRefuseRefresh(t, f, g1.Token, "a middle token of a revoked family")
	f.mustExchange(t, other.Token)
}

func TestRefreshLifetimes(t *testing.T) {
	tests := []struct {
		name string
		// run issues and exchanges with the fixture's clock, and returns the
		// token that must be refused as expired.
		run func(t *testing.T, f refreshFixture) string
	}{
		{"idle: not exchanged for the whole lifetime", func(t *testing.T, f refreshFixture) string {
			g := f.issue(t)
			f.clock.Advance(idle)
			return g.Token
		}},
		{"idle: a second before is fine", func(t *testing.T, f refreshFixture) string {
			g := f.issue(t)
			f.clock.Advance(idle - time.Second)
			g = f.mustExchange(t, g.Token)
			f.clock.Advance(idle)
			return g.Token
		}},
		{"absolute: however often it is refreshed", func(t *testing.T, f refreshFixture) string {
			g := f.issue(t)
			for elapsed := time.Duration(0); elapsed+24*time.Hour < absolute; elapsed += 24 * time.Hour {
				f.clock.Advance(24 * time.Hour)
				g = f.mustExchange(t, g.Token)
			}
			if g.ExpiresAt.After(conformanceStart.Add(absolute)) {
				t.Fatalf("a token outlives its family: expires %v", g.ExpiresAt)
			}
			f.clock.Advance(24 * time.Hour)
			return g.Token
		}},
		{"a used token past its lifetime is expired, not reused", func(t *testing.T, f refreshFixture) string {
			g := f.issue(t)
			f.clock.Advance(time.Minute)
			next := f.mustExchange(t, g.Token)
			f.clock.Advance(idle - time.Minute)
			f.mustExchange(t, next.Token) // next has a minute left; g has none
			return g.Token
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRefreshFixture(t)
			token := tt.run(t, f)
			err := mustRefuseRefresh(t, f, token, "an expired token")
			if !errors.Is(err, auth.ErrTokenExpired) {
				t.Fatalf("error = %v, want one wrapping auth.ErrTokenExpired", err)
			}
			var reuse *backend.RefreshReuseError
			if errors.As(err, &reuse) {
				t.Fatal("an expired token counted as reuse")
			}
		})
	}
}

// TestRefreshShortenedLifetime: lifetimes configured lower than at issue
// apply to tokens issued before.
func TestRefreshShortenedLifetime(t *testing.T) {
	f := newRefreshFixture(t)
	g := f.issue(t)
	f.clock.Advance(2 * time.Hour)
	shorter := backend.NewRefresher(backend.RefreshConfig{Store: f.store, Lifetime: time.Hour, MaxLifetime: absolute, Now: f.clock.Now})
	if _, err := shorter.Check(context.Background(), g.Token); !errors.Is(err, auth.ErrTokenExpired) {
		t.Fatalf("Check under a shorter lifetime = %v, want expired", err)
	}
}

func TestRefreshInvalidTokens(t *testing.T) {
	f := newRefreshFixture(t)
	g := f.issue(t)
	random, _ := auth.RandomToken(nil)
	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"garbage", "not a token"},
		{"oversized", strings.Repeat("A", backend.MaxTokenLength+1)},
		{"never issued", random},
		{"truncated", g.Token[:42]},
		{"padded", g.Token + "="},
		{"its digest", auth.TokenDigest(g.Token)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.store.gets.Load()
			mustRefuseRefresh(t, f, tc.token, tc.name)
			if !auth.IsRandomToken(tc.token) && f.store.gets.Load() != before {
				t.Fatal("a token of another form reached the store")
			}
		})
	}
	f.mustExchange(t, g.Token)
}

// TestRefreshConcurrentExchange: a token exchanged twice at once (a thief
// racing the client) gives one new pair at most, and the family is revoked.
func TestRefreshConcurrentExchange(t *testing.T) {
	const racers = 8
	f := newRefreshFixture(t)
	g := f.issue(t)
	grants := make([]backend.RefreshGrant, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { grants[i], errs[i] = f.exchange(g.Token) })
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
			// The winner's token died with the family when a loser
			// detected the reuse.
			mustRefuseRefresh(t, f, grants[i].Token, "the winner's token after a detected race")
		case !errors.Is(err, backend.ErrInvalidRefreshToken):
			t.Fatalf("exchange = %v", err)
		}
	}
	if wins > 1 {
		t.Fatalf("%d concurrent exchanges of one token succeeded", wins)
	}
}

func TestRefreshStoreFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("reading", func(t *testing.T) {
		f := newRefreshFixture(t)
		g := f.issue(t)
		f.store.fail.Store(true)
		_, err := f.r.Check(ctx, g.Token)
		if !errors.Is(err, errStoreDown) || errors.Is(err, backend.ErrInvalidRefreshToken) {
			t.Fatalf("Check with the store down = %v; want the store's error, not a refusal", err)
		}
	})
	t.Run("issuing", func(t *testing.T) {
		f := newRefreshFixture(t)
		f.store.fail.Store(true)
		if _, err := f.r.Issue(ctx, f.user); !errors.Is(err, errStoreDown) {
			t.Fatalf("Issue = %v", err)
		}
	})
	t.Run("revoking a reused token's family", func(t *testing.T) {
		// Reuse detected, revocation failed: the answer is the failure
		// (500), never a plain 401 that would hide it.
		f := newRefreshFixture(t)
		g := f.issue(t)
		f.mustExchange(t, g.Token)
		f.store.failFamily.Store(true)
		_, err := f.exchange(g.Token)
		if !errors.Is(err, errStoreDown) || errors.Is(err, backend.ErrInvalidRefreshToken) {
			t.Fatalf("exchange = %v; want the store's error", err)
		}
	})
}

func TestRefreshRevoke(t *testing.T) {
	ctx := context.Background()
	f := newRefreshFixture(t)
	g := f.issue(t)
	next := f.mustExchange(t, g.Token)
	other := f.issue(t)
	// Another user cannot end the family.
	if ok, err := f.r.Revoke(ctx, g.Token, uuid.New()); ok || err != nil {
		t.Fatalf("Revoke(another user) = %v, %v; want false, nil", ok, err)
	}
	f.mustExchange(t, next.Token)
	// Revoking by a spent token ends the family all the same.
	if ok, err := f.r.Revoke(ctx, g.Token, f.user); err != nil || !ok {
		t.Fatalf("Revoke = %v, %v", ok, err)
	}
	mustRefuseRefresh(t, f, next.Token, "a token of a revoked family")
	for _, tc := range []struct{ name, token string }{{"again", g.Token}, {"garbage", "garbage"}, {"empty", ""}} {
		if ok, err := f.r.Revoke(ctx, tc.token, f.user); ok || err != nil {
			t.Fatalf("Revoke(%s) = %v, %v; want false, nil", tc.name, ok, err)
		}
	}
	f.mustExchange(t, other.Token)

	if err := f.r.RevokeUser(ctx, f.user); err != nil {
		t.Fatal(err)
	}
	mustRefuseRefresh(t, f, other.Token, "a revoked user's token")
}

func TestRefreshPurge(t *testing.T) {
	ctx := context.Background()
	f := newRefreshFixture(t)
	old := f.issue(t)
	f.clock.Advance(idle / 2)
	fresh := f.issue(t)
	f.clock.Advance(idle/2 + time.Second)
	if n, err := f.r.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if _, err := f.store.GetRefreshToken(ctx, auth.TokenDigest(old.Token)); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
		t.Fatal("an expired token survived the purge")
	}
	f.mustExchange(t, fresh.Token)
}
