package auth_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

func TestTokenSessionID(t *testing.T) {
	digest := auth.TokenDigest("some token")
	for _, tc := range []struct {
		name, digest string
		want         uuid.UUID
	}{
		{"a digest", digest, uuid.MustParse(digest[:32])},
		{"the zero digest", strings.Repeat("0", 64), uuid.Nil},
		{"too short", digest[:31], uuid.Nil},
		{"upper case", strings.ToUpper(digest), uuid.Nil},
		{"not hex", "g" + digest[1:], uuid.Nil},
		{"empty", "", uuid.Nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.TokenSessionID(tc.digest); got != tc.want {
				t.Fatalf("TokenSessionID = %v, want %v", got, tc.want)
			}
		})
	}
	if auth.TokenSessionID(digest) == auth.TokenSessionID(auth.TokenDigest("another token")) {
		t.Fatal("two tokens share a session id")
	}
}

func TestOriginClean(t *testing.T) {
	long := strings.Repeat("é", auth.MaxUserAgentLength) // two bytes each
	for _, tc := range []struct {
		name string
		in   auth.Origin
		want auth.Origin
	}{
		{"as it is", auth.Origin{Backend: "jwt", ClientAddr: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"},
			auth.Origin{Backend: "jwt", ClientAddr: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"}},
		{"empty", auth.Origin{}, auth.Origin{}},
		{"IPv6 in canonical form", auth.Origin{ClientAddr: "2001:DB8:0::1"}, auth.Origin{ClientAddr: "2001:db8::1"}},
		{"IPv4-mapped", auth.Origin{ClientAddr: "::ffff:203.0.113.7"}, auth.Origin{ClientAddr: "203.0.113.7"}},
		{"zone", auth.Origin{ClientAddr: "fe80::1%eth0"}, auth.Origin{ClientAddr: "fe80::1"}},
		{"not an address", auth.Origin{ClientAddr: "camelot.bt"}, auth.Origin{}},
		{"address with port", auth.Origin{ClientAddr: "203.0.113.7:443"}, auth.Origin{}},
		{"control characters", auth.Origin{UserAgent: "curl\r\n\x1b[31mred\x7f\u0085"}, auth.Origin{UserAgent: "curl\uFFFD\uFFFD\uFFFD[31mred\uFFFD\uFFFD"}},
		{"invalid UTF-8", auth.Origin{UserAgent: "a\xffb", Backend: "j\xc3"}, auth.Origin{UserAgent: "a\uFFFDb", Backend: "j\uFFFD"}},
		{"too long, cut at a character", auth.Origin{UserAgent: "x" + long}, auth.Origin{UserAgent: "x" + long[:auth.MaxUserAgentLength-2]}},
		{"backend too long", auth.Origin{Backend: strings.Repeat("b", 100)}, auth.Origin{Backend: strings.Repeat("b", 64)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Clean(); got != tc.want {
				t.Fatalf("Clean =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// FuzzOriginClean: whatever a client sends, what is kept is valid UTF-8
// without control characters, within bounds, and cleaning it again changes
// nothing.
func FuzzOriginClean(f *testing.F) {
	f.Add("jwt", "203.0.113.7", "Mozilla/5.0")
	f.Add("", "::ffff:1.2.3.4", "\x00\xff\r\n")
	f.Fuzz(func(t *testing.T, backend, addr, ua string) {
		o := auth.Origin{Backend: backend, ClientAddr: addr, UserAgent: ua}.Clean()
		for _, s := range []string{o.Backend, o.UserAgent, o.ClientAddr} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
				t.Fatalf("Clean kept %q", s)
			}
		}
		if len(o.UserAgent) > auth.MaxUserAgentLength || len(o.Backend) > 64 {
			t.Fatalf("Clean kept %d and %d bytes", len(o.UserAgent), len(o.Backend))
		}
		if o.Clean() != o {
			t.Fatalf("Clean is not idempotent on %q", o)
		}
	})
}
