package devprovider_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

// TestAuthorizeNotRedirected: while the client or its redirect URI is in
// doubt, errors are shown, never sent to the URI (RFC 6749 section 4.1.2.1).
func TestAuthorizeNotRedirected(t *testing.T) {
	p := start(t, "")
	cases := []struct {
		name string
		q    url.Values
	}{
		{"unknown client", authQuery("client_id", "mallory")},
		{"no client", authQuery("client_id", "")},
		{"unregistered redirect URI", authQuery("redirect_uri", "https://evil.example/callback")},
		{"redirect URI with an extra path", authQuery("redirect_uri", appRedirect+"/x")},
		{"redirect URI with a query", authQuery("redirect_uri", appRedirect+"?next=/")},
		{"redirect URI of another case", authQuery("redirect_uri", strings.ToUpper(appRedirect))},
		{"no redirect URI", authQuery("redirect_uri", "")},
		{"repeated parameter", func() url.Values { q := authQuery(); q.Add("redirect_uri", appRedirect); return q }()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body, redirect := p.get(tc.q)
			if resp.StatusCode != http.StatusBadRequest || redirect != nil || !strings.Contains(body, "not for production") {
				t.Errorf("answer %d, redirect %v", resp.StatusCode, redirect)
			}
		})
	}
}

// TestAuthorizeRedirectedErrors: once the redirect URI is trusted, errors
// go back to the client with the state and the issuer.
func TestAuthorizeRedirectedErrors(t *testing.T) {
	p := start(t, "")
	cases := []struct {
		name string
		q    url.Values
		want string
	}{
		{"implicit flow", authQuery("response_type", "token"), "unsupported_response_type"},
		{"no PKCE", authQuery("code_challenge", "", "code_challenge_method", ""), "invalid_request"},
		{"PKCE plain", authQuery("code_challenge_method", "plain"), "invalid_request"},
		{"PKCE method missing", authQuery("code_challenge_method", ""), "invalid_request"},
		{"challenge too short", authQuery("code_challenge", challenge[:42]), "invalid_request"},
		{"challenge outside base64url", authQuery("code_challenge", challenge[:42]+"+"), "invalid_request"},
		{"auto without login_hint", authQuery("login_hint", ""), "invalid_request"},
		{"auto with a login_hint that is no address", authQuery("login_hint", "arthur"), "invalid_request"},
		{"simulated refusal", authQuery("dev_error", "access_denied"), "access_denied"},
		{"simulated server error", authQuery("dev_error", "temporarily_unavailable"), "temporarily_unavailable"},
		{"simulated error of a bad shape", authQuery("dev_error", "access_denied&code=x"), "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, _, q := p.get(tc.q)
			if resp.StatusCode != http.StatusFound || q.Get("error") != tc.want {
				t.Fatalf("answer %d, redirect %v; want error %s", resp.StatusCode, q, tc.want)
			}
			if q.Get("state") != "af0ifjsldkj" || q.Get("iss") != p.issuer || q.Has("code") {
				t.Errorf("redirect %v: want the state and iss, no code", q)
			}
		})
	}
}

// TestAuthorizeRedirect: a login sends the code back with the state and the
// issuer, added to the registered redirect URI's own query, never cached.
func TestAuthorizeRedirect(t *testing.T) {
	p := start(t, "")
	resp, _, q := p.get(authQuery())
	if resp.StatusCode != http.StatusFound || q.Get("code") == "" || q.Get("state") != "af0ifjsldkj" || q.Get("iss") != p.issuer {
		t.Fatalf("answer %d, %v", resp.StatusCode, q)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("the redirect carrying a code may be cached")
	}

	withQuery := "http://127.0.0.1:8000/cb?tenant=camelot"
	dev, err := devprovider.New(devprovider.Config{Issuer: "http://127.0.0.1:1", Clients: []devprovider.Client{{ID: appID, RedirectURIs: []string{withQuery}}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	dev.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize?"+authQuery("redirect_uri", withQuery).Encode(), nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || rec.Code != http.StatusFound || loc.Path != "/cb" || loc.Query().Get("tenant") != "camelot" || loc.Query().Get("code") == "" {
		t.Errorf("answer %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestLoginPage: without auto=1 a person types an address; the page
// escapes what the request holds and refuses to be framed.
func TestLoginPage(t *testing.T) {
	p := start(t, "")
	evilState := `"><script>alert(1)</script>`
	resp, body, redirect := p.get(authQuery("auto", "", "state", evilState))
	if resp.StatusCode != http.StatusOK || redirect != nil {
		t.Fatalf("answer %d", resp.StatusCode)
	}
	for _, want := range []string{"not for production", `name="email"`, `name="email_verified"`, `value="king.arthur@camelot.bt"`, `name="code_challenge" value="` + challenge + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("the state reached the page unescaped")
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("the page may be framed")
	}

	form := func(kv ...string) url.Values {
		f := authQuery(append([]string{"auto", "", "login_hint", ""}, kv...)...)
		return f
	}
	cases := []struct {
		name                    string
		form                    url.Values
		wantStatus              int
		wantError               string
		wantEmail, wantVerified bool
	}{
		{name: "log in verified", form: form("action", "allow", "email", " lancelot@camelot.bt ", "email_verified", "on", "share_email", "on"),
			wantStatus: http.StatusSeeOther, wantEmail: true, wantVerified: true},
		{name: "log in unverified", form: form("action", "allow", "email", "lancelot@camelot.bt", "share_email", "on"),
			wantStatus: http.StatusSeeOther, wantEmail: true},
		{name: "log in without sharing the e-mail", form: form("action", "allow", "email", "lancelot@camelot.bt", "email_verified", "on"),
			wantStatus: http.StatusSeeOther},
		{name: "refuse", form: form("action", "deny"), wantStatus: http.StatusSeeOther, wantError: "access_denied"},
		{name: "no e-mail typed", form: form("action", "allow", "email", ""), wantStatus: http.StatusBadRequest},
		{name: "form without PKCE", form: form("action", "allow", "email", "lancelot@camelot.bt", "code_challenge", ""),
			wantStatus: http.StatusSeeOther, wantError: "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, _, q := p.post(tc.form)
			if resp.StatusCode != tc.wantStatus || q.Get("error") != tc.wantError {
				t.Fatalf("answer %d, redirect %v", resp.StatusCode, q)
			}
			if tc.wantStatus != http.StatusSeeOther || tc.wantError != "" {
				return
			}
			status, tok, _ := p.token(appID, appSecret, codeForm(q.Get("code")))
			if status != http.StatusOK {
				t.Fatalf("token: %d %v", status, tok)
			}
			_, claims, _ := p.userinfo(tok["access_token"].(string))
			if _, has := claims["email"]; has != tc.wantEmail {
				t.Errorf("userinfo %v: e-mail shared %v, want %v", claims, has, tc.wantEmail)
			}
			if tc.wantEmail && (claims["email"] != "lancelot@camelot.bt" || claims["email_verified"] != tc.wantVerified) {
				t.Errorf("userinfo %v", claims)
			}
		})
	}
}
