package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// TestResetTwoFactor: reset-2fa removes a user's second factors, passkeys
// included, and ends the user's sessions (the token epoch moves on); a user
// without any is told so and left as it is; an unknown user fails.
func TestResetTwoFactor(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			users := c.seed(user.Base{Email: "king.arthur@camelot.bt"}, user.Base{Email: "lancelot@camelot.bt"}, user.Base{Email: "gawain@camelot.bt"})
			ctx := context.Background()
			store := c.store()
			if err := store.SetPendingTOTP(ctx, user.TOTPFactor{UserID: users[0].ID, SealedSecret: "v1.k.AAAA", CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := store.ConfirmTOTP(ctx, users[0].ID, "v1.k.AAAA", 1, time.Now(), nil); err != nil {
				t.Fatal(err)
			}
			epoch := c.get("king.arthur@camelot.bt").TokenEpoch
			r := c.mustRun(nil, "reset-2fa", "KING.ARTHUR@camelot.bt")
			if !strings.Contains(r.stdout, "removed the second factors of king.arthur@camelot.bt") {
				t.Fatalf("%v", r)
			}
			if _, err := store.TOTP(ctx, users[0].ID); err == nil {
				t.Fatal("the TOTP factor is still there")
			}
			if c.get("king.arthur@camelot.bt").TokenEpoch == epoch {
				t.Fatal("the user's sessions were not ended")
			}
			// A user with passkeys alone.
			for i, cred := range []string{"gawain-phone", "gawain-key"} {
				if err := store.AddPasskey(ctx, user.Passkey{ID: uuid.New(), UserID: users[2].ID, Name: "key", CredentialID: []byte(cred),
					PublicKey: []byte{byte(i)}, CreatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			r = c.mustRun(nil, "reset-2fa", "gawain@camelot.bt")
			if !strings.Contains(r.stdout, "removed the second factors of gawain@camelot.bt") {
				t.Fatalf("%v", r)
			}
			if n, _ := store.CountPasskeys(ctx, users[2].ID); n != 0 {
				t.Fatalf("%d passkeys left", n)
			}
			r = c.mustRun(nil, "reset-2fa", "lancelot@camelot.bt")
			if !strings.Contains(r.stderr, "has no second factor; nothing changed") {
				t.Fatalf("%v", r)
			}
			if r := c.run(nil, "reset-2fa", "nobody@camelot.bt"); r.code != exitFailure {
				t.Fatalf("an unknown user: %v", r)
			}
		})
	}
}
