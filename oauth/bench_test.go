package oauth

import (
	"context"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerifyIDToken measures the check of an ID token whose key is
// cached: what a login costs us beyond the network.
func BenchmarkVerifyIDToken(b *testing.B) {
	p := cachedProvider(b)
	ctx := context.Background()
	for _, m := range []jwt.SigningMethod{jwt.SigningMethodES256, jwt.SigningMethodRS256, jwt.SigningMethodEdDSA} {
		token := signTest(b, p, m, "nonce", nil)
		b.Run(m.Alg(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.verifyIDToken(ctx, token, "nonce"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseJWKS(b *testing.B) {
	genKeys(b)
	set := jwksOf(testRSAJWK, testECJWK, testEdJWK)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseJWKS(set); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDerivePKCE(b *testing.B) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DerivePKCE(secret, "eQYaCak-gPV9h6pI51Pau_orcIVP9Ub2WCgZCJDW0Eg"); err != nil {
			b.Fatal(err)
		}
	}
}
