package user_test

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// FuzzCompleteLoginTicket: whatever ticket and code a client sends, the
// second step never panics and answers only ErrBadTicket or ErrBadCode; a
// real ticket with a code that is not its user's never signs in.
func FuzzCompleteLoginTicket(f *testing.F) {
	ctx := f.Context()
	store := memory.New[*user.User]()
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: small})
	if err != nil {
		f.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 7, 14, 9, 30, 10, 0, time.UTC)}
	seal, _ := auth.DeriveSealKey(testSecret)
	recovery, _ := auth.DeriveKey(testSecret, auth.RecoveryCodeKeyLabel)
	m, err := user.NewManager(user.ManagerOptions[*user.User]{
		Store: store, Hasher: h, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)),
		TOTPIssuer: "Camelot", SealKeys: []auth.SealKey{seal}, RecoveryCodeKey: recovery, Now: c.Now,
	})
	if err != nil {
		f.Fatal(err)
	}
	u, err := m.Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, tfPassword)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := m.BeginTOTP(ctx, u, tfPassword); err != nil {
		f.Fatal(err)
	}
	// The factor is left pending: no code of the fuzzer's can be right, yet
	// SecondFactors is not asked, so tickets are issued all the same.
	valid, _ := auth.RandomToken(nil)
	for _, s := range []struct{ ticket, code string }{
		{valid, "123456"}, {"", ""}, {"issued", "7kq2m-x9d4p"}, {valid + "=", " 000000 "}, {"issued", "１２３４５６"},
	} {
		f.Add(s.ticket, s.code)
	}
	f.Fuzz(func(t *testing.T, ticket, code string) {
		if ticket == "issued" {
			var err error
			if ticket, err = m.IssueLoginTicket(ctx, u, "jwt"); err != nil {
				t.Fatal(err)
			}
		}
		got, err := m.CompleteLoginTicket(ctx, ticket, "jwt", code)
		if err == nil || !(errors.Is(err, user.ErrBadTicket) || errors.Is(err, user.ErrBadCode)) {
			t.Fatalf("CompleteLoginTicket(%q, %q) = %v, %v", ticket, code, got, err)
		}
	})
}
