package user_test

import (
	"testing"

	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// BenchmarkSecondFactors is what the sign-in policy adds to every login:
// one lookup for a user without second factors, two with TOTP.
func BenchmarkSecondFactors(b *testing.B) {
	f := newTFFixture(b)
	plain := f.newUser(b, "percival@camelot.bt")
	enrolled := f.newUser(b, "king.arthur@camelot.bt")
	f.enrol(b, enrolled)
	for _, bc := range []struct {
		name string
		u    *user.User
	}{{"without", plain}, {"totp", enrolled}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.m.SecondFactors(b.Context(), bc.u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoginSecondStep is the second step of a login: issuing the
// ticket and completing it with a TOTP code (one HMAC per step checked,
// one AES-GCM open, the step's compare-and-set, the ticket taken).
func BenchmarkLoginSecondStep(b *testing.B) {
	f := newTFFixture(b)
	u := f.newUser(b, "king.arthur@camelot.bt")
	secret, _ := f.enrol(b, u)
	ctx := b.Context()
	for b.Loop() {
		f.clock.Advance(totp.Period)
		code, _ := totp.Code(secret, f.clock.Now())
		tk, err := f.m.IssueLoginTicket(ctx, u, "jwt")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.m.CompleteLoginTicket(ctx, tk, "jwt", code); err != nil {
			b.Fatal(err)
		}
	}
}
