package user_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// hookFixture is a Manager whose hooks a test sets, a user, and the
// tokens the delivery hooks received.
type hookFixture struct {
	m                   *user.Manager[*user.User]
	store               *memory.Store[*user.User]
	hasher              *auth.PasswordHasher
	logs                *bytes.Buffer
	u                   *user.User
	resetToken, vfToken string
	sessions            *endRecorder
}

const panicValue = "panic value holding a secret: hunter2"

func boom() { panic(panicValue) }

func newHookFixture(t *testing.T, set func(*user.Hooks[*user.User])) *hookFixture {
	t.Helper()
	ctx := context.Background()
	f := &hookFixture{store: memory.New[*user.User](), hasher: hasher(t, small), logs: &bytes.Buffer{}, sessions: &endRecorder{}}
	hooks := user.Hooks[*user.User]{
		AfterForgotPassword: func(_ context.Context, _ *user.User, token string) error { f.resetToken = token; return nil },
		AfterRequestVerify:  func(_ context.Context, _ *user.User, token string) error { f.vfToken = token; return nil },
	}
	if set != nil {
		set(&hooks)
	}
	opts := user.ManagerOptions[*user.User]{
		Store: f.store, Hasher: f.hasher, Hooks: hooks, Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
		Sessions: f.sessions,
	}
	opts.ResetTokens.Secret = resetSecret
	opts.VerifyTokens.Secret = resetSecret
	m, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	hash, err := f.hasher.Hash(ctx, "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	f.u = &user.User{Base: user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt", HashedPassword: hash, IsActive: true}}
	if err := f.store.Create(ctx, f.u); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAfterHookPanics: an After* hook that panics is recovered and logged
// like a failing one, and the operation stands as if it had succeeded.
func TestAfterHookPanics(t *testing.T) {
	tests := []struct {
		hook string
		set  func(*user.Hooks[*user.User])
		run  func(context.Context, *hookFixture) error
	}{
		{"AfterRegister", func(h *user.Hooks[*user.User]) {
			h.AfterRegister = func(context.Context, *user.User) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				if _, err := f.m.Register(ctx, &user.User{Base: user.Base{Email: "galahad@camelot.bt"}}, "holy-grail-quest"); err != nil {
					return err
				}
				_, err := f.store.GetByEmail(ctx, "galahad@camelot.bt")
				return err
			}},
		{"AfterLogin", func(h *user.Hooks[*user.User]) {
			h.AfterLogin = func(context.Context, *user.User) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				u, err := f.m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere")
				if err == nil {
					f.m.AfterLogin(ctx, u)
				}
				return err
			}},
		{"AfterFailedLogin", func(h *user.Hooks[*user.User]) {
			h.AfterFailedLogin = func(context.Context, string, user.LoginFailure) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				if _, err := f.m.Authenticate(ctx, "king.arthur@camelot.bt", "Guinevere"); !errors.Is(err, user.ErrInvalidCredentials) {
					return fmt.Errorf("Authenticate = %v, want ErrInvalidCredentials", err)
				}
				if s := f.hasher.Stats(); s.InUse != 0 {
					return fmt.Errorf("%d slots in use", s.InUse)
				}
				return nil
			}},
		{"AfterUpdate", func(h *user.Hooks[*user.User]) {
			h.AfterUpdate = func(context.Context, *user.User, []string) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				if _, err := f.m.UpdateSelf(ctx, f.u, user.Update{Email: ptr("arthur@camelot.bt")}); err != nil {
					return err
				}
				_, err := f.store.GetByEmail(ctx, "arthur@camelot.bt")
				return err
			}},
		{"AfterDelete", func(h *user.Hooks[*user.User]) {
			h.AfterDelete = func(context.Context, *user.User) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				if err := f.m.Delete(ctx, f.u); err != nil {
					return err
				}
				if _, err := f.store.Get(ctx, f.u.ID); !errors.Is(err, user.ErrNotFound) {
					return fmt.Errorf("after Delete, Get = %v", err)
				}
				return nil
			}},
		{"AfterForgotPassword", func(h *user.Hooks[*user.User]) {
			h.AfterForgotPassword = func(context.Context, *user.User, string) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				return f.m.ForgotPassword(ctx, "king.arthur@camelot.bt")
			}},
		{"AfterResetPassword", func(h *user.Hooks[*user.User]) {
			h.AfterResetPassword = func(context.Context, *user.User) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				if err := f.m.ForgotPassword(ctx, "king.arthur@camelot.bt"); err != nil {
					return err
				}
				if _, err := f.m.ResetPassword(ctx, f.resetToken, "a-new-password-42"); err != nil {
					return err
				}
				_, err := f.m.Authenticate(ctx, "king.arthur@camelot.bt", "a-new-password-42")
				return err
			}},
		{"AfterRequestVerify", func(h *user.Hooks[*user.User]) {
			h.AfterRequestVerify = func(context.Context, *user.User, string) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				return f.m.RequestVerify(ctx, "king.arthur@camelot.bt")
			}},
		{"AfterVerify", func(h *user.Hooks[*user.User]) {
			h.AfterVerify = func(context.Context, *user.User) error { boom(); return nil }
		},
			func(ctx context.Context, f *hookFixture) error {
				if err := f.m.RequestVerify(ctx, "king.arthur@camelot.bt"); err != nil {
					return err
				}
				u, err := f.m.Verify(ctx, f.vfToken)
				if err == nil && !u.IsVerified {
					err = errors.New("not verified")
				}
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.hook, func(t *testing.T) {
			f := newHookFixture(t, tt.set)
			if err := tt.run(context.Background(), f); err != nil {
				t.Fatalf("with a panicking %s: %v", tt.hook, err)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, `msg="hook panicked" hook=`+tt.hook) || !strings.Contains(logs, "stack=") {
				t.Errorf("the panic is not logged with the hook's name and stack:\n%s", logs)
			}
			if strings.Contains(logs, "hunter2") {
				t.Errorf("the log holds the panic value:\n%s", logs)
			}
		})
	}
}

// TestRefusingHookPanics: a panicking BeforeDelete or ValidatePassword is
// an error (500 over HTTP), not a refusal code, and the operation is not
// done.
func TestRefusingHookPanics(t *testing.T) {
	ctx := context.Background()
	t.Run("BeforeDelete", func(t *testing.T) {
		f := newHookFixture(t, func(h *user.Hooks[*user.User]) {
			h.BeforeDelete = func(context.Context, *user.User) error { boom(); return nil }
			h.AfterDelete = func(context.Context, *user.User) error { return errors.New("AfterDelete ran") }
		})
		err := f.m.Delete(ctx, f.u)
		if !errors.Is(err, user.ErrHookPanicked) || errors.As(err, new(*user.RejectedError)) {
			t.Fatalf("Delete = %v, want ErrHookPanicked and no refusal code", err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error %q holds the panic value", err)
		}
		if _, err := f.store.Get(ctx, f.u.ID); err != nil {
			t.Errorf("the user is gone: %v", err)
		}
		if len(f.sessions.calls) != 0 || strings.Contains(f.logs.String(), "AfterDelete ran") {
			t.Error("sessions were ended or AfterDelete ran")
		}
	})

	validation := func(h *user.Hooks[*user.User]) {
		h.ValidatePassword = func(context.Context, string, *user.User) error {
			fields := strings.Fields("")
			_ = fields[len(fields)] // a runtime error: its text is safe to log
			return nil
		}
	}
	for _, tt := range []struct {
		name    string
		prepare func(*hookFixture)
		run     func(*hookFixture) error
	}{
		{"ValidatePassword on Register", nil, func(f *hookFixture) error {
			_, err := f.m.Register(ctx, &user.User{Base: user.Base{Email: "galahad@camelot.bt"}}, "holy-grail-quest")
			if _, gerr := f.store.GetByEmail(ctx, "galahad@camelot.bt"); !errors.Is(gerr, user.ErrNotFound) {
				t.Errorf("the user was stored: %v", gerr)
			}
			return err
		}},
		{"ValidatePassword on UpdateSelf", nil, func(f *hookFixture) error {
			_, err := f.m.UpdateSelf(ctx, f.u, user.Update{Password: ptr("a-new-password-42")})
			return err
		}},
		{"ValidatePassword on ResetPassword", func(f *hookFixture) {
			if err := f.m.ForgotPassword(ctx, "king.arthur@camelot.bt"); err != nil {
				t.Fatal(err)
			}
		}, func(f *hookFixture) error {
			_, err := f.m.ResetPassword(ctx, f.resetToken, "a-new-password-42")
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newHookFixture(t, validation)
			if tt.prepare != nil {
				tt.prepare(f)
			}
			before := f.hasher.Stats()
			err := tt.run(f)
			if !errors.Is(err, user.ErrHookPanicked) || errors.As(err, new(*user.InvalidPasswordError)) {
				t.Fatalf("err = %v, want ErrHookPanicked and no password refusal", err)
			}
			if s := f.hasher.Stats(); s.Hashes != before.Hashes {
				t.Error("the refused password was hashed")
			}
			if _, err := f.m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere"); err != nil {
				t.Errorf("the old password no longer works: %v", err)
			}
			if len(f.sessions.calls) != 0 {
				t.Error("sessions were ended")
			}
			if logs := f.logs.String(); !strings.Contains(logs, "index out of range [0] with length 0") {
				t.Errorf("the runtime error is not logged:\n%s", logs)
			}
		})
	}
}

// TestAfterFailedLoginFails: a failing hook is logged and changes nothing;
// the hook gets the username as sent, never the password.
func TestAfterFailedLoginFails(t *testing.T) {
	var got []string
	f := newHookFixture(t, func(h *user.Hooks[*user.User]) {
		h.AfterFailedLogin = func(_ context.Context, email string, reason user.LoginFailure) error {
			got = append(got, email, string(reason))
			return errors.New("audit log unreachable")
		}
	})
	_, err := f.m.Authenticate(context.Background(), " King.Arthur@camelot.bt", "Guinevere-1")
	if !errors.Is(err, user.ErrInvalidCredentials) {
		t.Fatalf("Authenticate = %v", err)
	}
	if strings.Join(got, "|") != " King.Arthur@camelot.bt|unknown_email" {
		t.Errorf("hook got %q", got)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `msg="hook failed" hook=AfterFailedLogin error="audit log unreachable"`) {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
	if strings.Contains(logs, "Guinevere-1") || strings.Contains(logs, "user_id=00000000") {
		t.Errorf("the log holds the password or a nil user id:\n%s", logs)
	}
}
