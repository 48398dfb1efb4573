package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
)

// TestPKCEChallenge checks the S256 example of RFC 7636 appendix B.
func TestPKCEChallenge(t *testing.T) {
	p := PKCE{Verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}
	if got, want := p.Challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Errorf("Challenge() = %q, want %q", got, want)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDerive(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	const csrf = "eQYaCak-gPV9h6pI51Pau_orcIVP9Ub2WCgZCJDW0Eg"
	hmacOf := func(msg string) string {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(msg))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	pkce, err := DerivePKCE(secret, csrf)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := DeriveNonce(secret, csrf)
	if err != nil {
		t.Fatal(err)
	}
	if pkce.Verifier != hmacOf("pkce:"+csrf) || nonce != hmacOf("nonce:"+csrf) {
		t.Fatalf("derived %q, %q: not HMAC-SHA256(secret, label + csrf)", pkce.Verifier, nonce)
	}
	if err := pkce.Validate(); err != nil {
		t.Errorf("derived verifier invalid: %v", err)
	}
	if pkce.Verifier == nonce || pkce.Verifier == csrf {
		t.Error("the verifier equals the nonce or the CSRF token")
	}
	other, _ := DerivePKCE(secret, csrf+"x")
	if other == pkce {
		t.Error("two CSRF tokens derive one verifier")
	}
	otherSecret, _ := DerivePKCE([]byte("another-secret-of-32-bytes-or-more!"), csrf)
	if otherSecret == pkce {
		t.Error("two secrets derive one verifier")
	}

	cases := []struct {
		name   string
		secret []byte
		csrf   string
	}{
		{"short secret", secret[:31], csrf},
		{"no secret", nil, csrf},
		{"empty CSRF token", secret, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DerivePKCE(tc.secret, tc.csrf); !errors.Is(err, ErrInvalidProvider) {
				t.Errorf("DerivePKCE: %v", err)
			}
			if _, err := DeriveNonce(tc.secret, tc.csrf); !errors.Is(err, ErrInvalidProvider) {
				t.Errorf("DeriveNonce: %v", err)
			}
		})
	}
}
