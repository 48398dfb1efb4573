package oauthflow

import (
	"strings"
	"testing"
)

// TestRedirectTargets: what ?redirect_to= the authorize route accepts with
// AllowedRedirectOrigins https://app.camelot.bt and http://localhost:5173.
// Every trick that makes a browser land elsewhere is refused: an open
// redirect is impossible (OWASP Unvalidated Redirects and Forwards Cheat
// Sheet).
func TestRedirectTargets(t *testing.T) {
	origins, err := ParseOrigins([]string{"https://app.camelot.bt", "http://localhost:5173"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, raw string
		want      string // "" when refused
	}{
		{"Origin", "https://app.camelot.bt", "https://app.camelot.bt"},
		{"PathAndQuery", "https://app.camelot.bt/signed-in?next=%2Fbooks&x=1", "https://app.camelot.bt/signed-in?next=%2Fbooks&x=1"},
		{"MixedCase", "HTTPS://App.Camelot.BT/Signed-In", "https://app.camelot.bt/Signed-In"},
		{"DefaultPort", "https://app.camelot.bt:443/x", "https://app.camelot.bt/x"},
		{"LocalFrontend", "http://localhost:5173/", "http://localhost:5173/"},
		{"EncodedSlashesInPath", "https://app.camelot.bt/%2F%2Fevil.example", "https://app.camelot.bt/%2F%2Fevil.example"},
		{"DoubleSlashPath", "https://app.camelot.bt//evil.example", "https://app.camelot.bt//evil.example"},

		{"OtherHost", "https://evil.example/", ""},
		{"Subdomain", "https://evil.app.camelot.bt/", ""},
		{"SuffixHost", "https://app.camelot.bt.evil.example/", ""},
		{"PrefixHost", "https://evilapp.camelot.bt/", ""},
		{"TrailingDot", "https://app.camelot.bt./", ""},
		{"OtherScheme", "http://app.camelot.bt/", ""},
		{"OtherPort", "https://app.camelot.bt:8443/", ""},
		{"LocalOtherPort", "http://localhost:5174/", ""},
		{"EmptyPort", "https://app.camelot.bt:/", ""},
		{"ZeroPaddedPort", "http://localhost:05173/", ""},
		{"SchemeRelative", "//evil.example/", ""},
		{"SchemeRelativeAllowedHost", "//app.camelot.bt/", ""},
		{"TripleSlash", "https:///evil.example/", ""},
		{"Relative", "/signed-in", ""},
		{"UserInfo", "https://app.camelot.bt@evil.example/", ""},
		{"UserInfoAllowedHost", "https://evil.example@app.camelot.bt/", ""},
		{"EncodedAt", "https://app.camelot.bt%40evil.example/", ""},
		{"Backslash", `https://app.camelot.bt\@evil.example/`, ""},
		{"Backslashes", `https:\\evil.example`, ""},
		{"BackslashPath", `https://app.camelot.bt/\evil.example`, ""},
		{"Opaque", "https:evil.example", ""},
		{"JavaScript", "javascript:alert(document.domain)", ""},
		{"Data", "data:text/html,<script>alert(1)</script>", ""},
		{"Fragment", "https://app.camelot.bt/#x", ""},
		{"FragmentHost", "https://evil.example#https://app.camelot.bt", ""},
		{"Tab", "https://app.camelot.bt/\tx", ""},
		{"NewlineInHost", "https://app.camel\not.bt/", ""},
		{"Space", " https://app.camelot.bt/", ""},
		{"NonASCIIHost", "https://аpp.camelot.bt/", ""},
		{"PunycodeHost", "https://xn--pp-8kc.camelot.bt/", ""},
		{"IPv6", "http://[::1]:5173/", ""},
		{"Empty", "", ""},
		{"TooLong", "https://app.camelot.bt/" + strings.Repeat("a", maxRedirectLength), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := origins.Target(c.raw)
			switch {
			case c.want == "" && err == nil:
				t.Fatalf("target(%q) = %s, want it refused", c.raw, u)
			case c.want != "" && err != nil:
				t.Fatalf("target(%q): %v, want %s", c.raw, err, c.want)
			case c.want != "" && u.String() != c.want:
				t.Fatalf("target(%q) = %s, want %s", c.raw, u, c.want)
			}
		})
	}
}

func TestParseOrigins(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" when refused
	}{
		{"https://app.camelot.bt", "https://app.camelot.bt"},
		{"https://App.Camelot.bt/", "https://app.camelot.bt"},
		{"https://app.camelot.bt:443", "https://app.camelot.bt"},
		{"http://localhost:5173", "http://localhost:5173"},
		{"http://[::1]:8000", "http://[::1]:8000"},
		{"https://app.camelot.bt/path", ""},
		{"https://app.camelot.bt?x", ""},
		{"https://app.camelot.bt#", ""},
		{"https://user@app.camelot.bt", ""},
		{"ftp://app.camelot.bt", ""},
		{"app.camelot.bt", ""},
		{"*.camelot.bt", ""},
		{"https://*.camelot.bt", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseOrigins([]string{c.in})
			if c.want == "" {
				if err == nil {
					t.Fatalf("ParseOrigins(%q) = %v, want an error", c.in, got)
				}
				return
			}
			if err != nil || !got[c.want] || len(got) != 1 {
				t.Fatalf("ParseOrigins(%q) = %v, %v; want %s", c.in, got, err, c.want)
			}
		})
	}
}
