package oauth

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fuzzNow is the fixed time of the fuzz and benchmark providers.
var fuzzNow = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// cachedProvider returns an OpenID provider whose key cache already holds
// the test keys, fetched "now": it never goes to the network, since its
// JWKSURL is not served and a refresh is not due.
func cachedProvider(t testing.TB) *Provider {
	t.Helper()
	genKeys(t)
	keys, err := parseJWKS(jwksOf(testRSAJWK, testECJWK, testEdJWK))
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{
		Name: "fuzz", ClientID: "client", Issuer: "https://issuer.example", JWKSURL: "http://127.0.0.1:1/jwks",
		AuthURL: "https://issuer.example/authorize", TokenURL: "https://issuer.example/token",
		Now:  func() time.Time { return fuzzNow },
		Keys: &KeyCache{url: "http://127.0.0.1:1/jwks", keys: keys, fetched: fuzzNow, tried: fuzzNow},
	}
	return p
}

// signTest makes an ID token of p for nonce, signed with the test key of
// method.
func signTest(t testing.TB, p *Provider, method jwt.SigningMethod, nonce string, change func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{
		"iss": p.Issuer, "aud": p.ClientID, "sub": "248289761001", "nonce": nonce,
		"email": "king.arthur@camelot.bt", "email_verified": true,
		"iat": fuzzNow.Unix(), "exp": fuzzNow.Add(time.Hour).Unix(),
	}
	if change != nil {
		change(claims)
	}
	tok := jwt.NewWithClaims(method, claims)
	var key any
	switch method {
	case jwt.SigningMethodRS256:
		tok.Header["kid"], key = "rs", testRSA
	case jwt.SigningMethodES256:
		tok.Header["kid"], key = "es", testEC
	case jwt.SigningMethodEdDSA:
		tok.Header["kid"], key = "ed", testEd
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzVerifyIDToken: any string as an ID token fails with ErrInvalidIDToken,
// never panics, never fetches keys, and only the genuine seeds pass.
// The seeds are EdDSA and RS256 because, unlike ECDSA, their signatures are
// not malleable: a mutation that still verifies would be a real finding.
func FuzzVerifyIDToken(f *testing.F) {
	p := cachedProvider(f)
	const nonce = "n-0S6_WzA2Mj"
	genuine := map[string]bool{
		signTest(f, p, jwt.SigningMethodEdDSA, nonce, nil):                                                    true,
		signTest(f, p, jwt.SigningMethodRS256, nonce, nil):                                                    true,
		signTest(f, p, jwt.SigningMethodEdDSA, nonce, func(c jwt.MapClaims) { c["email_verified"] = "true" }): true,
	}
	for token := range genuine {
		f.Add(token)
	}
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, token string) {
		c, err := p.verifyIDToken(ctx, token, nonce)
		if err != nil {
			if !errors.Is(err, ErrInvalidIDToken) || c != nil {
				t.Fatalf("verifyIDToken = %v, %v", c, err)
			}
			return
		}
		if !genuine[token] {
			t.Fatalf("a token other than the genuine seeds verified: %q", token)
		}
		if p.Keys.Fetches() != 0 {
			t.Fatal("verification fetched keys")
		}
	})
}

// FuzzParseJWKS: any key set parses or fails with ErrBadResponse; every key
// kept is one we accept.
func FuzzParseJWKS(f *testing.F) {
	genKeys(f)
	f.Add(jwksOf(testRSAJWK, testECJWK, testEdJWK))
	f.Add(jwksOf(with(testECJWK, "alg", "HS256")))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseJWKS(data)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatal(err)
			}
			return
		}
		for _, k := range keys {
			switch k.alg {
			case algRS256, algES256, algEdDSA:
			default:
				t.Fatalf("kept a key for %q", k.alg)
			}
			if k.key == nil {
				t.Fatal("kept a key without key")
			}
		}
	})
}

// FuzzParseDiscovery: any document parses or fails; one that parses has the
// issuer asked for and acceptable endpoints.
func FuzzParseDiscovery(f *testing.F) {
	const issuer = "https://issuer.example"
	f.Add([]byte(`{"issuer":"https://issuer.example","authorization_endpoint":"https://issuer.example/a","token_endpoint":"https://issuer.example/t","jwks_uri":"https://issuer.example/k"}`))
	f.Add([]byte(`{"issuer":"https://issuer.example","code_challenge_methods_supported":["plain"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := parseDiscovery(data, issuer)
		if err != nil {
			return
		}
		if doc.Issuer != issuer {
			t.Fatalf("issuer %q accepted", doc.Issuer)
		}
		for _, u := range []string{doc.AuthorizationEndpoint, doc.TokenEndpoint, doc.JWKSURI} {
			if checkEndpoint(u) != nil {
				t.Fatalf("endpoint %q accepted", u)
			}
		}
	})
}

// FuzzParseUserInfo covers the OpenID userinfo and GitHub decoders.
func FuzzParseUserInfo(f *testing.F) {
	f.Add([]byte(`{"sub":"248289761001","email":"j@example.com","email_verified":"true"}`))
	f.Add([]byte(`{"id":583231,"email":null}`))
	f.Add([]byte(`[{"email":"octocat@github.com","verified":true,"primary":true}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if ui, err := parseUserInfo(data); err == nil && (ui.Sub == "" || len(ui.Sub) > maxSubjectLength) {
			t.Fatalf("userinfo without a usable sub accepted: %+v", ui)
		} else if err != nil && !errors.Is(err, ErrBadResponse) {
			t.Fatal(err)
		}
		if u, err := parseGitHubUser(data); err == nil && u.ID <= 0 {
			t.Fatalf("GitHub user without id accepted: %+v", u)
		}
		if email, verified, err := parseGitHubEmails(data); err == nil && email == "" && verified {
			t.Fatal("no e-mail, yet verified")
		}
	})
}

// FuzzParseCallback: any callback query gives a code, a *ProviderError or
// a sentinel error.
func FuzzParseCallback(f *testing.F) {
	p := &Provider{Issuer: "https://issuer.example"}
	f.Add("code=abc&state=xyz&iss=https%3A%2F%2Fissuer.example")
	f.Add("error=access_denied&error_description=no")
	f.Add("code=a&code=b")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		code, _, err := p.ParseCallback(q)
		var pe *ProviderError
		switch {
		case err == nil:
			if code == "" {
				t.Fatal("empty code accepted")
			}
		case errors.As(err, &pe):
			if pe.Code == "" {
				t.Fatal("provider error without code")
			}
		case errors.Is(err, ErrMissingCode), errors.Is(err, ErrIssuerMismatch):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
