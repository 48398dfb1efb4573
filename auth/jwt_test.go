package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixtureNow is when the fixtures were generated: their long-lived tokens
// expire in 2100, the expired ones in 2020.
var fixtureNow = time.Date(2026, 11, 28, 14, 45, 51, 0, time.UTC)

const fixtureLongExp = 4102444800 // 2100-01-01T00:00:00Z

type purposeFixture struct {
	Secret   string `json:"secret"`
	Audience string `json:"audience"`
	Tokens   []struct {
		ID      string `json:"id"`
		Token   string `json:"token"`
		Decoded struct {
			Header  map[string]any `json:"header"`
			Payload map[string]any `json:"payload"`
		} `json:"decoded"`
		Check map[string]any `json:"check"`
	} `json:"tokens"`
}

func loadPurposeFixture(t testing.TB, name string) purposeFixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var f purposeFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if f.Secret == "" || f.Audience == "" || len(f.Tokens) == 0 {
		t.Fatalf("%s: incomplete fixture", name)
	}
	return f
}

var purposeFixtureFiles = []struct {
	file     string
	audience string
}{
	{"reset_tokens.json", ResetPasswordAudience},
	{"verify_tokens.json", VerifyAudience},
	{"oauth_state_tokens.json", OAuthStateAudience},
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

// TestPurposeTokenFixtures judges every fixture token as PyJWT's decode_jwt
// did for FastAPI Users: the row's check records "ok" or the exception.
func TestPurposeTokenFixtures(t *testing.T) {
	for _, ff := range purposeFixtureFiles {
		f := loadPurposeFixture(t, ff.file)
		if f.Audience != ff.audience {
			t.Fatalf("%s: audience %q, want %q", ff.file, f.Audience, ff.audience)
		}
		p := PurposeToken{Secret: []byte(f.Secret), Audience: f.Audience, Lifetime: time.Hour, Now: fixedNow(fixtureNow)}
		checkKey := "decode_jwt(SECRET, ['" + f.Audience + "'])"
		for _, row := range f.Tokens {
			t.Run(row.ID, func(t *testing.T) {
				want, ok := row.Check[checkKey].(string)
				if !ok {
					t.Fatalf("row has no %q check", checkKey)
				}
				claims, err := p.Parse(row.Token)
				switch want {
				case "ok":
					if err != nil {
						t.Fatalf("Parse: %v, FastAPI Users accepted it", err)
					}
					if !reflect.DeepEqual(claims, row.Decoded.Payload) {
						t.Fatalf("claims %v, want %v", claims, row.Decoded.Payload)
					}
				case "jwt.ExpiredSignatureError":
					if !errors.Is(err, ErrTokenExpired) {
						t.Fatalf("Parse error %v, want ErrTokenExpired", err)
					}
				default:
					if !errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenExpired) {
						t.Fatalf("Parse error %v, want ErrTokenInvalid (FastAPI Users: %s)", err, want)
					}
				}
				if err != nil && strings.Contains(err.Error(), row.Token) {
					t.Fatal("error text contains the token")
				}
			})
		}
	}
}

// TestPurposeTokenSignShape signs the claims of each fixture's first token,
// in the order FastAPI Users wrote them, with the same exp: the token comes
// out byte for byte FastAPI Users' (header, claim order, aud a string, exp an
// integer, signature), and parses back to the same claims.
func TestPurposeTokenSignShape(t *testing.T) {
	for _, ff := range purposeFixtureFiles {
		f := loadPurposeFixture(t, ff.file)
		row := f.Tokens[0]
		t.Run(row.ID, func(t *testing.T) {
			p := PurposeToken{
				Secret: []byte(f.Secret), Audience: f.Audience, Lifetime: time.Hour,
				Now: fixedNow(time.Unix(fixtureLongExp, 0).Add(-time.Hour)),
			}
			var claims []Claim
			for _, c := range orderedClaims(t, decodeSegment(t, strings.Split(row.Token, ".")[1])) {
				if c.Name != "aud" && c.Name != "exp" {
					claims = append(claims, c)
				}
			}
			tok, err := p.Sign(claims...)
			if err != nil {
				t.Fatal(err)
			}
			if tok != row.Token {
				t.Fatalf("token\n%s (%s)\nFastAPI Users wrote\n%s (%s)", tok, decodeSegment(t, strings.Split(tok, ".")[1]),
					row.Token, decodeSegment(t, strings.Split(row.Token, ".")[1]))
			}
			back, err := p.Parse(tok)
			if err != nil || !reflect.DeepEqual(back, row.Decoded.Payload) {
				t.Fatalf("Parse(Sign()) = %v, %v", back, err)
			}
		})
	}
}

// orderedClaims returns the members of a JSON object in the order written.
func orderedClaims(t testing.TB, payload []byte) []Claim {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var out []Claim
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, Claim{name.(string), v})
	}
	return out
}

func decodeSegment(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("segment %q: %v", s, err)
	}
	return b
}

func TestPurposeTokensNotInterchangeable(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	auds := []string{ResetPasswordAudience, VerifyAudience, OAuthStateAudience, "fastapi-users:auth"}
	for _, signAud := range auds {
		for _, parseAud := range auds {
			t.Run(signAud+"->"+parseAud, func(t *testing.T) {
				signer := PurposeToken{Secret: secret, Audience: signAud, Lifetime: time.Hour, Now: fixedNow(fixtureNow)}
				parser := PurposeToken{Secret: secret, Audience: parseAud, Lifetime: time.Hour, Now: fixedNow(fixtureNow)}
				tok, err := signer.Sign(Claim{"sub", "4fd3477b-eccf-4ee3-8f7d-68ad72261476"})
				if err != nil {
					t.Fatal(err)
				}
				_, err = parser.Parse(tok)
				if signAud == parseAud && err != nil {
					t.Fatalf("own token refused: %v", err)
				}
				if signAud != parseAud && (!errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenExpired)) {
					t.Fatalf("token of another purpose: %v, want ErrTokenInvalid", err)
				}
			})
		}
	}
}

func TestPurposeTokenExpiryBoundary(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	issued := time.Unix(1_800_000_000, 0)
	p := PurposeToken{Secret: secret, Audience: VerifyAudience, Lifetime: time.Hour, Now: fixedNow(issued)}
	tok, err := p.Sign(Claim{"sub", "x"})
	if err != nil {
		t.Fatal(err)
	}
	exp := issued.Add(time.Hour)
	for _, tc := range []struct {
		name    string
		now     time.Time
		expired bool
	}{
		{"at issue", issued, false},
		{"last nanosecond", exp.Add(-time.Nanosecond), false},
		{"at exp", exp, true},
		{"after exp", exp.Add(time.Second), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.Now = fixedNow(tc.now)
			_, err := p.Parse(tok)
			if tc.expired != errors.Is(err, ErrTokenExpired) || (!tc.expired && err != nil) {
				t.Fatalf("Parse at %v: %v", tc.now, err)
			}
			if tc.expired && !errors.Is(err, ErrTokenInvalid) {
				t.Fatal("ErrTokenExpired does not wrap ErrTokenInvalid")
			}
		})
	}
}

func TestPurposeTokenValidate(t *testing.T) {
	good := PurposeToken{Secret: []byte("0123456789abcdef0123456789abcdef"), Audience: ResetPasswordAudience, Lifetime: time.Hour}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		modify func(*PurposeToken)
	}{
		{"nil secret", func(p *PurposeToken) { p.Secret = nil }},
		{"31-byte secret", func(p *PurposeToken) { p.Secret = p.Secret[:31] }},
		{"no audience", func(p *PurposeToken) { p.Audience = "" }},
		{"zero lifetime", func(p *PurposeToken) { p.Lifetime = 0 }},
		{"sub-second lifetime", func(p *PurposeToken) { p.Lifetime = time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.modify(&p)
			if p.Validate() == nil {
				t.Fatal("Validate accepted it")
			}
			if _, err := p.Sign(); err == nil {
				t.Fatal("Sign worked")
			}
			// A token made with the same weak settings is still refused.
			weak := hs256(t, []byte(p.Secret), `{"alg":"HS256","typ":"JWT"}`,
				`{"aud":"`+p.Audience+`","exp":4102444800}`)
			if _, err := p.Parse(weak); !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("Parse: %v, want ErrTokenInvalid", err)
			}
		})
	}
}

func TestPurposeTokenSignRefusesBadClaims(t *testing.T) {
	p := PurposeToken{Secret: []byte("0123456789abcdef0123456789abcdef"), Audience: VerifyAudience, Lifetime: time.Hour}
	for _, tc := range []struct {
		name   string
		claims []Claim
	}{
		{"unencodable value", []Claim{{"bad", make(chan int)}}},
		{"aud", []Claim{{"aud", "fastapi-users:auth"}}},
		{"exp", []Claim{{"exp", 4102444800}}},
		{"name twice", []Claim{{"sub", "a"}, {"sub", "b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := p.Sign(tc.claims...); err == nil {
				t.Fatal("Sign accepted it")
			}
		})
	}
}

// TestPurposeTokenClaimOrder: claims are written in the order given, then
// aud and exp, as PyJWT writes FastAPI Users' payloads; the verification
// token of the fixtures, signed at the same second, comes out byte for byte.
func TestPurposeTokenClaimOrder(t *testing.T) {
	f := loadPurposeFixture(t, "verify_tokens.json")
	for _, row := range f.Tokens {
		if row.ID != "verify-valid-2100" {
			continue
		}
		p := PurposeToken{Secret: []byte(f.Secret), Audience: VerifyAudience, Lifetime: time.Hour,
			Now: fixedNow(time.Unix(fixtureLongExp, 0).Add(-time.Hour))}
		got, err := p.Sign(Claim{"sub", "4fd3477b-eccf-4ee3-8f7d-68ad72261476"}, Claim{"email", "king.arthur@camelot.bt"})
		if err != nil {
			t.Fatal(err)
		}
		if got != row.Token {
			t.Fatalf("token\n%s\nwant FastAPI Users'\n%s", got, row.Token)
		}
		return
	}
	t.Fatal("fixture verify-valid-2100 not found")
}

func FuzzPurposeTokenParse(f *testing.F) {
	for _, ff := range purposeFixtureFiles {
		for _, row := range loadPurposeFixture(f, ff.file).Tokens {
			f.Add(row.Token)
		}
	}
	f.Add(loadPurposeFixture(f, "reset_tokens.json").Tokens[0].Token + "\r\n")
	f.Add("")
	f.Add("..")
	f.Add("e30.e30.")
	f.Add("eyJhbGciOiJub25lIn0.eyJhdWQiOiJmYXN0YXBpLXVzZXJzOnJlc2V0IiwiZXhwIjo0MTAyNDQ0ODAwfQ.")
	f.Add("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bnVsbA.")
	secret := loadPurposeFixture(f, "reset_tokens.json").Secret
	parsers := make([]PurposeToken, 0, len(purposeFixtureFiles))
	for _, ff := range purposeFixtureFiles {
		parsers = append(parsers, PurposeToken{Secret: []byte(secret), Audience: ff.audience, Lifetime: time.Hour, Now: fixedNow(fixtureNow)})
	}
	f.Fuzz(func(t *testing.T, token string) {
		for _, p := range parsers {
			claims, err := p.Parse(token)
			if err != nil {
				if !errors.Is(err, ErrTokenInvalid) {
					t.Fatalf("error %v is not ErrTokenInvalid", err)
				}
				if len(token) > 12 && strings.Contains(err.Error(), token) {
					t.Fatal("error text contains the token")
				}
				continue
			}
			if !audienceContains(claims["aud"], p.Audience) {
				t.Fatalf("accepted aud %v for %s", claims["aud"], p.Audience)
			}
			exp, ok := claims["exp"].(float64)
			if !ok || !time.Unix(int64(exp), 0).After(fixtureNow) {
				t.Fatalf("accepted exp %v", claims["exp"])
			}
		}
	})
}

func audienceContains(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if v == want {
				return true
			}
		}
	}
	return false
}
