package usersauth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// stubRP stands in for a relying party where no ceremony runs: the routes'
// existence and New's checks do not need one. (The ceremonies over HTTP
// are tested in internal/integration, with passkey/webauthn, which the
// root's tests must not link.)
type stubRP struct{ passkey.RelyingParty }

// TestPasskeyRoutes: passkeys off, none of their routes exist; on, they
// do, and so do the second step and the factors' status without TOTP,
// whose own routes stay off.
func TestPasskeyRoutes(t *testing.T) {
	routes := []struct{ method, path string }{
		{"POST", "/auth/jwt/passkey/begin"},
		{"POST", "/auth/cookie/passkey/finish"},
		{"POST", "/users/me/passkeys/begin"},
		{"POST", "/users/me/passkeys/finish"},
		{"GET", "/users/me/passkeys"},
		{"DELETE", "/users/me/passkeys/0d1e2f3a-4b5c-4e8a-9b6c-5e0c2a1b7d3f"},
		{"POST", "/auth/jwt/login/2fa"},
		{"GET", "/users/me/2fa"},
	}
	t.Run("off", func(t *testing.T) {
		ta := newUserApp(t, nil)
		for _, r := range routes {
			if res := ta.do(newReq(r.method, r.path)); res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s without passkeys: %d %s", r.method, r.path, res.Status, res.Body)
			}
		}
	})
	t.Run("on without TwoFactor", func(t *testing.T) {
		ta := newUserApp(t, func(o *Options[*user.User]) { o.Passkeys = stubRP{} })
		for _, r := range routes {
			res := ta.do(newReq(r.method, r.path).JSON(`{"ticket": 5}`))
			if res.Status == http.StatusNotFound || res.Status == http.StatusMethodNotAllowed || res.Status >= 500 {
				t.Errorf("%s %s with passkeys: %d %s", r.method, r.path, res.Status, res.Body)
			}
		}
		for _, path := range []string{"/users/me/2fa/totp", "/users/me/2fa/recovery-codes"} {
			if res := ta.do(newReq("POST", path)); res.Status != http.StatusNotFound {
				t.Errorf("POST %s without TwoFactor: %d", path, res.Status)
			}
		}
		// The second step takes a passkey only: a code is not enough.
		res := ta.do(newReq("POST", "/auth/jwt/login/2fa").JSON(`{"ticket": "abc", "code": "123456"}`))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"loc":["body","credential"]`) {
			t.Errorf("a code without TwoFactor: %d %s", res.Status, res.Body)
		}
	})
}

// TestNewPasskeys: New refuses passkeys over a store without the
// capability, and RequireTwoFactor with passkeys alone is a configuration
// that works.
func TestNewPasskeys(t *testing.T) {
	type usersOnly struct{ user.Store[*user.User] }
	_, err := New(Options[*user.User]{Store: usersOnly{memory.New[*user.User]()}, Secret: testSecret, Backends: testBackends(), Passkeys: stubRP{}})
	if err == nil || !strings.Contains(err.Error(), "PasskeyStore") {
		t.Fatalf("New with a store without passkeys = %v", err)
	}
	_, err = New(Options[*user.User]{Store: memory.New[*user.User](), Secret: testSecret, Backends: testBackends(), Passkeys: stubRP{},
		RequireTwoFactor: func(*user.User) bool { return true }})
	if err != nil {
		t.Fatalf("RequireTwoFactor with Passkeys: %v", err)
	}
}

// TestPasskeyBodies: the passkey routes read their bodies strictly, before
// any ceremony: malformed JSON and wrong shapes are 422, and a credential
// is never echoed.
func TestPasskeyBodies(t *testing.T) {
	ta := newUserApp(t, func(o *Options[*user.User]) { o.Passkeys = stubRP{} })
	for _, tc := range []struct {
		name, path, body string
		loc              string
	}{
		{"finish without ticket", "/auth/jwt/passkey/finish", `{"credential": {"id": "Excalibur"}}`, `["body","ticket"]`},
		{"finish without credential", "/auth/jwt/passkey/finish", `{"ticket": "t"}`, `["body","credential"]`},
		{"credential not an object", "/auth/jwt/passkey/finish", `{"ticket": "t", "credential": "Excalibur"}`, `["body","credential"]`},
		{"ticket not a string", "/auth/jwt/passkey/begin", `{"ticket": 5}`, `["body","ticket"]`},
		{"begin not an object", "/auth/jwt/passkey/begin", `["Excalibur"]`, `["body"]`},
		{"malformed begin", "/auth/jwt/passkey/begin", `{"ticket"`, `["body",9]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ta.do(newReq("POST", tc.path).JSON(tc.body))
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"loc":`+tc.loc) {
				t.Fatalf("%d %s, want 422 at %s", res.Status, res.Body, tc.loc)
			}
			if strings.Contains(string(res.Body), "Excalibur") {
				t.Fatalf("the answer %s echoes the body", res.Body)
			}
		})
	}
	if res := ta.do(newReq("POST", "/auth/jwt/passkey/finish").Raw("application/x-www-form-urlencoded", "ticket=t")); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a form: %d %s", res.Status, res.Body)
	}
}
