package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
)

// testKeys are the misbehaving provider's keys, one per algorithm, each
// under its own kid. Generated once: RSA key generation is slow.
type testKeys struct {
	es, es2 *ecdsa.PrivateKey
	rs      *rsa.PrivateKey
	ed      ed25519.PrivateKey
	jwks    []byte // the public halves of es, rs and ed (not es2)
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func loadKeys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if keys.es, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if keys.es2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if keys.rs, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if _, keys.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		b64 := base64.RawURLEncoding.EncodeToString
		point, _ := keys.es.PublicKey.Bytes()
		set := map[string]any{"keys": []map[string]string{
			{"kty": "EC", "crv": "P-256", "kid": "es", "use": "sig", "x": b64(point[1:33]), "y": b64(point[33:])},
			{"kty": "RSA", "kid": "rs", "alg": "RS256", "n": b64(keys.rs.N.Bytes()), "e": b64(big.NewInt(int64(keys.rs.E)).Bytes())},
			{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(keys.ed.Public().(ed25519.PublicKey))},
			{"kty": "oct", "kid": "hs", "k": b64([]byte("a-symmetric-key-never-to-be-used-for-id-tokens"))},
		}}
		keys.jwks, _ = json.Marshal(set)
	})
	return &keys
}

// misbehaving stands in front of the development provider, serves its own
// key set, and re-signs or alters the ID token of every token response with
// rewrite: the provider a client must not trust.
type misbehaving struct {
	dev     http.Handler
	jwks    []byte
	rewrite func(idToken string) string // "" drops the ID token
}

func (m *misbehaving) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/jwks":
		w.Header().Set("Content-Type", "application/json")
		w.Write(m.jwks)
	case "/token":
		rec := httptest.NewRecorder()
		m.dev.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if raw, ok := body["id_token"].(string); ok {
			if t := m.rewrite(raw); t != "" {
				body["id_token"] = t
			} else {
				delete(body, "id_token")
			}
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(body)
	default:
		m.dev.ServeHTTP(w, r)
	}
}

// resign returns the claims of the provider's token, changed by mutate, as a
// token signed by sign with header h.
func resign(t *testing.T, raw string, h map[string]any, mutate func(jwt.MapClaims), method jwt.SigningMethod, key any) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(claims)
	}
	tok := jwt.NewWithClaims(method, claims)
	maps.Copy(tok.Header, h)
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestIDTokenVerification is the table of ID tokens a client must refuse
// (OpenID Connect Core 1.0 section 3.1.3.7, RFC 8725), and of the variants
// it must accept. Every refusal wraps ErrInvalidIDToken, gives no token, and
// names its reason.
func TestIDTokenVerification(t *testing.T) {
	k := loadKeys(t)
	es := func(mutate func(jwt.MapClaims)) func(*testing.T, string) string {
		return func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "es"}, mutate, jwt.SigningMethodES256, k.es)
		}
	}
	at := func(d time.Duration) func(jwt.MapClaims) {
		return func(c jwt.MapClaims) { c["exp"] = c["iat"].(float64) + d.Seconds() }
	}
	cases := []struct {
		name         string
		rewrite      func(t *testing.T, raw string) string
		wantReason   string // empty: accepted
		wantVerified bool
	}{
		{name: "ES256 accepted", rewrite: es(nil), wantVerified: true},
		{name: "RS256 accepted", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "rs"}, nil, jwt.SigningMethodRS256, k.rs)
		}, wantVerified: true},
		{name: "EdDSA accepted", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "ed"}, nil, jwt.SigningMethodEdDSA, k.ed)
		}, wantVerified: true},
		{name: "several audiences with azp accepted", rewrite: es(func(c jwt.MapClaims) {
			c["aud"] = []string{"other-client", clientID}
			c["azp"] = clientID
		}), wantVerified: true},
		{name: "email_verified as the string true accepted", rewrite: es(func(c jwt.MapClaims) { c["email_verified"] = "true" }), wantVerified: true},
		{name: "email_verified as the string false accepted", rewrite: es(func(c jwt.MapClaims) { c["email_verified"] = "false" })},
		{name: "expired within the leeway accepted", rewrite: es(at(-30 * time.Second)), wantVerified: true},

		{name: "no ID token", rewrite: func(*testing.T, string) string { return "" }, wantReason: "has none"},
		{name: "wrong issuer", rewrite: es(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), wantReason: "wrong issuer"},
		{name: "no issuer", rewrite: es(func(c jwt.MapClaims) { delete(c, "iss") }), wantReason: "wrong issuer"},
		{name: "wrong audience", rewrite: es(func(c jwt.MapClaims) { c["aud"] = "other-client" }), wantReason: "wrong audience"},
		{name: "no audience", rewrite: es(func(c jwt.MapClaims) { delete(c, "aud") }), wantReason: "missing claim"},
		{name: "several audiences without azp", rewrite: es(func(c jwt.MapClaims) { c["aud"] = []string{clientID, "other-client"} }), wantReason: "no azp"},
		{name: "azp of another client", rewrite: es(func(c jwt.MapClaims) { c["azp"] = "other-client" }), wantReason: "azp"},
		{name: "expired", rewrite: es(at(-2 * time.Minute)), wantReason: "expired"},
		{name: "no exp", rewrite: es(func(c jwt.MapClaims) { delete(c, "exp") }), wantReason: "missing claim"},
		{name: "issued in the future", rewrite: es(func(c jwt.MapClaims) { c["iat"] = c["iat"].(float64) + 300 }), wantReason: "future"},
		{name: "no iat", rewrite: es(func(c jwt.MapClaims) { delete(c, "iat") }), wantReason: "no iat"},
		{name: "not valid yet", rewrite: es(func(c jwt.MapClaims) { c["nbf"] = c["iat"].(float64) + 300 }), wantReason: "not valid yet"},
		{name: "wrong nonce", rewrite: es(func(c jwt.MapClaims) { c["nonce"] = "another-nonce" }), wantReason: "wrong nonce"},
		{name: "no nonce", rewrite: es(func(c jwt.MapClaims) { delete(c, "nonce") }), wantReason: "wrong nonce"},
		{name: "no sub", rewrite: es(func(c jwt.MapClaims) { delete(c, "sub") }), wantReason: "sub missing"},
		{name: "sub too long", rewrite: es(func(c jwt.MapClaims) { c["sub"] = strings.Repeat("x", 256) }), wantReason: "sub missing or too long"},
		{name: "sub not a string", rewrite: es(func(c jwt.MapClaims) { c["sub"] = 42 }), wantReason: "malformed"},
		{name: "email_verified neither boolean nor true/false", rewrite: es(func(c jwt.MapClaims) { c["email_verified"] = "yes" }), wantReason: "malformed"},
		{name: "bad signature: another key under the kid", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "es"}, nil, jwt.SigningMethodES256, k.es2)
		}, wantReason: "bad signature"},
		{name: "bad signature: altered payload", rewrite: func(t *testing.T, raw string) string {
			good := es(nil)(t, raw)
			parts := strings.Split(good, ".")
			forged := es(func(c jwt.MapClaims) { c["email"] = "mordred@camelot.bt" })(t, raw)
			return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
		}, wantReason: "bad signature"},
		{name: "alg none", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "es"}, nil, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType)
		}, wantReason: "algorithm not allowed"},
		{name: "HS256 keyed with the public key", rewrite: func(t *testing.T, raw string) string {
			der, _ := x509.MarshalPKIXPublicKey(k.rs.Public())
			return resign(t, raw, map[string]any{"kid": "rs"}, nil, jwt.SigningMethodHS256, der)
		}, wantReason: "algorithm not allowed"},
		{name: "HS256 with the symmetric key of the key set", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "hs"}, nil, jwt.SigningMethodHS256, []byte("a-symmetric-key-never-to-be-used-for-id-tokens"))
		}, wantReason: "algorithm not allowed"},
		{name: "RS256 under the kid of an EC key", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "es"}, nil, jwt.SigningMethodRS256, k.rs)
		}, wantReason: "algorithm does not match the key"},
		{name: "ES384 not allowed", rewrite: func(t *testing.T, raw string) string {
			p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
			return resign(t, raw, map[string]any{"kid": "es"}, nil, jwt.SigningMethodES384, p384)
		}, wantReason: "algorithm not allowed"},
		{name: "unknown kid", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "rotated-away"}, nil, jwt.SigningMethodES256, k.es)
		}, wantReason: "no key of the provider's key set matches"},
		{name: "kid not a string", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": 7}, nil, jwt.SigningMethodES256, k.es)
		}, wantReason: "kid is not a string"},
		{name: "no kid, one key of the algorithm", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, nil, nil, jwt.SigningMethodES256, k.es)
		}, wantVerified: true},
		{name: "crit header", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "es", "crit": []string{"exp"}}, nil, jwt.SigningMethodES256, k.es)
		}, wantReason: "crit header"},
		{name: "jku header ignored, key set unchanged", rewrite: func(t *testing.T, raw string) string {
			return resign(t, raw, map[string]any{"kid": "es2", "jku": "http://127.0.0.1:1/evil-jwks"}, nil, jwt.SigningMethodES256, k.es2)
		}, wantReason: "no key of the provider's key set matches"},
		{name: "line break in the token", rewrite: func(t *testing.T, raw string) string {
			s := es(nil)(t, raw)
			return s[:10] + "\n" + s[10:]
		}, wantReason: "malformed"},
		{name: "not a JWT", rewrite: func(*testing.T, string) string { return "not-a-jwt" }, wantReason: "malformed"},
		{name: "too long", rewrite: func(*testing.T, string) string { return strings.Repeat("a", 17<<10) }, wantReason: "too long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rewrite func(string) string
			e := newEnv(t, devprovider.Config{}, func(dev *devprovider.Server) http.Handler {
				return &misbehaving{dev: dev, jwks: k.jwks, rewrite: func(raw string) string { return rewrite(raw) }}
			})
			rewrite = func(raw string) string { return tc.rewrite(t, raw) }
			f := newFlow(t, "csrf-idtoken")
			tok, id, err := e.p.Exchange(context.Background(), code(t, &e.p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce)
			if tc.wantReason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if id.Email != "king.arthur@camelot.bt" || id.EmailVerified != tc.wantVerified {
					t.Errorf("identity = %+v, want verified %v", id, tc.wantVerified)
				}
				return
			}
			if !errors.Is(err, oauth.ErrInvalidIDToken) || !strings.Contains(err.Error(), tc.wantReason) {
				t.Fatalf("error = %v, want ErrInvalidIDToken: %s", err, tc.wantReason)
			}
			if tok != nil || id != (oauth.Identity{}) {
				t.Errorf("a refused ID token still gave %+v, %+v", tok, id)
			}
			if n := e.p.Keys.Fetches(); n > 1 {
				t.Errorf("%d key set fetches for one login", n)
			}
		})
	}
}

// TestUserInfoSubjectMismatch: when the ID token has no e-mail, the userinfo
// answer completes it only if it describes the same subject.
func TestUserInfoSubjectMismatch(t *testing.T) {
	k := loadKeys(t)
	var userinfoSub atomic.Pointer[string] // nil: the provider's own answer
	e := newEnv(t, devprovider.Config{}, func(dev *devprovider.Server) http.Handler {
		m := &misbehaving{dev: dev, jwks: k.jwks, rewrite: func(raw string) string {
			return resign(t, raw, map[string]any{"kid": "es"}, func(c jwt.MapClaims) {
				delete(c, "email")
				delete(c, "email_verified")
			}, jwt.SigningMethodES256, k.es)
		}}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sub := userinfoSub.Load(); r.URL.Path == "/userinfo" && sub != nil {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"sub": *sub, "email": "mordred@camelot.bt", "email_verified": true})
				return
			}
			m.ServeHTTP(w, r)
		})
	})
	f := newFlow(t, "csrf-userinfo")
	_, id, err := e.p.Exchange(context.Background(), code(t, &e.p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce)
	if err != nil || id.Email != "king.arthur@camelot.bt" || !id.EmailVerified {
		t.Fatalf("e-mail from userinfo: %+v, %v", id, err)
	}
	other := "someone-else"
	userinfoSub.Store(&other)
	f = newFlow(t, "csrf-userinfo-2")
	_, _, err = e.p.Exchange(context.Background(), code(t, &e.p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce)
	if !errors.Is(err, oauth.ErrBadResponse) {
		t.Fatalf("userinfo of another subject: %v, want ErrBadResponse", err)
	}
}
