package usersauth

import (
	"net/http"
	"testing"

	"github.com/usersauth/usersauth/user"
)

// TestRequireCurrentPassword: with Options.RequireCurrentPassword, PATCH
// /users/me that changes the e-mail or the password needs the current
// password; a wrong one counts as a failed login of the account; other
// changes need nothing.
func TestRequireCurrentPassword(t *testing.T) {
	missing := `{"detail":[{"type":"missing","loc":["body","current_password"],"msg":"Field required","input":null}]}`
	bad := `{"detail":"UPDATE_USER_BAD_CURRENT_PASSWORD"}`
	for _, c := range []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"password without it", `{"password":"excalibur"}`, 422, missing},
		{"e-mail without it", `{"email":"arthur@camelot.bt"}`, 422, missing},
		{"null", `{"password":"excalibur","current_password":null}`, 422, ""},
		{"wrong", `{"password":"excalibur","current_password":"morgana"}`, 400, bad},
		{"right", `{"password":"excalibur","current_password":"guinevere"}`, 200, ""},
		{"e-mail, right", `{"email":"arthur@camelot.bt","current_password":"guinevere"}`, 200, ""},
		{"nothing to confirm", `{}`, 200, ""},
		{"null password changes nothing", `{"password":null}`, 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ta := newUserApp(t, func(o *Options[*user.User]) { o.RequireCurrentPassword = true })
			ta.register("king.arthur@camelot.bt", "guinevere")
			token := ta.login("king.arthur@camelot.bt", "guinevere")
			res := ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(c.body))
			if res.Status != c.status || (c.want != "" && !sameJSON(t, res.Body, c.want)) {
				t.Fatalf("%d %s, want %d %s", res.Status, res.Body, c.status, c.want)
			}
		})
	}
	t.Run("WrongOnesCountAsFailedLogins", func(t *testing.T) {
		ta := newUserApp(t, func(o *Options[*user.User]) {
			o.RequireCurrentPassword = true
			o.Limits = nil
		})
		ta.register("king.arthur@camelot.bt", "guinevere")
		token := ta.login("king.arthur@camelot.bt", "guinevere")
		var throttled bool
		for range 10 {
			res := ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"password":"excalibur","current_password":"morgana"}`))
			if res.Status == http.StatusTooManyRequests {
				throttled = true
				break
			}
		}
		if !throttled {
			t.Fatal("ten wrong current passwords were all checked")
		}
		res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("login after the guesses: %d, want the account locked", res.Status)
		}
	})
	t.Run("NoPasswordSet", func(t *testing.T) {
		ta := newUserApp(t, func(o *Options[*user.User]) { o.RequireCurrentPassword = true })
		id := ta.register("king.arthur@camelot.bt", "guinevere")
		token := ta.login("king.arthur@camelot.bt", "guinevere")
		unusable, err := user.UnusablePassword(nil)
		if err != nil {
			t.Fatal(err)
		}
		ta.set(id, func(b *user.Base) { b.HashedPassword = unusable })
		res := ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"password":"excalibur","current_password":"guinevere"}`))
		if res.Status != 400 || !sameJSON(t, res.Body, bad) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
}
