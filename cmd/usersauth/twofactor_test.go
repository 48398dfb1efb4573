package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/user"
)

// TestResetTwoFactor: reset-2fa removes a user's second factors and ends
// the user's sessions (the token epoch moves on); a user without any is
// told so and left as it is; an unknown user fails.
func TestResetTwoFactor(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			users := c.seed(user.Base{Email: "king.arthur@camelot.bt"}, user.Base{Email: "lancelot@camelot.bt"})
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
