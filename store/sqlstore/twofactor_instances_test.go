package sqlstore_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// TestTwoFactorAcrossInstances: two Managers on two connection pools to one
// database, as two instances behind a load balancer: a factor enrolled
// through one is required by the other, a ticket issued by one completes
// on the other, once, and a code used on one is refused by the other.
func TestTwoFactorAcrossInstances(t *testing.T) {
	for _, tc := range []struct {
		name, driver string
		dsn          func(t *testing.T) string
	}{
		{"sqlite-file", "sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "users.db") }},
		{"postgres", "pgx", func(t *testing.T) string { return testenv.PostgresSchema(t, "sqlstore") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dsn := tc.dsn(t)
			now := time.Date(2026, 7, 14, 9, 30, 10, 0, time.UTC)
			clock := func() time.Time { return now }
			h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: auth.Argon2Params{Memory: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}})
			if err != nil {
				t.Fatal(err)
			}
			secret := []byte("a-secret-of-at-least-32-bytes-for-the-test")
			seal, _ := auth.DeriveSealKey(secret)
			recovery, _ := auth.DeriveKey(secret, auth.RecoveryCodeKeyLabel)
			instance := func() *user.Manager[*user.User] {
				m, err := user.NewManager(user.ManagerOptions[*user.User]{
					Store: mustOpen(t, tc.driver, dsn).Users(), Hasher: h,
					TOTPIssuer: "Camelot", SealKeys: []auth.SealKey{seal}, RecoveryCodeKey: recovery, Now: clock,
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := m.TwoFactorReady(); err != nil {
					t.Fatal(err)
				}
				return m
			}
			a, b := instance(), instance()

			u, err := a.Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "excalibur-in-the-stone")
			if err != nil {
				t.Fatal(err)
			}
			e, err := a.BeginTOTP(ctx, u, "excalibur-in-the-stone")
			if err != nil {
				t.Fatal(err)
			}
			code, _ := totp.Code(e.Secret, now)
			codes, err := b.ConfirmTOTP(ctx, u, code)
			if err != nil {
				t.Fatalf("confirming on the other instance: %v", err)
			}
			if methods, _ := a.SecondFactors(ctx, u); len(methods) != 2 {
				t.Fatalf("SecondFactors on the first instance = %v", methods)
			}
			now = now.Add(totp.Period)
			tk, err := a.IssueLoginTicket(ctx, u, "jwt")
			if err != nil {
				t.Fatal(err)
			}
			next, _ := totp.Code(e.Secret, now)
			if _, err := b.CompleteLoginTicket(ctx, tk, "jwt", next); err != nil {
				t.Fatalf("completing on the other instance: %v", err)
			}
			if _, err := a.CompleteLoginTicket(ctx, tk, "jwt", next); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("the used ticket on the first instance = %v, want ErrBadTicket", err)
			}
			tk, _ = b.IssueLoginTicket(ctx, u, "jwt")
			if _, err := a.CompleteLoginTicket(ctx, tk, "jwt", next); !errors.Is(err, user.ErrBadCode) {
				t.Fatalf("a code used on the other instance = %v, want ErrBadCode", err)
			}
			if _, err := a.CompleteLoginTicket(ctx, tk, "jwt", codes[0]); err != nil {
				t.Fatalf("a recovery code: %v", err)
			}
			if st, err := b.TwoFactorStatus(ctx, u); err != nil || st.RecoveryCodesLeft != 9 {
				t.Fatalf("TwoFactorStatus on the other instance = %+v, %v", st, err)
			}
			if err := b.Delete(ctx, u); err != nil {
				t.Fatal(err)
			}
			if methods, err := a.SecondFactors(ctx, u); err != nil || methods != nil {
				t.Fatalf("a deleted user's factors = %v, %v", methods, err)
			}
		})
	}
}
