package usersauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzOAuthCallback sends anything as the callback's query, with a CSRF
// cookie or not, to the mounted routes. The answer is always a 400 in the
// contract's format, or a 303 to an allowed origin when the state is
// genuine and carries a redirect: never a 500, never a redirect elsewhere.
// The seeds include genuine states and their cookies, so the fuzzer reaches
// the checks past the signature and the code exchange.
func FuzzOAuthCallback(f *testing.F) {
	e := newOAuthEnv(f, nil)
	h := e.ua.Handler()
	p := e.ua.oauth.route("dev")
	target, _ := url.Parse(frontend + "/signed-in")
	for _, redirect := range []*url.URL{nil, target} {
		state, csrf, err := p.mintState(nil, "", redirect)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("code=abc&state="+state, csrf)
		f.Add("error=access_denied&state="+state, csrf)
		f.Add("state="+state, csrf)
		f.Add("code=abc&code=def&state="+state, csrf)
		f.Add("code=abc&state="+state+"&iss=https%3A%2F%2Fevil.example", csrf)
		f.Add("code=abc&state="+state, "")
	}
	f.Add("", "")
	f.Add("code=x&state=%zz", "x")
	f.Add("code=x;state=y", "")
	f.Add("error=%00%ff&error_description=<script>", "")
	f.Fuzz(func(t *testing.T, query, cookie string) {
		r := httptest.NewRequest(http.MethodGet, "/auth/dev/callback", nil)
		r.URL.RawQuery = query
		if cookie != "" {
			r.Header.Set("Cookie", DefaultCSRFCookieName+"="+cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		switch rec.Code {
		case http.StatusBadRequest:
			if !strings.HasPrefix(rec.Body.String(), `{"detail":`) {
				t.Fatalf("400 body %q", rec.Body)
			}
		case http.StatusSeeOther:
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil || loc.Scheme+"://"+loc.Host != frontend || loc.User != nil {
				t.Fatalf("redirected to %q", rec.Header().Get("Location"))
			}
		default:
			t.Fatalf("callback answered %d %s", rec.Code, rec.Body)
		}
	})
}

// FuzzRedirectTarget: an accepted redirect_to is on an allowed origin, has
// nothing a browser could read another way (backslashes, controls, user
// info), and is its own canonical form.
func FuzzRedirectTarget(f *testing.F) {
	origins, err := parseOrigins([]string{frontend, "http://localhost:5173", "http://[::1]:8000"})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		frontend, frontend + "/a?b=c", "HTTPS://APP.camelot.bt:443/x", "//evil.example", "https://app.camelot.bt@evil.example",
		`https://app.camelot.bt\@evil.example`, "https:evil.example", "http://localhost:5173/", "http://[::1]:8000/x",
		"https://app.camelot.bt%2f@evil", "https://app.camelot.bt/%2F%2Fevil", "javascript://app.camelot.bt/%0aalert(1)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := origins.target(raw)
		if err != nil {
			return
		}
		out := u.String()
		if strings.ContainsAny(out, "\\\t\r\n #") || u.User != nil {
			t.Fatalf("accepted %q as %q", raw, out)
		}
		again, err := origins.target(out)
		if err != nil || again.String() != out {
			t.Fatalf("%q accepted as %q, which gives %v, %v", raw, out, again, err)
		}
		parsed, err := url.Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		origin := parsed.Scheme + "://" + parsed.Host
		if !origins[origin] {
			t.Fatalf("%q accepted with origin %q", raw, origin)
		}
	})
}

// FuzzAuthorizeQuery: the authorize route's query decoding never panics,
// and what it accepts is within its limits.
func FuzzAuthorizeQuery(f *testing.F) {
	origins, err := parseOrigins([]string{frontend})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "scopes=openid&scopes=email", "redirect_to=" + url.QueryEscape(frontend+"/x"), "scopes=a%20b", "redirect_to=a&redirect_to=b", "x=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseAuthorizeQuery(raw, origins)
		if err != nil {
			return
		}
		if len(q.scopes) > maxScopes {
			t.Fatalf("%d scopes accepted", len(q.scopes))
		}
		for _, s := range q.scopes {
			if !validScope(s) {
				t.Fatalf("scope %q accepted", s)
			}
		}
		if q.redirect != nil {
			if _, err := origins.target(q.redirect.String()); err != nil {
				t.Fatalf("redirect %s accepted: %v", q.redirect, err)
			}
		}
	})
}
