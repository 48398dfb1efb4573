package devprovider

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// signingKey is one ID token signing key and its public JWK.
type signingKey struct {
	alg    string
	kid    string
	method jwt.SigningMethod
	priv   crypto.Signer
	jwk    map[string]string
}

// newSigningKey generates a key for alg. Keys always come from crypto/rand:
// a key made from an injected, predictable source would be a trap.
func newSigningKey(alg string) (*signingKey, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	k := &signingKey{alg: alg}
	var thumb string
	switch alg {
	case "ES256":
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("devprovider: generating a P-256 key: %w", err)
		}
		point, err := priv.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			return nil, fmt.Errorf("devprovider: encoding a P-256 key: %w", err)
		}
		x, y := b64(point[1:33]), b64(point[33:])
		k.priv, k.method = priv, jwt.SigningMethodES256
		k.jwk = map[string]string{"kty": "EC", "crv": "P-256", "x": x, "y": y}
		// RFC 7638 section 3.2: required members, sorted, no whitespace.
		thumb = `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
	case "RS256":
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("devprovider: generating an RSA key: %w", err)
		}
		n, e := b64(priv.N.Bytes()), b64(big.NewInt(int64(priv.E)).Bytes())
		k.priv, k.method = priv, jwt.SigningMethodRS256
		k.jwk = map[string]string{"kty": "RSA", "n": n, "e": e}
		thumb = `{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`
	default:
		return nil, fmt.Errorf("devprovider: unsupported algorithm %q", alg)
	}
	sum := sha256.Sum256([]byte(thumb))
	k.kid = b64(sum[:])
	k.jwk["kid"], k.jwk["alg"], k.jwk["use"] = k.kid, alg, "sig"
	return k, nil
}

// sign returns claims as a compact JWS with this key's alg and kid.
func (k *signingKey) sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(k.method, claims)
	t.Header["kid"] = k.kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("devprovider: signing an ID token: %w", err)
	}
	return s, nil
}
