package oauthflow

import (
	"net/url"
	"strings"
	"testing"
)

const frontend = "https://app.camelot.bt"

// FuzzRedirectTarget: an accepted redirect_to is on an allowed origin, has
// nothing a browser could read another way (backslashes, controls, user
// info), and is its own canonical form.
func FuzzRedirectTarget(f *testing.F) {
	origins, err := ParseOrigins([]string{frontend, "http://localhost:5173", "http://[::1]:8000"})
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
		u, err := origins.Target(raw)
		if err != nil {
			return
		}
		out := u.String()
		if strings.ContainsAny(out, "\\\t\r\n #") || u.User != nil {
			t.Fatalf("accepted %q as %q", raw, out)
		}
		again, err := origins.Target(out)
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
	origins, err := ParseOrigins([]string{frontend})
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
		if len(q.Scopes) > maxScopes {
			t.Fatalf("%d scopes accepted", len(q.Scopes))
		}
		for _, s := range q.Scopes {
			if !ValidScope(s) {
				t.Fatalf("scope %q accepted", s)
			}
		}
		if q.Redirect != nil {
			if _, err := origins.Target(q.Redirect.String()); err != nil {
				t.Fatalf("redirect %s accepted: %v", q.Redirect, err)
			}
		}
	})
}
