package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
)

// ID token algorithms accepted: the asymmetric ones OpenID providers use.
// HS256 is absent on purpose: it would verify with a key the whole world can
// read from the JWKS (RFC 8725 section 2.1, algorithm confusion), and none
// is never accepted (RFC 8725 section 3.1).
const (
	algRS256 = "RS256"
	algES256 = "ES256"
	algEdDSA = "EdDSA"
)

// Bounds on what a key set may make us do.
const (
	maxJWKSKeys = 100
	minRSABits  = 2048 // RFC 7518 section 3.3
	maxRSABits  = 8192 // a larger modulus only makes verification slow
)

// publicKey is one usable key of a JWKS, with the algorithm it verifies.
type publicKey struct {
	kid string
	alg string
	key any // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// jwk is the JSON form of a key (RFC 7517 section 4, RFC 7518 section 6).
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWKS decodes a JSON Web Key Set (RFC 7517 section 5) and keeps the
// signature keys it can use: RSA of 2048 to 8192 bits for RS256, P-256 for
// ES256, Ed25519 for EdDSA. Other keys (encryption keys, symmetric keys,
// other curves, keys whose alg contradicts their type) are skipped rather
// than refused, since a provider may publish keys for other uses. A key's
// x5c, x5u or jku members are never read.
func parseJWKS(data []byte) ([]publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%w: key set is not a JSON object", ErrBadResponse)
	}
	if set.Keys == nil {
		return nil, fmt.Errorf("%w: key set without keys", ErrBadResponse)
	}
	if len(set.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("%w: key set of more than %d keys", ErrBadResponse, maxJWKSKeys)
	}
	keys := make([]publicKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		var k jwk
		if json.Unmarshal(raw, &k) != nil {
			continue
		}
		if pk, ok := k.publicKey(); ok {
			keys = append(keys, pk)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: key set without a usable signature key", ErrBadResponse)
	}
	return keys, nil
}

// publicKey returns k as a verification key, if it is one we accept.
func (k *jwk) publicKey() (publicKey, bool) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, false
	}
	if k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify") {
		return publicKey{}, false
	}
	var alg string
	var key any
	switch k.Kty {
	case "RSA":
		alg, key = algRS256, k.rsa()
	case "EC":
		alg, key = algES256, k.ec()
	case "OKP":
		alg, key = algEdDSA, k.ed25519()
	}
	if key == nil || (k.Alg != "" && k.Alg != alg) {
		return publicKey{}, false
	}
	return publicKey{kid: k.Kid, alg: alg, key: key}, true
}

func (k *jwk) rsa() any {
	n, ok := decodeB64(k.N)
	if !ok {
		return nil
	}
	e, ok := decodeB64(k.E)
	if !ok || len(e) == 0 || len(e) > 4 {
		return nil
	}
	var exp int64
	for _, b := range e {
		exp = exp<<8 | int64(b)
	}
	// An even or tiny exponent is not a real RSA key (NIST SP 800-56B
	// section 6.2.1 asks for an odd e >= 65537; 3 is still seen).
	if exp < 3 || exp%2 == 0 || exp > 1<<31-1 {
		return nil
	}
	mod := new(big.Int).SetBytes(n)
	if bits := mod.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil
	}
	return &rsa.PublicKey{N: mod, E: int(exp)}
}

func (k *jwk) ec() any {
	if k.Crv != "P-256" {
		return nil
	}
	x, okX := decodeB64(k.X)
	y, okY := decodeB64(k.Y)
	if !okX || !okY || len(x) != 32 || len(y) != 32 {
		return nil
	}
	// ParseUncompressedPublicKey refuses a point off the curve, which
	// would otherwise open invalid-curve attacks.
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil
	}
	return pub
}

func (k *jwk) ed25519() any {
	if k.Crv != "Ed25519" {
		return nil
	}
	x, ok := decodeB64(k.X)
	if !ok || len(x) != ed25519.PublicKeySize {
		return nil
	}
	return ed25519.PublicKey(x)
}

// decodeB64 decodes unpadded, canonical base64url (RFC 7515 section 2).
func decodeB64(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}
