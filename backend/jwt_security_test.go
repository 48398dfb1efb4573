package backend

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const hsHeader = `{"alg":"HS256","typ":"JWT"}`

// rawJWT assembles a token from header and payload JSON exactly as given,
// signed by sign (nil = empty signature).
func rawJWT(header, payload string, sign func(input string) []byte) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	var sig []byte
	if sign != nil {
		sig = sign(input)
	}
	return input + "." + enc.EncodeToString(sig)
}

func signHS(t testing.TB, key []byte, header, payload string) string {
	t.Helper()
	return rawJWT(header, payload, func(input string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(input))
		return m.Sum(nil)
	})
}

func signRS(t testing.TB, key crypto.Signer, header, payload string) string {
	t.Helper()
	return rawJWT(header, payload, func(input string) []byte {
		d := sha256.Sum256([]byte(input))
		sig, err := key.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	})
}

// TestReadTokenSecurity is the table of attacks on the access strategy
// (SECURITY.md "Tokens", RFC 8725). Every case must be ErrInvalidToken with
// the nil id, with and without the cache, and must leave the cache empty.
func TestReadTokenSecurity(t *testing.T) {
	f := loadAccess(t)
	secret := []byte(f.Secret)
	rsaKey := f.privateKey(t, "rsa_2048")
	pubPEM := []byte(f.Keys["rsa_2048"].Public)
	pubDER, err := x509.MarshalPKIXPublicKey(rsaKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	const sub = `"sub":"4fd3477b-eccf-4ee3-8f7d-68ad72261476"`
	good := `{` + sub + `,"aud":["fastapi-users:auth"],"exp":4102444800}`
	now := fixtureNow.Unix()
	goodHS := signHS(t, secret, hsHeader, good)

	type tcase struct {
		name     string
		verifier string // "hs256" or "rs256"
		token    string
	}
	cases := []tcase{
		{"alg none (fixture)", "hs256", f.row(t, "alg-none").Token},
		{"alg none, empty signature", "hs256", rawJWT(`{"alg":"none","typ":"JWT"}`, good, nil)},
		{"alg None", "hs256", rawJWT(`{"alg":"None","typ":"JWT"}`, good, nil)},
		{"alg none to RS256", "rs256", rawJWT(`{"alg":"none","typ":"JWT"}`, good, nil)},
		{"HS256 token to RS256 strategy (fixture)", "rs256", f.row(t, "hs256-token-to-rs256-strategy").Token},
		{"RS public key PEM as HMAC secret (fixture)", "rs256", f.row(t, "alg-confusion-hs256-with-rsa-public-pem").Token},
		{"RS public key PEM as HMAC secret", "rs256", signHS(t, pubPEM, hsHeader, good)},
		{"RS public key DER as HMAC secret", "rs256", signHS(t, pubDER, hsHeader, good)},
		{"RS256 token to HS256 strategy", "hs256", signRS(t, rsaKey, `{"alg":"RS256","typ":"JWT"}`, good)},
		{"RS256 other key (fixture)", "rs256", f.row(t, "rs256-other-key").Token},
		{"wrong secret (fixture)", "hs256", f.row(t, "hs256-wrong-secret").Token},
		{"kid naming another key", "hs256", signHS(t, []byte(f.OtherSecret), `{"alg":"HS256","kid":"other","typ":"JWT"}`, good)},
		{"jku pointing elsewhere", "rs256", signRS(t, f.privateKey(t, "rsa_2048_other"), `{"alg":"RS256","jku":"http://127.0.0.1:1/jwks.json","typ":"JWT"}`, good)},
		{"embedded jwk", "rs256", signRS(t, f.privateKey(t, "rsa_2048_other"), `{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"},"typ":"JWT"}`, good)},
		{"crit header", "hs256", signHS(t, secret, `{"alg":"HS256","crit":["exp"],"typ":"JWT"}`, good)},
		{"crit header RS256", "rs256", signRS(t, rsaKey, `{"alg":"RS256","crit":["b64"],"b64":false,"typ":"JWT"}`, good)},
		{"padded signature", "hs256", goodHS + "="},
		{"padded claims", "hs256", paddedClaims(t, secret, good)},
		{"non-canonical trailing bits", "hs256", nonCanonical(t, goodHS)},
		{"line break inside", "hs256", goodHS[:20] + "\n" + goodHS[20:]},
		{"reset token (fixture)", "hs256", loadPurpose(t, "reset_tokens.json").Tokens[0].Token},
		{"verify token (fixture)", "hs256", loadPurpose(t, "verify_tokens.json").Tokens[0].Token},
		{"OAuth state token with sub (fixture)", "hs256", oauthStateWithSub(t)},
		{"audience reset (fixture)", "hs256", f.row(t, "hs256-aud-reset").Token},
		{"audience verify (fixture)", "hs256", f.row(t, "hs256-aud-verify").Token},
		{"no audience (fixture)", "hs256", f.row(t, "hs256-no-aud").Token},
		{"audience of another service", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["other"],"exp":4102444800}`)},
		{"expired (fixture)", "hs256", f.row(t, "hs256-expired").Token},
		{"expired RS256 (fixture)", "rs256", f.row(t, "rs256-expired").Token},
		{"expired one second ago", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":`+strconv.FormatInt(now, 10)+`}`)},
		{"no exp (fixture, ours)", "hs256", f.row(t, "hs256-no-exp").Token},
		{"nbf in the future", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":4102444800,"nbf":`+strconv.FormatInt(now+1, 10)+`}`)},
		{"exp as string", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":"4102444800"}`)},
		{"exp null", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":null}`)},
		{"exp object", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":{}}`)},
		{"nbf as string", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":4102444800,"nbf":"0"}`)},
		{"sub as number", "hs256", signHS(t, secret, hsHeader, `{"sub":4,"aud":["fastapi-users:auth"],"exp":4102444800}`)},
		{"sub null", "hs256", signHS(t, secret, hsHeader, `{"sub":null,"aud":["fastapi-users:auth"],"exp":4102444800}`)},
		{"sub list", "hs256", signHS(t, secret, hsHeader, `{"sub":["4fd3477b-eccf-4ee3-8f7d-68ad72261476"],"aud":["fastapi-users:auth"],"exp":4102444800}`)},
		{"no sub (fixture)", "hs256", f.row(t, "hs256-no-sub").Token},
		{"sub not a UUID (fixture)", "hs256", f.row(t, "hs256-sub-not-uuid").Token},
		{"aud as number", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":1,"exp":4102444800}`)},
		{"aud null", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":null,"exp":4102444800}`)},
		{"aud list with a number", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth",1],"exp":4102444800}`)},
		{"iat as string", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":4102444800,"iat":"now"}`)},
		{"claims null", "hs256", signHS(t, secret, hsHeader, `null`)},
		{"claims list", "hs256", signHS(t, secret, hsHeader, `[`+good+`]`)},
		{"header null", "hs256", signHS(t, secret, `null`, good)},
		{"tampered sub", "hs256", swapClaims(goodHS, `{"sub":"00000000-0000-4000-8000-000000000000","aud":["fastapi-users:auth"],"exp":4102444800}`)},
		{"empty", "hs256", ""},
		{"garbage", "hs256", "garbage"},
		{"three dots", "hs256", "..."},
		{"empty segments", "hs256", ".."},
		{"binary", "hs256", "\x00\x01\x02.\xff.\xfe"},
		{"base64 of nothing useful", "hs256", "e30.e30.e30"},
		{"oversized", "hs256", signHS(t, secret, hsHeader, `{`+sub+`,"aud":["fastapi-users:auth"],"exp":4102444800,"x":"`+strings.Repeat("a", 9000)+`"}`)},
	}
	for _, cacheSize := range []int{-1, 0} {
		hs := f.strategy(t, "hs256", fixedNow(fixtureNow), cacheSize)
		rs := f.strategy(t, "rs256", fixedNow(fixtureNow), cacheSize)
		// The crafting helpers do produce accepted tokens when nothing is
		// wrong, so every rejection below is about the one flaw named.
		if id, err := hs.ReadToken(context.Background(), goodHS); err != nil || id != fixtureUser {
			t.Fatalf("control HS256 token refused: %v", err)
		}
		if id, err := rs.ReadToken(context.Background(), signRS(t, rsaKey, `{"alg":"RS256","typ":"JWT"}`, good)); err != nil || id != fixtureUser {
			t.Fatalf("control RS256 token refused: %v", err)
		}
		before := map[*JWTStrategy]int{}
		if cacheSize == 0 {
			before[hs], before[rs] = hs.cache.len(), rs.cache.len()
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := hs
				if tc.verifier == "rs256" {
					s = rs
				}
				for range 2 {
					id, err := s.ReadToken(context.Background(), tc.token)
					if !errors.Is(err, ErrInvalidToken) || id != uuid.Nil {
						t.Fatalf("ReadToken = %v, %v; want ErrInvalidToken", id, err)
					}
					if len(tc.token) > 16 && strings.Contains(err.Error(), tc.token) {
						t.Fatal("error text contains the token")
					}
				}
			})
		}
		if cacheSize == 0 && (hs.cache.len() != before[hs] || rs.cache.len() != before[rs]) {
			t.Fatal("a refused token entered the cache")
		}
	}
}

func swapClaims(token, payload string) string {
	p := strings.Split(token, ".")
	p[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(p, ".")
}

// paddedClaims pads the claims segment with '=' (adding claims whitespace
// until its length needs padding), keeping the signature over the padded
// text so that only the encoding is wrong.
func paddedClaims(t testing.TB, secret []byte, payload string) string {
	t.Helper()
	for len(base64.RawURLEncoding.EncodeToString([]byte(payload)))%4 == 0 {
		payload += " "
	}
	enc := base64.RawURLEncoding
	claims := enc.EncodeToString([]byte(payload))
	claims += strings.Repeat("=", (4-len(claims)%4)%4)
	input := enc.EncodeToString([]byte(hsHeader)) + "." + claims
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}

// nonCanonical sets an unused low bit of the last signature character: the
// same signature bytes under lenient decoding.
func nonCanonical(t testing.TB, token string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, token[len(token)-1])
	if i < 0 || i&1 != 0 {
		t.Fatalf("unexpected last character %q", token[len(token)-1])
	}
	return token[:len(token)-1] + string(alphabet[i|1])
}

func oauthStateWithSub(t testing.TB) string {
	t.Helper()
	for _, row := range loadPurpose(t, "oauth_state_tokens.json").Tokens {
		if row.ID == "state-v15-associate" {
			return row.Token
		}
	}
	t.Fatal("oauth_state_tokens.json has no state-v15-associate row")
	return ""
}

// TestReadTokenRSAPublicKeyIsNotASecret checks the HS/RS confusion from the
// other side: an HS256 strategy never verifies with a public key, since
// Validate refuses a key pair for HS256.
func TestReadTokenRSAPublicKeyIsNotASecret(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := NewJWT(JWTConfig{Algorithm: "HS256", PublicKey: &key.PublicKey, Lifetime: time.Hour})
	if s.Validate() == nil {
		t.Fatal("HS256 strategy accepted a public key")
	}
}
