package backend

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

var _ Strategy = (*JWTStrategy)(nil)
var _ Validator = (*JWTStrategy)(nil)

// TestReadTokenFixtures reads every access token FastAPI Users made or
// judged, with the verifier its row names, and expects FastAPI Users'
// verdict except where we deliberately differ.
func TestReadTokenFixtures(t *testing.T) {
	f := loadAccess(t)
	// Where our answer differs from read_token's, and why.
	overrides := map[string]struct {
		valid bool
		id    string
	}{
		// Ours: tokens without exp are refused (FastAPI Users accepts them).
		"hs256-no-exp": {valid: false},
		// The JWT is fine; FastAPI Users refused it only because the user
		// does not exist, which the caller checks, not the strategy.
		"hs256-unknown-user": {valid: true, id: "00000000-0000-4000-8000-000000000000"},
	}
	for _, cacheSize := range []int{-1, 0} {
		name := "cached"
		if cacheSize < 0 {
			name = "uncached"
		}
		t.Run(name, func(t *testing.T) {
			strategies := map[string]*JWTStrategy{}
			for _, row := range f.Tokens {
				t.Run(row.ID, func(t *testing.T) {
					s := strategies[row.VerifyWith]
					if s == nil {
						s = f.strategy(t, row.VerifyWith, fixedNow(fixtureNow), cacheSize)
						strategies[row.VerifyWith] = s
					}
					wantValid, wantID := row.Valid, fixtureUser
					if o, ok := overrides[row.ID]; ok {
						wantValid = o.valid
						if o.id != "" {
							wantID = uuid.MustParse(o.id)
						}
					}
					// Twice: the second read may come from the cache.
					for range 2 {
						id, err := s.ReadToken(context.Background(), row.Token)
						if wantValid {
							if err != nil || id != wantID {
								t.Fatalf("ReadToken = %v, %v; want %v", id, err, wantID)
							}
						} else if !errors.Is(err, ErrInvalidToken) || id != uuid.Nil {
							t.Fatalf("ReadToken = %v, %v; want ErrInvalidToken", id, err)
						}
					}
				})
			}
		})
	}
}

// TestWriteTokenMatchesFastAPIUsers issues tokens for the fixture user at
// the second FastAPI Users issued its own: HS256 and RS256 (deterministic
// signatures) must be identical, ES256 and EdDSA must carry the same header
// shape and the same claims bytes.
func TestWriteTokenMatchesFastAPIUsers(t *testing.T) {
	f := loadAccess(t)
	issued := fixedNow(time.Unix(fixtureLongExp, 0).Add(-time.Hour))
	u := &user.Base{ID: fixtureUser}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		cfg       JWTConfig
		fixture   string // row whose token ours must equal, or whose payload it must share
		identical bool
	}{
		{"HS256", JWTConfig{Secret: []byte(f.Secret)}, "hs256-valid-2100", true},
		{"RS256", JWTConfig{Algorithm: "RS256", PrivateKey: f.privateKey(t, "rsa_2048")}, "rs256-valid-2100", true},
		{"ES256", JWTConfig{Algorithm: "ES256", PrivateKey: f.privateKey(t, "ec_p256")}, "es256-valid-2100", false},
		{"EdDSA", JWTConfig{Algorithm: "EdDSA", PrivateKey: edKey}, "hs256-valid-2100", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Lifetime = time.Hour
			tc.cfg.Now = issued
			s := NewJWT(tc.cfg)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			tok, err := s.WriteToken(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			want := f.row(t, tc.fixture)
			if tc.identical && tok != want.Token {
				t.Fatalf("WriteToken = %s\nFastAPI Users: %s", tok, want.Token)
			}
			parts, wantParts := strings.Split(tok, "."), strings.Split(want.Token, ".")
			if parts[1] != wantParts[1] {
				t.Fatalf("claims %s, FastAPI Users wrote %s", b64(t, parts[1]), b64(t, wantParts[1]))
			}
			var header map[string]any
			if err := json.Unmarshal(b64(t, parts[0]), &header); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(header, map[string]any{"alg": tc.name, "typ": "JWT"}) {
				t.Fatalf("header %v", header)
			}
			id, err := s.ReadToken(context.Background(), tok)
			if err != nil || id != fixtureUser {
				t.Fatalf("ReadToken(own token) = %v, %v", id, err)
			}
		})
	}
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteTokenClaims(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2030, 1, 2, 3, 4, 5, 999_999_999, time.UTC)
	id := uuid.MustParse("0A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9")
	for _, tc := range []struct {
		name     string
		audience []string
		lifetime time.Duration
		wantAud  string
		wantExp  string
	}{
		{"default audience", nil, time.Hour, `["fastapi-users:auth"]`, "1893557045"},
		{"custom audiences", []string{"a", `quote"d`}, 90 * time.Second, `["a","quote\"d"]`, "1893553535"},
		{"fraction of a second rounds down", nil, 1500 * time.Millisecond, `["fastapi-users:auth"]`, "1893553447"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewJWT(JWTConfig{Secret: secret, Lifetime: tc.lifetime, Audience: tc.audience, Now: fixedNow(now)})
			tok, err := s.WriteToken(context.Background(), &user.Base{ID: id})
			if err != nil {
				t.Fatal(err)
			}
			want := `{"sub":"0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9","aud":` + tc.wantAud + `,"exp":` + tc.wantExp + `}`
			if got := string(b64(t, strings.Split(tok, ".")[1])); got != want {
				t.Fatalf("claims %s, want %s", got, want)
			}
			if got, err := s.ReadToken(context.Background(), tok); err != nil || got != id {
				t.Fatalf("ReadToken = %v, %v", got, err)
			}
		})
	}
}

func TestWriteTokenWithoutUser(t *testing.T) {
	s := JWT([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if _, err := s.WriteToken(context.Background(), nil); err == nil {
		t.Fatal("WriteToken(nil) worked")
	}
}

func TestReadTokenSubjectSpellings(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := NewJWT(JWTConfig{Secret: secret, Lifetime: time.Hour, Now: fixedNow(fixtureNow), CacheSize: -1})
	for _, tc := range []struct {
		sub   string
		valid bool
	}{
		{"4fd3477b-eccf-4ee3-8f7d-68ad72261476", true},
		{"4FD3477B-ECCF-4EE3-8F7D-68AD72261476", true},
		{"4FD3477BECCF4EE38F7D68AD72261476", true},
		{"4fd3477beccf4ee38f7d68ad72261476", true},
		{"{4fd3477b-eccf-4ee3-8f7d-68ad72261476}", true},
		{"urn:uuid:4fd3477b-eccf-4ee3-8f7d-68ad72261476", true},
		{"x4fd3477b-eccf-4ee3-8f7d-68ad72261476y", false},
		{"4fd3477b-eccf-4ee3-8f7d-68ad7226147", false},
		{"4fd3477b-eccf-4ee3-8f7d-68ad7226147g", false},
		{"not-a-uuid", false},
		{"", false},
	} {
		t.Run(tc.sub, func(t *testing.T) {
			claims, _ := json.Marshal(map[string]any{"sub": tc.sub, "aud": []string{AccessAudience}, "exp": fixtureLongExp})
			id, err := s.ReadToken(context.Background(), signHS(t, secret, `{"alg":"HS256","typ":"JWT"}`, string(claims)))
			if tc.valid && (err != nil || id != fixtureUser) {
				t.Fatalf("ReadToken = %v, %v", id, err)
			}
			if !tc.valid && !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("ReadToken = %v, %v; want ErrInvalidToken", id, err)
			}
		})
	}
}

func TestJWTValidate(t *testing.T) {
	f := loadAccess(t)
	secret := []byte(f.Secret)
	rsaKey := f.privateKey(t, "rsa_2048")
	rsaOther := f.publicKey(t, "rsa_2048_other")
	ecKey := f.privateKey(t, "ec_p256")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  JWTConfig
		ok   bool
	}{
		{"HS256 default", JWTConfig{Secret: secret, Lifetime: time.Hour}, true},
		{"HS256 explicit", JWTConfig{Algorithm: "HS256", Secret: secret[:32], Lifetime: time.Second}, true},
		{"RS256", JWTConfig{Algorithm: "RS256", PrivateKey: rsaKey, Lifetime: time.Hour}, true},
		{"RS256 with matching public key", JWTConfig{Algorithm: "RS256", PrivateKey: rsaKey, PublicKey: f.publicKey(t, "rsa_2048"), Lifetime: time.Hour}, true},
		{"ES256", JWTConfig{Algorithm: "ES256", PrivateKey: ecKey, Lifetime: time.Hour}, true},
		{"EdDSA", JWTConfig{Algorithm: "EdDSA", PrivateKey: edKey, PublicKey: edPub, Lifetime: time.Hour}, true},
		{"custom audience", JWTConfig{Secret: secret, Lifetime: time.Hour, Audience: []string{"a", "b"}}, true},
		{"cache disabled", JWTConfig{Secret: secret, Lifetime: time.Hour, CacheSize: -1}, true},

		{"HS256 31-byte secret", JWTConfig{Secret: secret[:31], Lifetime: time.Hour}, false},
		{"HS256 no secret", JWTConfig{Lifetime: time.Hour}, false},
		{"HS256 with a key pair", JWTConfig{Secret: secret, PrivateKey: rsaKey, Lifetime: time.Hour}, false},
		{"HS256 with a public key", JWTConfig{Secret: secret, PublicKey: f.publicKey(t, "rsa_2048"), Lifetime: time.Hour}, false},
		{"RS256 without private key", JWTConfig{Algorithm: "RS256", PublicKey: f.publicKey(t, "rsa_2048"), Lifetime: time.Hour}, false},
		{"RS256 with a secret", JWTConfig{Algorithm: "RS256", Secret: secret, PrivateKey: rsaKey, Lifetime: time.Hour}, false},
		{"RS256 mismatched public key", JWTConfig{Algorithm: "RS256", PrivateKey: rsaKey, PublicKey: rsaOther, Lifetime: time.Hour}, false},
		{"RS256 public key of another type", JWTConfig{Algorithm: "RS256", PrivateKey: rsaKey, PublicKey: ecKey.Public(), Lifetime: time.Hour}, false},
		{"RS256 1024 bits", JWTConfig{Algorithm: "RS256", PrivateKey: small, Lifetime: time.Hour}, false},
		{"RS256 with EC key", JWTConfig{Algorithm: "RS256", PrivateKey: ecKey, Lifetime: time.Hour}, false},
		{"RS256 typed nil key", JWTConfig{Algorithm: "RS256", PrivateKey: (*rsa.PrivateKey)(nil), Lifetime: time.Hour}, false},
		{"ES256 P-384", JWTConfig{Algorithm: "ES256", PrivateKey: p384, Lifetime: time.Hour}, false},
		{"ES256 with RSA key", JWTConfig{Algorithm: "ES256", PrivateKey: rsaKey, Lifetime: time.Hour}, false},
		{"EdDSA with EC key", JWTConfig{Algorithm: "EdDSA", PrivateKey: ecKey, Lifetime: time.Hour}, false},
		{"unknown algorithm", JWTConfig{Algorithm: "HS512", Secret: secret, Lifetime: time.Hour}, false},
		{"none", JWTConfig{Algorithm: "none", Secret: secret, Lifetime: time.Hour}, false},
		{"zero lifetime", JWTConfig{Secret: secret}, false},
		{"negative lifetime", JWTConfig{Secret: secret, Lifetime: -time.Hour}, false},
		{"sub-second lifetime", JWTConfig{Secret: secret, Lifetime: 999 * time.Millisecond}, false},
		{"empty audience list", JWTConfig{Secret: secret, Lifetime: time.Hour, Audience: []string{}}, false},
		{"empty audience", JWTConfig{Secret: secret, Lifetime: time.Hour, Audience: []string{""}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewJWT(tc.cfg)
			err := s.Validate()
			if tc.ok != (err == nil) {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok {
				return
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Fatal("error text contains the secret")
			}
			// A broken strategy fails loudly, not as "invalid token" (401).
			if _, err := s.ReadToken(context.Background(), "x"); err == nil || errors.Is(err, ErrInvalidToken) {
				t.Fatalf("ReadToken on an invalid strategy: %v", err)
			}
			if _, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser}); err == nil {
				t.Fatal("WriteToken on an invalid strategy worked")
			}
		})
	}
}

func TestJWTCopiesConfig(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	aud := []string{"a"}
	s := NewJWT(JWTConfig{Secret: secret, Lifetime: time.Hour, Audience: aud, Now: fixedNow(fixtureNow)})
	tok, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser})
	if err != nil {
		t.Fatal(err)
	}
	secret[0], aud[0] = 'X', "b"
	again, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser})
	if err != nil || again != tok {
		t.Fatal("strategy follows the caller's slices")
	}
	if id, err := s.ReadToken(context.Background(), tok); err != nil || id != fixtureUser {
		t.Fatalf("ReadToken = %v, %v", id, err)
	}
}

func TestDestroyTokenDoesNothing(t *testing.T) {
	s := JWT([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
	u := &user.Base{ID: fixtureUser}
	tok, err := s.WriteToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DestroyToken(context.Background(), tok, u); err != nil {
		t.Fatal(err)
	}
	if id, err := s.ReadToken(context.Background(), tok); err != nil || id != fixtureUser {
		t.Fatalf("token no longer valid after DestroyToken: %v, %v", id, err)
	}
}

func TestJWTAlgorithm(t *testing.T) {
	if got := JWT([]byte("0123456789abcdef0123456789abcdef"), time.Hour).Algorithm(); got != auth.HS256 {
		t.Fatalf("Algorithm() = %q", got)
	}
}

// TestReadTokenConcurrent mixes readers, writers and a small cache under
// -race.
func TestReadTokenConcurrent(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := NewJWT(JWTConfig{Secret: secret, Lifetime: time.Hour, CacheSize: 32})
	const workers, tokensPer = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range tokensPer {
				id := uuid.New()
				tok, err := s.WriteToken(context.Background(), &user.Base{ID: id})
				if err != nil {
					errs <- err
					return
				}
				for range 3 {
					got, err := s.ReadToken(context.Background(), tok)
					if err != nil || got != id {
						errs <- errors.New("concurrent ReadToken returned the wrong user")
						return
					}
				}
				if i%7 == w%7 {
					if _, err := s.ReadToken(context.Background(), tok+"x"); !errors.Is(err, ErrInvalidToken) {
						errs <- errors.New("tampered token accepted")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := s.cache.len(); n > 32 {
		t.Fatalf("cache holds %d entries, bound is 32", n)
	}
}
