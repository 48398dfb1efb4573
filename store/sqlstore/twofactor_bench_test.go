package sqlstore_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// BenchmarkLoginSecondStep is the store's part of a login's second step:
// the policy's lookup (SecondFactors), issuing the ticket, and completing
// it with a TOTP code, on each database.
func BenchmarkLoginSecondStep(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			ctx := b.Context()
			now := time.Date(2026, 7, 14, 9, 30, 10, 0, time.UTC)
			h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: auth.Argon2Params{Memory: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}})
			if err != nil {
				b.Fatal(err)
			}
			secret := []byte("a-secret-of-at-least-32-bytes-for-the-test")
			seal, _ := auth.DeriveSealKey(secret)
			recovery, _ := auth.DeriveKey(secret, auth.RecoveryCodeKeyLabel)
			m, err := user.NewManager(user.ManagerOptions[*user.User]{
				Store: be.open(b).Users(), Hasher: h, TOTPIssuer: "Camelot", Logger: slog.New(slog.DiscardHandler),
				SealKeys: []auth.SealKey{seal}, RecoveryCodeKey: recovery, Now: func() time.Time { return now },
			})
			if err != nil {
				b.Fatal(err)
			}
			u, err := m.Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "excalibur-in-the-stone")
			if err != nil {
				b.Fatal(err)
			}
			e, _ := m.BeginTOTP(ctx, u, "excalibur-in-the-stone")
			code, _ := totp.Code(e.Secret, now)
			if _, err := m.ConfirmTOTP(ctx, u, code); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				now = now.Add(totp.Period)
				if _, err := m.SecondFactors(ctx, u); err != nil {
					b.Fatal(err)
				}
				tk, err := m.IssueLoginTicket(ctx, u, "jwt")
				if err != nil {
					b.Fatal(err)
				}
				code, _ := totp.Code(e.Secret, now)
				if _, err := m.CompleteLoginTicket(ctx, tk, "jwt", code); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
