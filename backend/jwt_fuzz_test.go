package backend

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
)

// FuzzReadToken feeds arbitrary tokens to an HS256 strategy with the
// fixture secret, with and without the cache: never a panic, every refusal
// is ErrInvalidToken, and both strategies agree, read after read.
func FuzzReadToken(f *testing.F) {
	fx := loadAccess(f)
	for _, row := range fx.Tokens {
		f.Add(row.Token)
	}
	for _, name := range []string{"reset_tokens.json", "verify_tokens.json", "oauth_state_tokens.json"} {
		for _, row := range loadPurpose(f, name).Tokens {
			f.Add(row.Token)
		}
	}
	f.Add("")
	f.Add("..")
	f.Add(fx.row(f, "hs256-valid-2100").Token + "=")
	f.Add(fx.row(f, "hs256-valid-2100").Token + "\n") // base64 skips line breaks: must still fail
	cached := fx.strategy(f, "hs256", fixedNow(fixtureNow), 16)
	uncached := fx.strategy(f, "hs256", fixedNow(fixtureNow), -1)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, token string) {
		want, wantErr := uncached.ReadToken(ctx, token)
		if wantErr != nil && (!errors.Is(wantErr, ErrInvalidToken) || want != uuid.Nil) {
			t.Fatalf("ReadToken = %v, %v; want ErrInvalidToken", want, wantErr)
		}
		for range 2 {
			got, err := cached.ReadToken(ctx, token)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Fatalf("cached ReadToken = %v, %v; uncached %v, %v", got, err, want, wantErr)
			}
		}
	})
}
