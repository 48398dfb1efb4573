package backend_test

import (
	"bytes"
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
	"github.com/usersauth/usersauth/user"
)

var errStoreDown = errors.New("token store down")

// spyStore counts the calls that reach the store and can fail them.
type spyStore struct {
	backend.TokenStore
	gets, deletes, purges atomic.Int64
	purged                chan time.Time // if not nil, receives each purge cutoff
	fail                  atomic.Bool
	failDelete            atomic.Bool
	// loose, if set, makes GetToken answer for any digest with this row,
	// as a store matching case-insensitively or by prefix would.
	loose *auth.AccessToken
}

func newSpy() *spyStore { return &spyStore{TokenStore: memory.NewTokenStore()} }

func (s *spyStore) CreateToken(ctx context.Context, at auth.AccessToken) error {
	if s.fail.Load() {
		return errStoreDown
	}
	return s.TokenStore.CreateToken(ctx, at)
}

func (s *spyStore) GetToken(ctx context.Context, digest string) (auth.AccessToken, error) {
	s.gets.Add(1)
	if s.fail.Load() {
		return auth.AccessToken{}, errStoreDown
	}
	if s.loose != nil {
		return *s.loose, nil
	}
	return s.TokenStore.GetToken(ctx, digest)
}

func (s *spyStore) DeleteToken(ctx context.Context, digest string) error {
	s.deletes.Add(1)
	if s.fail.Load() || s.failDelete.Load() {
		return errStoreDown
	}
	return s.TokenStore.DeleteToken(ctx, digest)
}

func (s *spyStore) DeleteUserTokens(ctx context.Context, id uuid.UUID) (int, error) {
	if s.fail.Load() {
		return 0, errStoreDown
	}
	return s.TokenStore.DeleteUserTokens(ctx, id)
}

func (s *spyStore) DeleteTokensCreatedBefore(ctx context.Context, t time.Time) (int, error) {
	s.purges.Add(1)
	if s.purged != nil {
		s.purged <- t
	}
	if s.fail.Load() {
		return 0, errStoreDown
	}
	return s.TokenStore.DeleteTokensCreatedBefore(ctx, t)
}

type dbFixture struct {
	spy   *spyStore
	clock *strategytest.Clock
	s     *backend.DatabaseStrategy
}

func newDB(t *testing.T, cfg backend.DatabaseConfig) dbFixture {
	t.Helper()
	f := dbFixture{spy: newSpy(), clock: strategytest.NewClock(conformanceStart)}
	cfg.Store, cfg.Now = f.spy, f.clock.Now
	if cfg.Lifetime == 0 {
		cfg.Lifetime = time.Hour
	}
	f.s = backend.NewDatabase(cfg)
	if err := f.s.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f dbFixture) write(t *testing.T, u *user.Base) string {
	t.Helper()
	tok, err := f.s.WriteToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestDatabaseValidate(t *testing.T) {
	st := memory.NewTokenStore()
	ctx := context.Background()
	tests := []struct {
		name    string
		s       *backend.DatabaseStrategy
		wantErr string
	}{
		{"Database", backend.Database(st, time.Hour), ""},
		{"tiny lifetime", backend.Database(st, time.Nanosecond), ""},
		{"no store", backend.Database(nil, time.Hour), "no TokenStore"},
		{"no lifetime", backend.Database(st, 0), "lifetime"},
		{"negative lifetime", backend.NewDatabase(backend.DatabaseConfig{Store: st, Lifetime: -time.Hour}), "lifetime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error about %q", err, tt.wantErr)
			}
			if _, e := tt.s.WriteToken(ctx, &user.Base{ID: uuid.New()}); e != err {
				t.Errorf("WriteToken = %v", e)
			}
			if _, e := tt.s.ReadToken(ctx, strings.Repeat("A", 43)); e != err {
				t.Errorf("ReadToken = %v", e)
			}
			if e := tt.s.DestroyToken(ctx, strings.Repeat("A", 43), nil); e != err {
				t.Errorf("DestroyToken = %v", e)
			}
			if e := tt.s.RevokeUser(ctx, uuid.New()); e != err {
				t.Errorf("RevokeUser = %v", e)
			}
			if _, e := tt.s.Purge(ctx); e != err {
				t.Errorf("Purge = %v", e)
			}
		})
	}
}

// TestDatabaseStoredRow: the row holds the digest, the user and the issue
// time by the strategy's clock; the token comes from the injected Rand.
func TestDatabaseStoredRow(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{Rand: bytes.NewReader(bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11))})
	u := &user.Base{ID: uuid.New()}
	tok := f.write(t, u)
	if tok != "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8" {
		t.Fatalf("token = %q, not from the injected Rand", tok)
	}
	at, err := f.spy.TokenStore.GetToken(context.Background(), auth.TokenDigest(tok))
	if err != nil {
		t.Fatal(err)
	}
	if at.UserID != u.ID || !at.CreatedAt.Equal(conformanceStart) {
		t.Fatalf("row = %v %v, want %v %v", at.UserID, at.CreatedAt, u.ID, conformanceStart)
	}
}

// TestDatabaseDuplicateToken: a random source that repeats itself makes the
// second login fail instead of sharing the first one's session.
func TestDatabaseDuplicateToken(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{Rand: bytes.NewReader(make([]byte, 64))})
	a, b := &user.Base{ID: uuid.New()}, &user.Base{ID: uuid.New()}
	tok := f.write(t, a)
	if _, err := f.s.WriteToken(context.Background(), b); !errors.Is(err, auth.ErrTokenExists) {
		t.Fatalf("second WriteToken = %v, want ErrTokenExists", err)
	}
	if id, err := f.s.ReadToken(context.Background(), tok); err != nil || id != a.ID {
		t.Fatalf("ReadToken = %v, %v; want the first user", id, err)
	}
}

func TestDatabaseRandFailure(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{Rand: bytes.NewReader(make([]byte, 31))})
	u := &user.Base{ID: uuid.New()}
	if tok, err := f.s.WriteToken(context.Background(), u); err == nil || tok != "" {
		t.Fatalf("WriteToken with a failing Rand = %d bytes, %v; want an error", len(tok), err)
	}
	if n, _ := f.spy.DeleteUserTokens(context.Background(), u.ID); n != 0 {
		t.Fatal("a row was stored")
	}
}

// TestDatabaseStoreFailure: a failing store is an infrastructure error (500),
// never ErrInvalidToken (401), and the error names no token.
func TestDatabaseStoreFailure(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{})
	u := &user.Base{ID: uuid.New()}
	tok := f.write(t, u)
	f.spy.fail.Store(true)
	ctx := context.Background()
	calls := map[string]func() error{
		"WriteToken":   func() error { _, err := f.s.WriteToken(ctx, u); return err },
		"ReadToken":    func() error { _, err := f.s.ReadToken(ctx, tok); return err },
		"DestroyToken": func() error { return f.s.DestroyToken(ctx, tok, u) },
		"RevokeUser":   func() error { return f.s.RevokeUser(ctx, u.ID) },
		"Purge":        func() error { _, err := f.s.Purge(ctx); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if !errors.Is(err, errStoreDown) || errors.Is(err, backend.ErrInvalidToken) {
				t.Fatalf("error = %v, want the store's error and not ErrInvalidToken", err)
			}
			if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), auth.TokenDigest(tok)) {
				t.Fatal("the error names the token")
			}
		})
	}
}

// TestDatabaseNoLookupForForeignTokens: a token that cannot be ours costs
// neither a digest nor a store call.
func TestDatabaseNoLookupForForeignTokens(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{})
	ctx := context.Background()
	for _, tok := range []string{"", "garbage", strings.Repeat("A", 44), strings.Repeat("A", 42) + "B", strings.Repeat("A", backend.MaxTokenLength+1)} {
		if _, err := f.s.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) {
			t.Errorf("ReadToken = %v, want ErrInvalidToken", err)
		}
		if err := f.s.DestroyToken(ctx, tok, nil); err != nil {
			t.Errorf("DestroyToken = %v", err)
		}
	}
	if g, d := f.spy.gets.Load(), f.spy.deletes.Load(); g != 0 || d != 0 {
		t.Errorf("%d lookups and %d deletes for foreign tokens, want none", g, d)
	}
}

// TestDatabaseLooseStore: the strategy checks that the row a store returns
// has the token's digest, so a store that matches loosely grants nothing.
func TestDatabaseLooseStore(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{})
	u := &user.Base{ID: uuid.New()}
	tok := f.write(t, u)
	row := auth.AccessToken{Digest: strings.ToUpper(auth.TokenDigest(tok)), UserID: u.ID, CreatedAt: conformanceStart}
	f.spy.loose = &row
	if id, err := f.s.ReadToken(context.Background(), tok); !errors.Is(err, backend.ErrInvalidToken) || id != uuid.Nil {
		t.Fatalf("ReadToken with a row of another digest = %v, %v; want ErrInvalidToken", id, err)
	}
}

// TestDatabaseExpiredRowDeleted: reading an expired token deletes its row,
// and a failing delete does not change the answer.
func TestDatabaseExpiredRowDeleted(t *testing.T) {
	ctx := context.Background()
	for _, failDelete := range []bool{false, true} {
		f := newDB(t, backend.DatabaseConfig{})
		tok := f.write(t, &user.Base{ID: uuid.New()})
		f.clock.Advance(time.Hour)
		f.spy.failDelete.Store(failDelete)
		if _, err := f.s.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) || !errors.Is(err, auth.ErrTokenExpired) {
			t.Fatalf("ReadToken(expired) = %v, want ErrInvalidToken and ErrTokenExpired", err)
		}
		if n := f.spy.deletes.Load(); n != 1 {
			t.Fatalf("%d deletes, want 1", n)
		}
		_, err := f.spy.TokenStore.GetToken(ctx, auth.TokenDigest(tok))
		if gone := errors.Is(err, auth.ErrTokenNotFound); gone == failDelete {
			t.Fatalf("failDelete=%v: row gone = %v", failDelete, gone)
		}
	}
}

// TestDatabasePurge deletes the rows older than the lifetime, and only
// them.
func TestDatabasePurge(t *testing.T) {
	ctx := context.Background()
	f := newDB(t, backend.DatabaseConfig{})
	u := &user.Base{ID: uuid.New()}
	var old []string
	for range 3 {
		old = append(old, f.write(t, u))
	}
	f.clock.Advance(30 * time.Minute)
	live := f.write(t, u)
	f.clock.Advance(30*time.Minute + time.Nanosecond)
	n, err := f.s.Purge(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Purge = %d, %v; want 3", n, err)
	}
	for _, tok := range old {
		if _, err := f.spy.TokenStore.GetToken(ctx, auth.TokenDigest(tok)); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("purged row still there: %v", err)
		}
	}
	if id, err := f.s.ReadToken(ctx, live); err != nil || id != u.ID {
		t.Fatalf("live token after Purge = %v, %v", id, err)
	}
	if n, err := f.s.Purge(ctx); err != nil || n != 0 {
		t.Fatalf("second Purge = %d, %v; want 0", n, err)
	}
}

// TestStartPurge: the goroutine purges on every tick with the strategy's
// clock, reports failures, and returns when its context ends.
func TestStartPurge(t *testing.T) {
	f := newDB(t, backend.DatabaseConfig{})
	f.spy.purged = make(chan time.Time)
	f.spy.fail.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var reported []error
	done := f.s.StartPurge(ctx, time.Millisecond, func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	})
	for range 3 {
		if cutoff := <-f.spy.purged; !cutoff.Equal(conformanceStart.Add(-time.Hour)) {
			t.Fatalf("purge cutoff = %v, want now minus the lifetime", cutoff)
		}
	}
	cancel()
	// A purge may be under way: let it finish.
	go func() {
		for range f.spy.purged {
		}
	}()
	<-done
	close(f.spy.purged)
	mu.Lock()
	defer mu.Unlock()
	if len(reported) < 2 {
		t.Fatalf("%d failures reported, want at least 2 of 3", len(reported))
	}
	for _, err := range reported {
		if !errors.Is(err, errStoreDown) {
			t.Fatalf("reported %v", err)
		}
	}
}
