package usersauth

import (
	"strings"
	"testing"

	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestNewOAuthOptions: New refuses every OAuth configuration that could not
// work, so that mistakes surface at startup, never at a request.
func TestNewOAuthOptions(t *testing.T) {
	gh := oauth.GitHub("client-id", "client-secret")
	base := func() Options[*user.User] {
		return Options[*user.User]{
			Store:    memory.New[*user.User](),
			Secret:   testSecret,
			Backends: testBackends(),
			OAuth: []OAuthProvider{{
				Provider:    gh,
				Backend:     "jwt",
				RedirectURL: "https://api.camelot.bt/auth/github/callback",
			}},
		}
	}
	renamed := func(name string) func(o *Options[*user.User]) {
		return func(o *Options[*user.User]) { o.OAuth[0].Provider.Name = name }
	}
	for _, c := range []struct {
		name   string
		change func(o *Options[*user.User])
		errHas string // "" when New must succeed
	}{
		{"Valid", func(*Options[*user.User]) {}, ""},
		{"LoopbackHTTP", func(o *Options[*user.User]) { o.OAuth[0].RedirectURL = "http://localhost:8000/auth/github/callback" }, ""},
		{"WithAssociation", func(o *Options[*user.User]) {
			o.OAuth[0].AssociateRedirectURL = "https://api.camelot.bt/auth/associate/github/callback"
		}, ""},
		{"UnknownBackend", func(o *Options[*user.User]) { o.OAuth[0].Backend = "session" }, `no backend named "session"`},
		{"NoBackend", func(o *Options[*user.User]) { o.OAuth[0].Backend = "" }, "no backend"},
		{"NameOfABackend", renamed("cookie"), "backend"},
		{"NameOfAFixedRoute", renamed("associate"), "fixed route"},
		{"NameOfRegister", renamed("register"), "fixed route"},
		{"InvalidName", renamed("Git Hub"), "name"},
		{"TwoProviders", func(o *Options[*user.User]) { o.OAuth = append(o.OAuth, o.OAuth[0]) }, "two OAuth providers"},
		{"NoRedirectURL", func(o *Options[*user.User]) { o.OAuth[0].RedirectURL = "" }, "RedirectURL: required"},
		{"RelativeRedirectURL", func(o *Options[*user.User]) { o.OAuth[0].RedirectURL = "/auth/github/callback" }, "RedirectURL"},
		{"PlainHTTPRedirectURL", func(o *Options[*user.User]) { o.OAuth[0].RedirectURL = "http://api.camelot.bt/cb" }, "plain http"},
		{"RedirectURLWithFragment", func(o *Options[*user.User]) { o.OAuth[0].RedirectURL = "https://api.camelot.bt/cb#x" }, "RedirectURL"},
		{"BadAssociateRedirectURL", func(o *Options[*user.User]) { o.OAuth[0].AssociateRedirectURL = "ftp://x/cb" }, "AssociateRedirectURL"},
		{"ShortStateSecret", func(o *Options[*user.User]) { o.OAuth[0].StateSecret = []byte("short") }, "StateSecret"},
		{"BadOrigin", func(o *Options[*user.User]) {
			o.OAuth[0].AllowedRedirectOrigins = []string{"https://app.camelot.bt/path"}
		}, "AllowedRedirectOrigins"},
		{"BadCookieName", func(o *Options[*user.User]) { o.OAuth[0].CSRFCookieName = "a b" }, "CSRFCookieName"},
		{"InvalidProvider", func(o *Options[*user.User]) { o.OAuth[0].Provider.TokenURL = "" }, "TokenURL"},
		{"StoreWithoutOAuth", func(o *Options[*user.User]) {
			o.Store = struct{ user.Store[*user.User] }{memory.New[*user.User]()}
		}, "user.OAuthStore"},
		{"IncludeAccountsWithoutOAuthStore", func(o *Options[*user.User]) {
			o.OAuth = nil
			o.IncludeOAuthAccounts = true
			o.Store = struct{ user.Store[*user.User] }{memory.New[*user.User]()}
		}, "user.OAuthStore"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := base()
			c.change(&o)
			_, err := New(o)
			switch {
			case c.errHas == "" && err != nil:
				t.Fatalf("New: %v", err)
			case c.errHas != "" && err == nil:
				t.Fatal("New accepted the configuration")
			case c.errHas != "" && !strings.Contains(err.Error(), c.errHas):
				t.Fatalf("New: %v, want an error about %s", err, c.errHas)
			}
			if err != nil && strings.Contains(err.Error(), "client-secret") {
				t.Fatal("the error shows the client secret")
			}
		})
	}
	t.Run("WithoutOAuth", func(t *testing.T) {
		o := base()
		o.OAuth = nil
		o.Store = struct{ user.Store[*user.User] }{memory.New[*user.User]()}
		if _, err := New(o); err != nil {
			t.Fatalf("New without OAuth over a store without the capability: %v", err)
		}
	})
	t.Run("Handlers", func(t *testing.T) {
		o := base()
		o.OAuth[0].AssociateRedirectURL = "https://api.camelot.bt/auth/associate/github/callback"
		ua, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		if ua.OAuthHandler("github") == nil || ua.OAuthAssociateHandler("github") == nil {
			t.Fatal("no handler")
		}
		for _, f := range []func(){func() { ua.OAuthHandler("gitlab") }, func() { ua.OAuthAssociateHandler("gitlab") }} {
			func() {
				defer func() {
					if recover() == nil {
						t.Error("an unknown provider's handler did not panic")
					}
				}()
				f()
			}()
		}
	})
}
