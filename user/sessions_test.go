package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// endRecorder is a SessionStore that records the calls ending sessions,
// holds the sessions it lists, and fails when told to.
type endRecorder struct {
	mu       sync.Mutex
	calls    []uuid.UUID // users whose sessions were all ended
	others   []user.CurrentSession
	ended    []uuid.UUID // sessions ended one by one
	ctxDone  []bool      // whether the context it got was already cancelled
	sessions []user.Session
	fail     error
}

func (e *endRecorder) record(ctx context.Context) {
	e.ctxDone = append(e.ctxDone, ctx.Err() != nil)
}

func (e *endRecorder) EndUserSessions(ctx context.Context, id uuid.UUID) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, id)
	e.record(ctx)
	return e.fail
}

func (e *endRecorder) EndOtherSessions(ctx context.Context, id uuid.UUID, keep user.CurrentSession) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, id)
	e.others = append(e.others, keep)
	e.record(ctx)
	return e.fail
}

func (e *endRecorder) UserSessions(context.Context, uuid.UUID) ([]user.Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.sessions), nil
}

func (e *endRecorder) EndSession(ctx context.Context, _, sessionID uuid.UUID) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ended = append(e.ended, sessionID)
	e.record(ctx)
	found := false
	e.sessions = slices.DeleteFunc(e.sessions, func(s user.Session) bool {
		found = found || s.ID == sessionID
		return s.ID == sessionID
	})
	return found, e.fail
}

var resetSecret = []byte("reset-secret-0123456789abcdef-0123")

type sessionsFixture struct {
	m     *user.Manager[*user.User]
	store *memory.Store[*user.User]
	rec   *endRecorder
	logs  *bytes.Buffer
	u     *user.User
	reset string // a reset token for u, captured from the hook
}

func newSessionsFixture(t *testing.T) *sessionsFixture {
	t.Helper()
	f := &sessionsFixture{store: memory.New[*user.User](), rec: &endRecorder{}, logs: &bytes.Buffer{}}
	opts := user.ManagerOptions[*user.User]{
		Store: f.store, Hasher: hasher(t, small), Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
		Sessions: f.rec,
		Hooks: user.Hooks[*user.User]{AfterForgotPassword: func(_ context.Context, _ *user.User, token string) error {
			f.reset = token
			return nil
		}},
	}
	opts.ResetTokens.Secret = resetSecret
	m, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	if f.u, err = m.Register(context.Background(), &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "guinevere"); err != nil {
		t.Fatal(err)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// TestEndSessionsTriggers: each credential or privilege change that must end
// the user's sessions increments the stored epoch in its own write and calls
// EndSessions once, after the write; the others do neither.
func TestEndSessionsTriggers(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, f *sessionsFixture) error
		ends   bool
		gone   bool // the user is deleted
	}{
		{"password via safe update", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateSelf(context.Background(), f.u, user.Update{Password: ptr("excalibur")})
			return err
		}, true, false},
		{"password via superuser update", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateAsSuperuser(context.Background(), f.u, user.Update{Password: ptr("excalibur")})
			return err
		}, true, false},
		{"deactivation", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateAsSuperuser(context.Background(), f.u, user.Update{IsActive: ptr(false)})
			return err
		}, true, false},
		{"reset", func(t *testing.T, f *sessionsFixture) error {
			if err := f.m.ForgotPassword(context.Background(), f.u.Email); err != nil {
				t.Fatal(err)
			}
			_, err := f.m.ResetPassword(context.Background(), f.reset, "excalibur")
			return err
		}, true, false},
		{"delete", func(t *testing.T, f *sessionsFixture) error {
			return f.m.Delete(context.Background(), f.u)
		}, true, true},
		{"log out everywhere", func(t *testing.T, f *sessionsFixture) error {
			return f.m.EndSessions(context.Background(), f.u)
		}, true, false},
		{"e-mail change", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateSelf(context.Background(), f.u, user.Update{Email: ptr("arthur@camelot.bt")})
			return err
		}, false, false},
		{"activation", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateAsSuperuser(context.Background(), f.u, user.Update{IsActive: ptr(true)})
			return err
		}, false, false},
		{"deactivation attempted by a safe update", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateSelf(context.Background(), f.u, user.Update{IsActive: ptr(false)})
			return err
		}, false, false},
		{"superuser flag", func(t *testing.T, f *sessionsFixture) error {
			_, err := f.m.UpdateAsSuperuser(context.Background(), f.u, user.Update{IsSuperuser: ptr(true)})
			return err
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			if err := tt.change(t, f); err != nil {
				t.Fatalf("change: %v", err)
			}
			wantCalls := 0
			if tt.ends {
				wantCalls = 1
			}
			if len(f.rec.calls) != wantCalls {
				t.Fatalf("EndSessions called %d times, want %d", len(f.rec.calls), wantCalls)
			}
			if wantCalls == 1 && f.rec.calls[0] != f.u.ID {
				t.Fatalf("EndSessions called for %v, want %v", f.rec.calls[0], f.u.ID)
			}
			if tt.gone {
				return
			}
			stored, err := f.store.Get(context.Background(), f.u.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEpoch := int64(0)
			if tt.ends {
				wantEpoch = 1
			}
			if stored.TokenEpoch != wantEpoch {
				t.Fatalf("TokenEpoch = %d, want %d", stored.TokenEpoch, wantEpoch)
			}
		})
	}
}

// TestEndSessionsFailure: when ending the sessions fails, the change stays
// written, the error wraps ErrSessionsNotEnded (so the HTTP layer answers
// 500), and the failure is logged with the user id.
func TestEndSessionsFailure(t *testing.T) {
	boom := errors.New("token store unreachable")
	tests := []struct {
		name   string
		change func(f *sessionsFixture) error
		check  func(t *testing.T, f *sessionsFixture)
	}{
		{"password change", func(f *sessionsFixture) error {
			u, err := f.m.UpdateSelf(context.Background(), f.u, user.Update{Password: ptr("excalibur")})
			if u == nil || u.HashedPassword == f.u.HashedPassword {
				return errors.New("the updated user was not returned with the error")
			}
			return err
		}, func(t *testing.T, f *sessionsFixture) {
			if _, err := f.m.Authenticate(context.Background(), f.u.Email, "excalibur"); err != nil {
				t.Fatalf("the new password was not written: %v", err)
			}
		}},
		{"delete", func(f *sessionsFixture) error { return f.m.Delete(context.Background(), f.u) },
			func(t *testing.T, f *sessionsFixture) {
				if _, err := f.store.Get(context.Background(), f.u.ID); !errors.Is(err, user.ErrNotFound) {
					t.Fatalf("the user was not deleted: %v", err)
				}
			}},
		{"log out everywhere", func(f *sessionsFixture) error { return f.m.EndSessions(context.Background(), f.u) },
			func(t *testing.T, f *sessionsFixture) {
				if u, _ := f.store.Get(context.Background(), f.u.ID); u.TokenEpoch != 1 {
					t.Fatalf("TokenEpoch = %d, want 1", u.TokenEpoch)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			f.rec.fail = boom
			err := tt.change(f)
			if !errors.Is(err, user.ErrSessionsNotEnded) || !errors.Is(err, boom) {
				t.Fatalf("error = %v, want ErrSessionsNotEnded wrapping the cause", err)
			}
			tt.check(t, f)
			logs := f.logs.String()
			if !strings.Contains(logs, "ending sessions failed") || !strings.Contains(logs, f.u.ID.String()) {
				t.Fatalf("failure not logged with the user id:\n%s", logs)
			}
		})
	}
}

// TestEndSessionsOutlivesTheRequest: the change is written, so the
// revocation runs even if the client hung up in the meantime.
func TestEndSessionsOutlivesTheRequest(t *testing.T) {
	f := newSessionsFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel from inside the store write, as a client hanging up mid-request.
	wrapped := &cancellingStore{Store: f.store, cancel: cancel}
	m, err := user.NewManager(user.ManagerOptions[*user.User]{Store: wrapped, Hasher: hasher(t, small), Sessions: f.rec,
		Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpdateSelf(ctx, f.u, user.Update{Password: ptr("excalibur")}); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.calls) != 1 || f.rec.ctxDone[0] {
		t.Fatalf("EndSessions calls %d, with a cancelled context: %v", len(f.rec.calls), f.rec.ctxDone)
	}
}

type cancellingStore struct {
	user.Store[*user.User]
	cancel func()
}

func (c *cancellingStore) Update(ctx context.Context, id uuid.UUID, mutate func(*user.User) error) (*user.User, error) {
	u, err := c.Store.Update(ctx, id, mutate)
	c.cancel()
	return u, err
}

func TestEndSessionsUnknownUser(t *testing.T) {
	f := newSessionsFixture(t)
	ghost := &user.User{Base: user.Base{ID: uuid.New()}}
	if err := f.m.EndSessions(context.Background(), ghost); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("EndSessions(unknown) = %v, want ErrNotFound", err)
	}
	if len(f.rec.calls) != 0 {
		t.Fatal("EndSessions callback called for an unknown user")
	}
}

// TestOwnPasswordChangeKeepsCurrentSession: a password change made in a
// session (WithCurrentSession) ends the others and keeps that one: the
// SessionStore is asked to end all but it, and the record keeps its token
// beside a new epoch. A superuser's change ends them all, session or not.
func TestOwnPasswordChangeKeepsCurrentSession(t *testing.T) {
	keep := user.CurrentSession{ID: uuid.New(), TokenDigest: strings.Repeat("ab", 32)}
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		trusted  bool
		wantKeep bool
	}{
		{"in a session", user.WithCurrentSession(context.Background(), keep), false, true},
		{"without a session", context.Background(), false, false},
		{"by a superuser, in a session", user.WithCurrentSession(context.Background(), keep), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			f.store.Update(context.Background(), f.u.ID, func(u *user.User) error {
				u.KeptToken, u.EndedSessions = strings.Repeat("cd", 32), uuid.NewString()
				return nil
			})
			upd := user.Update{Password: ptr("excalibur")}
			var err error
			if tc.trusted {
				_, err = f.m.UpdateAsSuperuser(tc.ctx, f.u, upd)
			} else {
				_, err = f.m.UpdateSelf(tc.ctx, f.u, upd)
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := f.store.Get(context.Background(), f.u.ID)
			wantKept := ""
			if tc.wantKeep {
				wantKept = keep.TokenDigest
				if len(f.rec.others) != 1 || f.rec.others[0] != keep {
					t.Fatalf("EndOtherSessions calls %v, want one keeping %v", f.rec.others, keep)
				}
			} else if len(f.rec.others) != 0 || len(f.rec.calls) != 1 {
				t.Fatalf("calls: all %d, others %v; want every session ended", len(f.rec.calls), f.rec.others)
			}
			if stored.TokenEpoch != 1 || stored.KeptToken != wantKept || stored.EndedSessions != "" {
				t.Fatalf("record: epoch %d, kept %q, ended %q; want 1, %q, none", stored.TokenEpoch, stored.KeptToken, stored.EndedSessions, wantKept)
			}
		})
	}
}

// TestEndOtherSessions: the method the second-factor changes call records
// the kept token with a new epoch and asks the store to spare that session.
func TestEndOtherSessions(t *testing.T) {
	f := newSessionsFixture(t)
	keep := user.CurrentSession{ID: uuid.New(), TokenDigest: strings.Repeat("ef", 32)}
	if err := f.m.EndOtherSessions(context.Background(), f.u, keep); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.store.Get(context.Background(), f.u.ID)
	if stored.TokenEpoch != 1 || stored.KeptToken != keep.TokenDigest || len(f.rec.others) != 1 || f.rec.others[0] != keep {
		t.Fatalf("epoch %d, kept %q, store calls %v", stored.TokenEpoch, stored.KeptToken, f.rec.others)
	}
	ghost := &user.User{Base: user.Base{ID: uuid.New()}}
	if err := f.m.EndOtherSessions(context.Background(), ghost, keep); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("EndOtherSessions(unknown) = %v, want ErrNotFound", err)
	}
	if err := f.m.EndSessions(context.Background(), f.u); err != nil {
		t.Fatal(err)
	}
	if stored, _ = f.store.Get(context.Background(), f.u.ID); stored.TokenEpoch != 2 || stored.KeptToken != "" {
		t.Fatalf("after EndSessions: epoch %d, kept %q; want 2 and no kept token", stored.TokenEpoch, stored.KeptToken)
	}
}

// TestEndSession: one session ends through the store; a refresh family is
// also recorded in EndedSessions, a server-side token is not; an unknown
// id, or none, is ErrSessionNotFound and changes nothing.
func TestEndSession(t *testing.T) {
	token, family := uuid.New(), uuid.New()
	f := newSessionsFixture(t)
	f.rec.sessions = []user.Session{{ID: token}, {ID: family, Refresh: true}, {ID: family}}
	for _, id := range []uuid.UUID{uuid.New(), uuid.Nil} {
		if err := f.m.EndSession(context.Background(), f.u, id); !errors.Is(err, user.ErrSessionNotFound) {
			t.Fatalf("EndSession(%v) = %v, want ErrSessionNotFound", id, err)
		}
	}
	if len(f.rec.ended) != 0 {
		t.Fatalf("the store ended %v for unknown ids", f.rec.ended)
	}
	if err := f.m.EndSession(context.Background(), f.u, token); err != nil {
		t.Fatal(err)
	}
	if stored, _ := f.store.Get(context.Background(), f.u.ID); stored.EndedSessions != "" {
		t.Fatalf("a server-side token's session was recorded: %q", stored.EndedSessions)
	}
	if err := f.m.EndSession(context.Background(), f.u, family); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.store.Get(context.Background(), f.u.ID)
	if stored.EndedSessions != family.String() || !stored.SessionEnded(family.String()) || stored.TokenEpoch != 0 {
		t.Fatalf("record after ending a family: ended %q, epoch %d", stored.EndedSessions, stored.TokenEpoch)
	}
	if !slices.Equal(f.rec.ended, []uuid.UUID{token, family}) {
		t.Fatalf("store ended %v, want %v", f.rec.ended, []uuid.UUID{token, family})
	}
	if err := f.m.EndSession(context.Background(), f.u, family); !errors.Is(err, user.ErrSessionNotFound) {
		t.Fatalf("ending a session twice = %v, want ErrSessionNotFound", err)
	}

	f.rec.fail = errors.New("token store unreachable")
	other := uuid.New()
	f.rec.sessions = []user.Session{{ID: other, Refresh: true}}
	if err := f.m.EndSession(context.Background(), f.u, other); !errors.Is(err, user.ErrSessionsNotEnded) {
		t.Fatalf("EndSession with a failing store = %v, want ErrSessionsNotEnded", err)
	}
	if stored, _ := f.store.Get(context.Background(), f.u.ID); !stored.SessionEnded(other.String()) {
		t.Fatal("the record was not written before the store failed: the JWTs of the session live on")
	}
}

// TestEndedSessionsBounded: the list holds MaxEndedSessions ids; one more
// starts it over with a new epoch, and without the kept token, instead of
// growing or forgetting a session whose JWTs could come back.
func TestEndedSessionsBounded(t *testing.T) {
	f := newSessionsFixture(t)
	f.store.Update(context.Background(), f.u.ID, func(u *user.User) error { u.KeptToken = strings.Repeat("ab", 32); return nil })
	var ids []uuid.UUID
	for range user.MaxEndedSessions + 1 {
		id := uuid.New()
		ids = append(ids, id)
		f.rec.sessions = []user.Session{{ID: id, Refresh: true}}
		if err := f.m.EndSession(context.Background(), f.u, id); err != nil {
			t.Fatal(err)
		}
		stored, _ := f.store.Get(context.Background(), f.u.ID)
		if len(ids) <= user.MaxEndedSessions {
			if n := len(strings.Fields(stored.EndedSessions)); n != len(ids) || stored.TokenEpoch != 0 {
				t.Fatalf("after %d: %d listed, epoch %d", len(ids), n, stored.TokenEpoch)
			}
			continue
		}
		if stored.EndedSessions != id.String() || stored.TokenEpoch != 1 || stored.KeptToken != "" {
			t.Fatalf("overflow: ended %q, epoch %d, kept %q; want only the new id, epoch 1, no kept token",
				stored.EndedSessions, stored.TokenEpoch, stored.KeptToken)
		}
	}
}

// TestSessionsMerged: parts of one session come back as one, most recently
// used first, the current one marked.
func TestSessionsMerged(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 11, 28, 14, min, 0, 0, time.UTC) }
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	f := newSessionsFixture(t)
	f.rec.sessions = []user.Session{
		{ID: a, CreatedAt: at(10), LastUsedAt: at(20), ExpiresAt: at(40), Refresh: true},
		{ID: b, Backend: "cookie", UserAgent: "Firefox", CreatedAt: at(5), ExpiresAt: at(50)},
		{ID: a, Backend: "jwt", ClientAddr: "203.0.113.7", UserAgent: "curl", CreatedAt: at(12), LastUsedAt: at(30), ExpiresAt: at(35)},
		{ID: uuid.Nil, CreatedAt: at(1)},
		{ID: c, CreatedAt: at(1), LastUsedAt: at(1), ExpiresAt: at(2), Current: true},
	}
	ctx := user.WithCurrentSession(context.Background(), user.CurrentSession{ID: b})
	got, err := f.m.Sessions(ctx, f.u)
	if err != nil {
		t.Fatal(err)
	}
	want := []user.Session{
		{ID: a, Backend: "jwt", ClientAddr: "203.0.113.7", UserAgent: "curl", CreatedAt: at(10), LastUsedAt: at(30), ExpiresAt: at(40), Refresh: true},
		{ID: b, Backend: "cookie", UserAgent: "Firefox", CreatedAt: at(5), LastUsedAt: at(5), ExpiresAt: at(50), Current: true},
		{ID: c, CreatedAt: at(1), LastUsedAt: at(1), ExpiresAt: at(2)},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Sessions =\n%+v\nwant\n%+v", got, want)
	}
	none, err := newManagerWithoutSessions(t).Sessions(ctx, f.u)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("Sessions without a SessionStore = %v, %v; want an empty list", none, err)
	}
}

func newManagerWithoutSessions(t *testing.T) *user.Manager[*user.User] {
	m, err := user.NewManager(user.ManagerOptions[*user.User]{Store: memory.New[*user.User](), Hasher: hasher(t, small)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSessionEnded(t *testing.T) {
	a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
	for _, tc := range []struct {
		name, list, id string
		want           bool
	}{
		{"empty list", "", a, false},
		{"alone", a, a, true},
		{"first", a + " " + b, a, true},
		{"last", a + " " + b, b, true},
		{"absent", a + " " + b, c, false},
		{"a prefix", a, a[:35], false},
		{"two ids as one", a + " " + b, a + " " + b, false},
		{"the empty id", a, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &user.Base{EndedSessions: tc.list}
			if got := b.SessionEnded(tc.id); got != tc.want {
				t.Fatalf("SessionEnded = %v, want %v", got, tc.want)
			}
			if n := testing.AllocsPerRun(10, func() { b.SessionEnded(tc.id) }); n != 0 {
				t.Fatalf("SessionEnded allocates %.0f times", n)
			}
		})
	}
}
