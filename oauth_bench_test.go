package usersauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkOAuthAuthorize: GET /auth/{provider}/authorize, a new CSRF token,
// a signed state, the derived PKCE challenge and nonce, the URL.
func BenchmarkOAuthAuthorize(b *testing.B) {
	e := newOAuthEnv(b, nil)
	h := e.ua.Handler()
	r := httptest.NewRequest(http.MethodGet, "/auth/dev/authorize?redirect_to="+url.QueryEscape(frontend+"/x"), nil)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{H: http.Header{}}
		h.ServeHTTP(w, r)
	}
}

// BenchmarkOAuthCallbackForged: the cost of refusing a callback whose state
// is genuine but whose CSRF cookie is not the browser's, the login CSRF
// attempt: the state's signature is checked, nothing is stored or fetched.
func BenchmarkOAuthCallbackForged(b *testing.B) {
	e := newOAuthEnv(b, nil)
	h := e.ua.Handler()
	state, _, err := e.ua.oauth.provider("dev").flow.MintState(nil, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/auth/dev/callback?"+url.Values{"code": {"c"}, "state": {state}}.Encode(), nil)
	r.Header.Set("Cookie", DefaultCSRFCookieName+"=not-the-one")
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{H: http.Header{}}
		h.ServeHTTP(w, r)
	}
}

// BenchmarkOAuthSignIn: a whole sign-in of an existing account over HTTP on
// loopback: authorize, the development provider's authorization and token
// endpoints (an ES256 ID token) and JWKS cache, the callback's checks, the
// account update and a JWT.
func BenchmarkOAuthSignIn(b *testing.B) {
	e := newOAuthEnv(b, nil)
	br := e.browser()
	if r := br.signIn(e, "dev", "king.arthur@camelot.bt"); r.Status != http.StatusOK {
		b.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := br.signIn(e, "dev", "king.arthur@camelot.bt"); r.Status != http.StatusOK {
			b.Fatalf("sign-in: %d %s", r.Status, r.Body)
		}
	}
}

// BenchmarkGetMeWithAccounts: GET /users/me with IncludeOAuthAccounts, the
// second query it costs.
func BenchmarkGetMeWithAccounts(b *testing.B) {
	e := newOAuthEnv(b, func(c *oauthConfig) { c.opts.IncludeOAuthAccounts = true })
	token := e.browser().signIn(e, "dev", "king.arthur@camelot.bt").JSON(b)["access_token"].(string)
	h := e.ua.Handler()
	r := httptest.NewRequest(http.MethodGet, "/users/me", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{H: http.Header{}}
		h.ServeHTTP(w, r)
	}
}
