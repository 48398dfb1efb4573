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

// TestPurposeTokenSignShape signs the claims of each fixture's first token
// with the same exp and checks that ours decode to the same header and
// claims, with aud a string and exp an integer.
func TestPurposeTokenSignShape(t *testing.T) {
	for _, ff := range purposeFixtureFiles {
		f := loadPurposeFixture(t, ff.file)
		row := f.Tokens[0]
		t.Run(row.ID, func(t *testing.T) {
			p := PurposeToken{
				Secret: []byte(f.Secret), Audience: f.Audience, Lifetime: time.Hour,
				Now: fixedNow(time.Unix(fixtureLongExp, 0).Add(-time.Hour)),
			}
			in := map[string]any{}
			for k, v := range row.Decoded.Payload {
				if k != "aud" && k != "exp" {
					in[k] = v
				}
			}
			in["aud"] = "caller-supplied audience is replaced"
			tok, err := p.Sign(in)
			if err != nil {
				t.Fatal(err)
			}
			if in["aud"] != "caller-supplied audience is replaced" || len(in) != len(row.Decoded.Payload)-1 {
				t.Fatal("Sign modified its argument")
			}
			parts := strings.Split(tok, ".")
			fparts := strings.Split(row.Token, ".")
			if len(parts) != 3 {
				t.Fatalf("%d segments", len(parts))
			}
			if parts[0] != fparts[0] {
				t.Fatalf("header %s, FastAPI Users wrote %s", decodeSegment(t, parts[0]), decodeSegment(t, fparts[0]))
			}
			payload := decodeSegment(t, parts[1])
			var got map[string]json.RawMessage
			if err := json.Unmarshal(payload, &got); err != nil {
				t.Fatal(err)
			}
			if string(got["exp"]) != "4102444800" {
				t.Fatalf("exp %s, want the integer 4102444800", got["exp"])
			}
			if want, _ := json.Marshal(f.Audience); !bytes.Equal(got["aud"], want) {
				t.Fatalf("aud %s, want the string %s", got["aud"], want)
			}
			var claims map[string]any
			if err := json.Unmarshal(payload, &claims); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(claims, row.Decoded.Payload) {
				t.Fatalf("claims %v, FastAPI Users wrote %v", claims, row.Decoded.Payload)
			}
			back, err := p.Parse(tok)
			if err != nil || !reflect.DeepEqual(back, row.Decoded.Payload) {
				t.Fatalf("Parse(Sign()) = %v, %v", back, err)
			}
		})
	}
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
				tok, err := signer.Sign(map[string]any{"sub": "4fd3477b-eccf-4ee3-8f7d-68ad72261476"})
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
	tok, err := p.Sign(map[string]any{"sub": "x"})
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
			if _, err := p.Sign(map[string]any{}); err == nil {
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

func TestPurposeTokenSignRefusesUnencodable(t *testing.T) {
	p := PurposeToken{Secret: []byte("0123456789abcdef0123456789abcdef"), Audience: VerifyAudience, Lifetime: time.Hour}
	if _, err := p.Sign(map[string]any{"bad": make(chan int)}); err == nil {
		t.Fatal("Sign encoded a channel")
	}
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
