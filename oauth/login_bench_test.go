package oauth_test

import (
	"context"
	"testing"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

// BenchmarkLogin is a whole login against the development provider over
// loopback HTTP: authorization redirect, token exchange and ID token check,
// with the key set cached. Both sides run in this process, so the figures
// include the provider's work.
func BenchmarkLogin(b *testing.B) {
	e := newEnv(b, devprovider.Config{}, nil)
	f := newFlow(b, "csrf-bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c := code(b, &e.p, f, "king.arthur@camelot.bt", nil)
		if _, _, err := e.p.Exchange(ctx, c, redirectURI, f.pkce, f.nonce); err != nil {
			b.Fatal(err)
		}
	}
}
