package backend

import (
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fixtureNow is when the fixtures were generated: their long-lived tokens
// expire in 2100, the expired ones in 2020.
var fixtureNow = time.Date(2026, 11, 28, 14, 45, 51, 0, time.UTC)

const fixtureLongExp = 4102444800 // 2100-01-01T00:00:00Z

var fixtureUser = uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")

type keyPair struct {
	Private string `json:"private_pem_pkcs8"`
	Public  string `json:"public_pem_spki"`
}

type tokenRow struct {
	ID         string `json:"id"`
	Token      string `json:"token"`
	VerifyWith string `json:"verify_with"`
	Valid      bool   `json:"valid"`
	Decoded    struct {
		Header  map[string]any `json:"header"`
		Payload map[string]any `json:"payload"`
	} `json:"decoded"`
	Check map[string]any `json:"check"`
}

type accessFixture struct {
	Secret      string              `json:"secret"`
	OtherSecret string              `json:"other_secret"`
	User        struct{ ID string } `json:"user"`
	Keys        map[string]keyPair  `json:"keys"`
	Tokens      []tokenRow          `json:"tokens"`
}

type purposeFixture struct {
	Secret   string     `json:"secret"`
	Audience string     `json:"audience"`
	Tokens   []tokenRow `json:"tokens"`
}

type cookieFixture struct {
	TokenUsed string `json:"token_used"`
	Variants  []struct {
		ID        string `json:"id"`
		Transport string `json:"transport"`
		Token     string `json:"token"`
		Login     struct {
			Status    int    `json:"status"`
			SetCookie string `json:"set_cookie"`
		} `json:"login"`
		Logout struct {
			Status    int    `json:"status"`
			SetCookie string `json:"set_cookie"`
		} `json:"logout"`
	} `json:"variants"`
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadAccess(t testing.TB) accessFixture {
	t.Helper()
	var f accessFixture
	loadJSON(t, "access_tokens.json", &f)
	if f.Secret == "" || len(f.Tokens) == 0 || f.User.ID != fixtureUser.String() {
		t.Fatal("access_tokens.json: incomplete fixture")
	}
	return f
}

func (f accessFixture) row(t testing.TB, id string) tokenRow {
	t.Helper()
	for _, r := range f.Tokens {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("access_tokens.json has no row %q", id)
	return tokenRow{}
}

func (f accessFixture) privateKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	k, err := ParsePrivateKeyPEM([]byte(f.Keys[name].Private))
	if err != nil {
		t.Fatalf("%s private key: %v", name, err)
	}
	return k
}

func (f accessFixture) publicKey(t testing.TB, name string) crypto.PublicKey {
	t.Helper()
	k, err := ParsePublicKeyPEM([]byte(f.Keys[name].Public))
	if err != nil {
		t.Fatalf("%s public key: %v", name, err)
	}
	return k
}

// strategy builds the verifier a fixture row names, as FastAPI Users'
// JWTStrategy was configured for it.
func (f accessFixture) strategy(t testing.TB, verifyWith string, now func() time.Time, cacheSize int) *JWTStrategy {
	t.Helper()
	var cfg JWTConfig
	switch verifyWith {
	case "hs256":
		cfg = JWTConfig{Secret: []byte(f.Secret)}
	case "rs256":
		cfg = JWTConfig{Algorithm: "RS256", PrivateKey: f.privateKey(t, "rsa_2048"), PublicKey: f.publicKey(t, "rsa_2048")}
	case "es256":
		cfg = JWTConfig{Algorithm: "ES256", PrivateKey: f.privateKey(t, "ec_p256"), PublicKey: f.publicKey(t, "ec_p256")}
	default:
		t.Fatalf("unknown verifier %q", verifyWith)
	}
	cfg.Lifetime = time.Hour
	cfg.Now = now
	cfg.CacheSize = cacheSize
	s := NewJWT(cfg)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func loadPurpose(t testing.TB, name string) purposeFixture {
	t.Helper()
	var f purposeFixture
	loadJSON(t, name, &f)
	if f.Secret == "" || f.Audience == "" || len(f.Tokens) == 0 {
		t.Fatalf("%s: incomplete fixture", name)
	}
	return f
}

// clock is an adjustable Now for tests, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) now() time.Time             { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)            { c.ns.Store(t.UnixNano()) }
func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }
