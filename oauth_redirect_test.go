package usersauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/internal/oauthflow"
	"github.com/usersauth/usersauth/user"
)

// TestOAuthFrontendRedirect: with ?redirect_to=, the callback answers 303 to
// the frontend: with the session cookie, the bearer token in the fragment,
// or error=<detail> on failure; never anywhere the allow-list does not name.
func TestOAuthFrontendRedirect(t *testing.T) {
	target := frontend + "/signed-in?from=oauth"
	authorizeTo := func(name, to string) string {
		return "/auth/" + name + "/authorize?redirect_to=" + url.QueryEscape(to)
	}
	seeOther := func(t *testing.T, r reply) *url.URL {
		t.Helper()
		if r.Status != http.StatusSeeOther || len(r.Body) != 0 {
			t.Fatalf("callback answered %d %v %s, want 303", r.Status, r.Header, r.Body)
		}
		u, err := url.Parse(r.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	t.Run("Bearer", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		b := e.browser()
		loc := seeOther(t, b.get(b.atProvider(b.authorize(e, authorizeTo("dev", target)), "lancelot@camelot.bt")))
		frag, err := url.ParseQuery(loc.Fragment)
		if err != nil || frag.Get("token_type") != "bearer" {
			t.Fatalf("Location fragment %q", loc.Fragment)
		}
		loc.Fragment = ""
		if loc.String() != target {
			t.Errorf("Location %s, want %s", loc, target)
		}
		if e.me(frag.Get("access_token")).JSON(t)["email"] != "lancelot@camelot.bt" {
			t.Error("the token in the fragment does not work")
		}
	})
	t.Run("Cookie", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		b := e.browser()
		r := b.get(b.atProvider(b.authorize(e, authorizeTo("devcookie", target)), "lancelot@camelot.bt"))
		if loc := seeOther(t, r); loc.String() != target {
			t.Errorf("Location %s, want %s", loc, target)
		}
		if c := r.Cookie("fastapiusersauth"); c == nil || c.Value == "" {
			t.Fatalf("no session cookie with the redirect: %v", r.Header["Set-Cookie"])
		}
		if c := r.Cookie(DefaultCSRFCookieName); c == nil || c.MaxAge >= 0 {
			t.Error("the CSRF cookie was not cleared")
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("a redirect carrying a session may be cached")
		}
		if b.get(e.app.URL+"/users/me").Status != http.StatusOK {
			t.Error("the session cookie does not work")
		}
	})
	t.Run("Associate", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		b := e.browser()
		b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
		r := b.get(b.atProvider(b.authorize(e, "/auth/associate/dev/authorize?redirect_to="+url.QueryEscape(target)), "lancelot@camelot.bt"))
		if loc := seeOther(t, r); loc.String() != target {
			t.Errorf("Location %s, want %s", loc, target)
		}
	})
	failures := []struct {
		name   string
		run    func(t *testing.T, e *oauthEnv, b *browser) reply
		detail string
	}{
		{"UserExists", func(t *testing.T, e *oauthEnv, b *browser) reply {
			e.register("lancelot@camelot.bt", "guinevere")
			return b.get(b.atProvider(b.authorize(e, authorizeTo("dev", target)), "lancelot@camelot.bt"))
		}, "OAUTH_USER_ALREADY_EXISTS"},
		{"ProviderError", func(t *testing.T, e *oauthEnv, b *browser) reply {
			return b.get(b.atProvider(b.authorize(e, authorizeTo("dev", target)), "lancelot@camelot.bt", "dev_error", "access_denied"))
		}, "access_denied"},
		{"CSRFCookieMissing", func(t *testing.T, e *oauthEnv, b *browser) reply {
			cb := b.atProvider(b.authorize(e, authorizeTo("dev", target)), "lancelot@camelot.bt")
			b.setAppCookie(DefaultCSRFCookieName, "")
			return b.get(cb)
		}, "OAUTH_INVALID_STATE"},
		{"Inactive", func(t *testing.T, e *oauthEnv, b *browser) reply {
			e.browser().signIn(e, "dev", "lancelot@camelot.bt")
			e.set(e.userByEmail("lancelot@camelot.bt").ID, func(b *user.Base) { b.IsActive = false })
			return b.get(b.atProvider(b.authorize(e, authorizeTo("dev", target)), "lancelot@camelot.bt"))
		}, "LOGIN_BAD_CREDENTIALS"},
	}
	for _, c := range failures {
		t.Run("Failure"+c.name, func(t *testing.T) {
			e := newOAuthEnv(t, nil)
			loc := seeOther(t, c.run(t, e, e.browser()))
			q := loc.Query()
			if q.Get("error") != c.detail || q.Get("from") != "oauth" {
				t.Errorf("Location %s, want error=%s added to the target's query", loc, c.detail)
			}
			loc.RawQuery = ""
			if loc.String() != frontend+"/signed-in" {
				t.Errorf("Location %s, want the target", loc)
			}
		})
	}
	t.Run("UntrustedStateIsNotFollowed", func(t *testing.T) {
		// A state that fails its signature or expiry says nothing
		// trustworthy about where to go: the answer is JSON.
		e := newOAuthEnv(t, nil)
		b := e.browser()
		cb := b.atProvider(b.authorize(e, authorizeTo("dev", target)), "lancelot@camelot.bt")
		e.clock.Advance(StateLifetime + 1)
		r := b.get(cb)
		wantDetail(t, r, http.StatusBadRequest, "ACCESS_TOKEN_ALREADY_EXPIRED")
		if r.Header.Get("Location") != "" {
			t.Fatal("an expired state's redirect was followed")
		}
	})
	t.Run("TargetCheckedAgainAtCallback", func(t *testing.T) {
		// A genuine state whose target the allow-list no longer names
		// (the configuration changed since) is not followed.
		e := newOAuthEnv(t, nil)
		b := e.browser()
		b.authorize(e, "/auth/dev/authorize")
		p := e.ua.oauth.provider("dev").flow
		wider, err := oauthflow.New(oauthflow.Config{Provider: p.Provider(), RedirectURL: p.RedirectURL(),
			StateSecret: testSecret, AllowedRedirectOrigins: []string{"https://evil.example"}, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		evil, _ := url.Parse("https://evil.example/")
		state, csrf, err := wider.MintState(nil, "", evil)
		if err != nil {
			t.Fatal(err)
		}
		b.setAppCookie(DefaultCSRFCookieName, csrf)
		r := b.get(e.app.URL + "/auth/dev/callback?" + url.Values{"code": {"x"}, "state": {state}}.Encode())
		wantDetail(t, r, http.StatusBadRequest, "OAUTH_INVALID_STATE")
		if r.Header.Get("Location") != "" {
			t.Fatal("redirected to a target outside the allow-list")
		}
	})
	t.Run("RefusedAtAuthorize", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		b := e.browser()
		for _, to := range []string{"https://evil.example/", "//evil.example", "https://app.camelot.bt@evil.example", `https://app.camelot.bt\@evil.example`, "https://app.camelot.bt:8443/"} {
			r := b.get(e.app.URL + authorizeTo("dev", to))
			if r.Status != http.StatusUnprocessableEntity || r.Cookie(DefaultCSRFCookieName) != nil {
				t.Errorf("redirect_to=%s: %d %s, want 422 and no cookie", to, r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), "evil") {
				t.Errorf("the refusal echoes the target: %s", r.Body)
			}
		}
		r := b.get(e.app.URL + "/auth/dev/authorize?redirect_to=" + url.QueryEscape(target) + "&redirect_to=" + url.QueryEscape(target))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("two redirect_to: %d, want 422", r.Status)
		}
	})
	t.Run("NoAllowList", func(t *testing.T) {
		e := newOAuthEnv(t, func(c *oauthConfig) { c.opts.OAuth[0].AllowedRedirectOrigins = nil })
		r := e.browser().get(e.app.URL + authorizeTo("dev", target))
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("redirect_to without an allow-list: %d %s, want 422", r.Status, r.Body)
		}
	})
}
