package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// endRecorder is an EndSessions callback that records its calls and fails
// when told to.
type endRecorder struct {
	mu      sync.Mutex
	calls   []uuid.UUID
	ctxDone []bool // whether the context it got was already cancelled
	fail    error
}

func (e *endRecorder) end(ctx context.Context, id uuid.UUID) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, id)
	e.ctxDone = append(e.ctxDone, ctx.Err() != nil)
	return e.fail
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
		EndSessions: f.rec.end,
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
	m, err := user.NewManager(user.ManagerOptions[*user.User]{Store: wrapped, Hasher: hasher(t, small), EndSessions: f.rec.end,
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
