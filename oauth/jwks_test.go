package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
)

var (
	genOnce                sync.Once
	testRSA, testRSA1024   *rsa.PrivateKey
	testEC                 *ecdsa.PrivateKey
	testEd                 ed25519.PrivateKey
	testRSAJWK, testECJWK  map[string]any
	testEdJWK, test1024JWK map[string]any
)

// genKeys makes one key of each kind and its JWK, once: RSA is slow.
func genKeys(t testing.TB) {
	t.Helper()
	genOnce.Do(func() {
		var err error
		b64 := base64.RawURLEncoding.EncodeToString
		if testRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if testRSA1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
		if testEC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, testEd, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		e := b64(big.NewInt(65537).Bytes())
		testRSAJWK = map[string]any{"kty": "RSA", "kid": "rs", "use": "sig", "alg": "RS256", "n": b64(testRSA.N.Bytes()), "e": e}
		test1024JWK = map[string]any{"kty": "RSA", "kid": "rs1024", "n": b64(testRSA1024.N.Bytes()), "e": e}
		point, _ := testEC.PublicKey.Bytes()
		testECJWK = map[string]any{"kty": "EC", "kid": "es", "crv": "P-256", "x": b64(point[1:33]), "y": b64(point[33:])}
		testEdJWK = map[string]any{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64(testEd.Public().(ed25519.PublicKey))}
	})
}

func with(k map[string]any, kv ...any) map[string]any {
	c := make(map[string]any, len(k)+len(kv)/2)
	for n, v := range k {
		c[n] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func jwksOf(keys ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// TestParseJWKS: which keys of a set are kept, with which algorithm.
func TestParseJWKS(t *testing.T) {
	genKeys(t)
	offCurve := with(testECJWK, "y", base64.RawURLEncoding.EncodeToString(make([]byte, 32)))
	cases := []struct {
		name    string
		set     []byte
		want    []string // kid:alg of the keys kept
		wantErr bool
	}{
		{name: "one of each", set: jwksOf(testRSAJWK, testECJWK, testEdJWK), want: []string{"rs:RS256", "es:ES256", "ed:EdDSA"}},
		{name: "encryption key skipped", set: jwksOf(with(testRSAJWK, "use", "enc"), testECJWK), want: []string{"es:ES256"}},
		{name: "key_ops without verify skipped", set: jwksOf(with(testRSAJWK, "key_ops", []string{"encrypt"}), testECJWK), want: []string{"es:ES256"}},
		{name: "key_ops with verify kept", set: jwksOf(with(testECJWK, "key_ops", []string{"verify"})), want: []string{"es:ES256"}},
		{name: "symmetric key skipped", set: jwksOf(map[string]any{"kty": "oct", "kid": "hs", "k": "c2VjcmV0"}, testECJWK), want: []string{"es:ES256"}},
		{name: "RSA key declared HS256 skipped", set: jwksOf(with(testRSAJWK, "alg", "HS256"), testECJWK), want: []string{"es:ES256"}},
		{name: "RSA key declared PS256 skipped", set: jwksOf(with(testRSAJWK, "alg", "PS256"), testECJWK), want: []string{"es:ES256"}},
		{name: "EC key declared none skipped", set: jwksOf(with(testECJWK, "alg", "none"), testEdJWK), want: []string{"ed:EdDSA"}},
		{name: "RSA 1024 skipped", set: jwksOf(test1024JWK, testECJWK), want: []string{"es:ES256"}},
		{name: "even exponent skipped", set: jwksOf(with(testRSAJWK, "e", "Ag"), testECJWK), want: []string{"es:ES256"}},
		{name: "exponent one skipped", set: jwksOf(with(testRSAJWK, "e", "AQ"), testECJWK), want: []string{"es:ES256"}},
		{name: "P-384 skipped", set: jwksOf(with(testECJWK, "crv", "P-384"), testEdJWK), want: []string{"ed:EdDSA"}},
		{name: "point off the curve skipped", set: jwksOf(offCurve, testEdJWK), want: []string{"ed:EdDSA"}},
		{name: "short coordinate skipped", set: jwksOf(with(testECJWK, "x", "AAAA"), testEdJWK), want: []string{"ed:EdDSA"}},
		{name: "padded base64 skipped", set: jwksOf(with(testEdJWK, "x", testEdJWK["x"].(string)+"="), testECJWK), want: []string{"es:ES256"}},
		{name: "X25519 skipped", set: jwksOf(with(testEdJWK, "crv", "X25519"), testECJWK), want: []string{"es:ES256"}},
		{name: "member of the wrong type skipped", set: jwksOf(with(testRSAJWK, "n", 12), testECJWK), want: []string{"es:ES256"}},
		{name: "x5u ignored", set: jwksOf(with(testECJWK, "x5u", "https://evil.example/cert")), want: []string{"es:ES256"}},
		{name: "no usable key", set: jwksOf(with(testRSAJWK, "use", "enc")), wantErr: true},
		{name: "empty set", set: []byte(`{"keys":[]}`), wantErr: true},
		{name: "no keys member", set: []byte(`{}`), wantErr: true},
		{name: "keys not a list", set: []byte(`{"keys":{}}`), wantErr: true},
		{name: "not JSON", set: []byte(`<html>`), wantErr: true},
		{name: "too many keys", set: jwksOf(func() []map[string]any {
			ks := make([]map[string]any, maxJWKSKeys+1)
			for i := range ks {
				ks[i] = testEdJWK
			}
			return ks
		}()...), wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := parseJWKS(tc.set)
			if tc.wantErr {
				if !errors.Is(err, ErrBadResponse) {
					t.Fatalf("error = %v, want ErrBadResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range keys {
				got = append(got, k.kid+":"+k.alg)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSelectKey: the key is chosen by kid, and its algorithm must be the
// token's.
func TestSelectKey(t *testing.T) {
	keys := []publicKey{{kid: "a", alg: algRS256}, {kid: "b", alg: algES256}, {kid: "", alg: algEdDSA}, {kid: "c", alg: algES256}}
	cases := []struct {
		name, alg, kid string
		wantKid        string
		wantErr        string
	}{
		{name: "by kid", alg: algES256, kid: "b", wantKid: "b"},
		{name: "kid with another algorithm", alg: algRS256, kid: "b", wantErr: "algorithm does not match"},
		{name: "unknown kid", alg: algES256, kid: "z", wantErr: "no key"},
		{name: "no kid, one key of the algorithm", alg: algRS256, wantKid: "a"},
		{name: "no kid, the only EdDSA key", alg: algEdDSA, wantKid: ""},
		{name: "no kid, two keys of the algorithm", alg: algES256, wantErr: "several keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := selectKey(keys, tc.alg, tc.kid)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrInvalidIDToken) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || k.kid != tc.wantKid {
				t.Fatalf("selected %q, %v; want %q", k.kid, err, tc.wantKid)
			}
		})
	}
}
