package usersauth

import (
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestNewRefusesBrokenCookiePrefixes: New fails, naming the backend and
// the rule, for cookie options a browser would drop, instead of setting
// another cookie than the host configured.
func TestNewRefusesBrokenCookiePrefixes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts backend.CookieOptions
		why  string
	}{
		{"__Host- with a Domain", backend.CookieOptions{Name: "__Host-session", Domain: "camelot.bt"}, "must not have a Domain"},
		{"__Secure- without Secure", backend.CookieOptions{Name: "__Secure-session", Insecure: true}, "requires Secure"},
		{"__Host- refresh name with a Domain", backend.CookieOptions{RefreshName: "__Host-refresh", Domain: "camelot.bt"}, "must not have a Domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options[*user.User]{
				Store: memory.New[*user.User](), Secret: testSecret,
				Backends: []backend.Backend{{Name: "cookie", Transport: backend.Cookie(tc.opts), Strategy: backend.JWT(testSecret, time.Hour)}},
			})
			if err == nil || !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), `backend "cookie"`) {
				t.Fatalf("New = %v, want an error naming the backend and saying %q", err, tc.why)
			}
		})
	}
}
