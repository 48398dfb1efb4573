package user_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// A user turns TOTP on, then logs in with a password and a code.
func ExampleManager_CompleteLoginTicket() {
	ctx := context.Background()
	secret := []byte("the host's Options.Secret, 32 bytes or more")
	sealKey, _ := auth.DeriveSealKey(secret)
	recoveryKey, _ := auth.DeriveKey(secret, auth.RecoveryCodeKeyLabel)
	hasher, _ := auth.NewPasswordHasher(auth.HasherOptions{})
	now := time.Date(2026, 7, 14, 9, 30, 0, 0, time.UTC)
	m, err := user.NewManager(user.ManagerOptions[*user.User]{
		Store: memory.New[*user.User](), Hasher: hasher,
		TOTPIssuer: "Camelot", SealKeys: []auth.SealKey{sealKey}, RecoveryCodeKey: recoveryKey,
		Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	u, _ := m.Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "guinevere-forever")

	// Enrolment: the password, then a first code from the app.
	enrolment, _ := m.BeginTOTP(ctx, u, "guinevere-forever")
	code, _ := totp.Code(enrolment.Secret, now) // what the app shows
	recoveryCodes, _ := m.ConfirmTOTP(ctx, u, code)
	fmt.Println(len(recoveryCodes), "recovery codes")

	// Login: the right password, then the second step.
	now = now.Add(30 * time.Second)
	logged, _ := m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere-forever")
	methods, _ := m.SecondFactors(ctx, logged)
	fmt.Println("second step by", methods)
	ticket, _ := m.IssueLoginTicket(ctx, logged, "jwt")

	_, err = m.CompleteLoginTicket(ctx, ticket, "jwt", "000000")
	fmt.Println(errors.Is(err, user.ErrBadCode))
	code, _ = totp.Code(enrolment.Secret, now)
	signedIn, err := m.CompleteLoginTicket(ctx, ticket, "jwt", code)
	fmt.Println(signedIn.Email, err)

	// Output:
	// 10 recovery codes
	// second step by [totp recovery_code]
	// true
	// king.arthur@camelot.bt <nil>
}
