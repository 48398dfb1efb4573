package usersauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
)

// TestOAuthStrayCallbackKeepsCSRFCookie: a callback whose state does not
// match the browser's CSRF cookie (a forged link, a stray tab, a garbage
// state) leaves the cookie alone, so the genuine callback of the same
// sign-in still works; the callback whose state matched clears it.
func TestOAuthStrayCallbackKeepsCSRFCookie(t *testing.T) {
	strays := []struct {
		name  string
		query func(t *testing.T, e *oauthEnv) url.Values
		want  string
	}{
		{"GarbageState", func(*testing.T, *oauthEnv) url.Values {
			return url.Values{"code": {"x"}, "state": {"garbage"}}
		}, "ACCESS_TOKEN_DECODE_ERROR"},
		{"NoState", func(*testing.T, *oauthEnv) url.Values { return url.Values{"code": {"x"}} }, "ACCESS_TOKEN_DECODE_ERROR"},
		{"ProviderError", func(*testing.T, *oauthEnv) url.Values {
			return url.Values{"error": {"access_denied"}}
		}, "access_denied"},
		{"AnotherBrowsersState", func(t *testing.T, e *oauthEnv) url.Values {
			// A genuine state, minted for the attacker's own browser.
			state, _, err := e.ua.oauth.provider("dev").flow.MintState(nil, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			return url.Values{"code": {"x"}, "state": {state}}
		}, "OAUTH_INVALID_STATE"},
	}
	for _, c := range strays {
		t.Run(c.name, func(t *testing.T) {
			e := newOAuthEnv(t, nil)
			b := e.browser()
			genuine := b.atProvider(b.authorize(e, "/auth/dev/authorize"), "lancelot@camelot.bt")
			csrf := b.appCookie(DefaultCSRFCookieName)
			r := b.get(e.app.URL + "/auth/dev/callback?" + c.query(t, e).Encode())
			wantDetail(t, r, http.StatusBadRequest, c.want)
			if cookie := r.Cookie(DefaultCSRFCookieName); cookie != nil {
				t.Fatalf("a callback that did not match the cookie touched it: %v", cookie)
			}
			if b.appCookie(DefaultCSRFCookieName) != csrf {
				t.Fatal("the browser lost its CSRF cookie")
			}
			r = b.get(genuine)
			if r.Status != http.StatusOK {
				t.Fatalf("genuine callback after a stray one: %d %s", r.Status, r.Body)
			}
			if cookie := r.Cookie(DefaultCSRFCookieName); cookie == nil || cookie.MaxAge >= 0 {
				t.Fatal("the genuine callback did not clear the CSRF cookie")
			}
		})
	}
	t.Run("MatchedButFailed", func(t *testing.T) {
		// The state matched (so it is used up: replays are refused), but
		// the sign-in failed further on: the cookie goes with the state.
		e := newOAuthEnv(t, nil)
		b := e.browser()
		r := b.get(b.atProvider(b.authorize(e, "/auth/dev/authorize"), "lancelot@camelot.bt", "dev_no_email", "1"))
		wantDetail(t, r, http.StatusBadRequest, "OAUTH_NOT_AVAILABLE_EMAIL")
		if cookie := r.Cookie(DefaultCSRFCookieName); cookie == nil || cookie.MaxAge >= 0 {
			t.Fatal("a callback whose state matched kept the CSRF cookie")
		}
	})
}

// TestOAuthRedirectCallbackGivesRefreshTokens: with ?redirect_to=, a
// backend with refresh tokens gives them as its login would: a bearer
// backend's refresh token in the fragment, a cookie backend's refresh
// cookie with the redirect. Both work at the refresh route.
func TestOAuthRedirectCallbackGivesRefreshTokens(t *testing.T) {
	target := frontend + "/signed-in"
	withRefresh := func(c *oauthConfig) {
		for i := range c.opts.Backends {
			c.opts.Backends[i].Refresh = &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: 24 * time.Hour, MaxLifetime: 48 * time.Hour}
		}
		for i := range c.opts.OAuth {
			c.opts.OAuth[i].AllowedRedirectOrigins = []string{frontend}
		}
	}
	authorize := func(name string) string {
		return "/auth/" + name + "/authorize?redirect_to=" + url.QueryEscape(target)
	}
	t.Run("Bearer", func(t *testing.T) {
		e := newOAuthEnv(t, withRefresh)
		b := e.browser()
		r := b.get(b.atProvider(b.authorize(e, authorize("dev")), "lancelot@camelot.bt"))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("callback: %d %s", r.Status, r.Body)
		}
		loc, _ := url.Parse(r.Header.Get("Location"))
		frag, _ := url.ParseQuery(loc.Fragment)
		if frag.Get("access_token") == "" || frag.Get("refresh_token") == "" || frag.Get("token_type") != "bearer" {
			t.Fatalf("fragment %q, want the access and refresh tokens", loc.Fragment)
		}
		res, err := http.Post(e.app.URL+"/auth/jwt/refresh", "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"refresh_token": {frag.Get("refresh_token")}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("refresh with the fragment's token: %d", res.StatusCode)
		}
	})
	t.Run("Cookie", func(t *testing.T) {
		e := newOAuthEnv(t, withRefresh)
		b := e.browser()
		r := b.get(b.atProvider(b.authorize(e, authorize("devcookie")), "lancelot@camelot.bt"))
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != target {
			t.Fatalf("callback: %d %v", r.Status, r.Header)
		}
		if c := r.Cookie("fastapiusersauth"); c == nil || c.Value == "" {
			t.Fatal("no session cookie with the redirect")
		}
		rc := r.Cookie(backend.DefaultRefreshCookieName)
		if rc == nil || rc.Value == "" || rc.Path != "/auth/cookie/refresh" {
			t.Fatalf("refresh cookie %v, want one for /auth/cookie/refresh", rc)
		}
		if r := b.do(http.MethodPost, e.app.URL+"/auth/cookie/refresh"); r.Status != http.StatusNoContent {
			t.Fatalf("refresh with the cookie: %d %s", r.Status, r.Body)
		}
	})
}

// TestOAuthProviderAddresses: the address a provider vouches for is taken
// as FastAPI Users takes it: one on a special-use domain (an Active
// Directory's corp.local) signs in; one with an invisible character is
// OAUTH_NOT_AVAILABLE_EMAIL, with a log line that says why and never the
// address.
func TestOAuthProviderAddresses(t *testing.T) {
	t.Run("SpecialUseDomain", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		r := e.browser().signIn(e, "dev", "gawain@corp.local")
		if r.Status != http.StatusOK {
			t.Fatalf("sign-in: %d %s", r.Status, r.Body)
		}
		if got := e.me(r.JSON(t)["access_token"].(string)).JSON(t)["email"]; got != "gawain@corp.local" {
			t.Fatalf("e-mail %v", got)
		}
		if strings.Contains(e.logText(), "unusable e-mail") {
			t.Fatalf("a usable address was logged as refused:\n%s", e.logText())
		}
	})
	t.Run("InvisibleCharacter", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		r := e.browser().signIn(e, "dev", "gawain\u200b@camelot.bt")
		wantDetail(t, r, http.StatusBadRequest, "OAUTH_NOT_AVAILABLE_EMAIL")
		logs := e.logText()
		if !strings.Contains(logs, "unusable e-mail address from the provider") || !strings.Contains(logs, "U+200B") {
			t.Fatalf("no log line saying why:\n%s", logs)
		}
		if strings.Contains(logs, "gawain") {
			t.Fatalf("the address is logged:\n%s", logs)
		}
	})
}
