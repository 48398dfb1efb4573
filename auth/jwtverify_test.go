package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	testSecret  = []byte("SECRET-for-reference-only-0123456789abcdef")
	otherSecret = []byte("a-DIFFERENT-secret-not-the-server-one-9876543210")
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

func hmacSign(h func() hash.Hash, key []byte) func(string) []byte {
	return func(input string) []byte {
		m := hmac.New(h, key)
		m.Write([]byte(input))
		return m.Sum(nil)
	}
}

func hs256(t testing.TB, key []byte, header, payload string) string {
	t.Helper()
	return rawJWT(header, payload, hmacSign(sha256.New, key))
}

// TestJWTVerifierRules is the table of the shared verification rules, each
// case a token an attacker or a buggy issuer could present.
func TestJWTVerifierRules(t *testing.T) {
	const aud = "fastapi-users:reset"
	v, err := NewJWTVerifier(HS256, testSecret, []string{aud}, fixedNow(fixtureNow))
	if err != nil {
		t.Fatal(err)
	}
	now := fixtureNow.Unix()
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	good := `{"sub":"u","aud":"` + aud + `","exp":4102444800}`
	goodToken := hs256(t, testSecret, hsHeader, good)

	type want int
	const (
		ok want = iota
		expired
		invalid
	)
	cases := []struct {
		name  string
		token string
		want  want
	}{
		{"good", goodToken, ok},
		{"aud list containing", hs256(t, testSecret, hsHeader, `{"aud":["other","`+aud+`"],"exp":4102444800}`), ok},
		{"exp float", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800.5}`), ok},
		{"nbf past", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"nbf":1577836800}`), ok},
		{"nbf now", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"nbf":`+num(now)+`}`), ok},
		{"iat number", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"iat":1577836800}`), ok},
		{"kid and jku ignored", hs256(t, testSecret, `{"alg":"HS256","jku":"http://127.0.0.1:1/jwks","kid":"../../dev/null","typ":"JWT"}`, good), ok},
		{"extra claims kept", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"email":"a@b.c","n":null}`), ok},

		{"expired", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":1577836800}`), expired},
		{"exp now", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":`+num(now)+`}`), expired},
		{"expired and wrong audience (PyJWT checks exp first)", hs256(t, testSecret, hsHeader, `{"aud":"other","exp":1577836800}`), expired},

		{"expired and nbf future", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":1577836800,"nbf":4102444800}`), invalid},
		{"expired with wrong secret", hs256(t, otherSecret, hsHeader, `{"aud":"`+aud+`","exp":1577836800}`), invalid},
		{"nbf future", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"nbf":`+num(now+1)+`}`), invalid},
		{"nbf string", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"nbf":"1577836800"}`), invalid},
		{"nbf null", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"nbf":null}`), invalid},
		{"no exp", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`"}`), invalid},
		{"exp zero", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":0}`), invalid},
		{"exp string", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":"4102444800"}`), invalid},
		{"exp null", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":null}`), invalid},
		{"exp bool", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":true}`), invalid},
		{"exp list", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":[4102444800]}`), invalid},
		{"exp overflowing float64", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":1e400}`), invalid},
		{"no aud", hs256(t, testSecret, hsHeader, `{"exp":4102444800}`), invalid},
		{"aud other", hs256(t, testSecret, hsHeader, `{"aud":"fastapi-users:verify","exp":4102444800}`), invalid},
		{"aud list without", hs256(t, testSecret, hsHeader, `{"aud":["fastapi-users:auth"],"exp":4102444800}`), invalid},
		{"aud prefix", hs256(t, testSecret, hsHeader, `{"aud":"fastapi-users:rese","exp":4102444800}`), invalid},
		{"aud case", hs256(t, testSecret, hsHeader, `{"aud":"FASTAPI-USERS:RESET","exp":4102444800}`), invalid},
		{"aud null", hs256(t, testSecret, hsHeader, `{"aud":null,"exp":4102444800}`), invalid},
		{"aud number", hs256(t, testSecret, hsHeader, `{"aud":1,"exp":4102444800}`), invalid},
		{"aud object", hs256(t, testSecret, hsHeader, `{"aud":{"`+aud+`":true},"exp":4102444800}`), invalid},
		{"aud empty", hs256(t, testSecret, hsHeader, `{"aud":"","exp":4102444800}`), invalid},
		{"aud empty list", hs256(t, testSecret, hsHeader, `{"aud":[],"exp":4102444800}`), invalid},
		{"aud list with a number", hs256(t, testSecret, hsHeader, `{"aud":["`+aud+`",1],"exp":4102444800}`), invalid},
		{"aud list with null", hs256(t, testSecret, hsHeader, `{"aud":["`+aud+`",null],"exp":4102444800}`), invalid},
		{"sub number", hs256(t, testSecret, hsHeader, `{"sub":1,"aud":"`+aud+`","exp":4102444800}`), invalid},
		{"sub null", hs256(t, testSecret, hsHeader, `{"sub":null,"aud":"`+aud+`","exp":4102444800}`), invalid},
		{"iss number", hs256(t, testSecret, hsHeader, `{"iss":1,"aud":"`+aud+`","exp":4102444800}`), invalid},
		{"jti null", hs256(t, testSecret, hsHeader, `{"jti":null,"aud":"`+aud+`","exp":4102444800}`), invalid},
		{"iat string", hs256(t, testSecret, hsHeader, `{"iat":"1","aud":"`+aud+`","exp":4102444800}`), invalid},
		{"claims null", hs256(t, testSecret, hsHeader, `null`), invalid},
		{"claims list", hs256(t, testSecret, hsHeader, `[]`), invalid},
		{"claims string", hs256(t, testSecret, hsHeader, `"x"`), invalid},
		{"claims not JSON", hs256(t, testSecret, hsHeader, `{"aud":`), invalid},
		{"claims with trailing data", hs256(t, testSecret, hsHeader, good+`{}`), invalid},

		{"wrong secret", hs256(t, otherSecret, hsHeader, good), invalid},
		{"wrong secret with kid naming it", hs256(t, otherSecret, `{"alg":"HS256","kid":"other","typ":"JWT"}`, good), invalid},
		{"tampered claims", swapPayload(goodToken, `{"sub":"admin","aud":"`+aud+`","exp":4102444800}`), invalid},
		{"alg none", rawJWT(`{"alg":"none","typ":"JWT"}`, good, nil), invalid},
		{"alg none with signature", rawJWT(`{"alg":"none","typ":"JWT"}`, good, hmacSign(sha256.New, testSecret)), invalid},
		{"alg lower case", hs256(t, testSecret, `{"alg":"hs256","typ":"JWT"}`, good), invalid},
		{"alg HS512 same secret", rawJWT(`{"alg":"HS512","typ":"JWT"}`, good, hmacSign(sha512.New, testSecret)), invalid},
		{"alg missing", hs256(t, testSecret, `{"typ":"JWT"}`, good), invalid},
		{"alg null", hs256(t, testSecret, `{"alg":null,"typ":"JWT"}`, good), invalid},
		{"alg list", hs256(t, testSecret, `{"alg":["HS256"],"typ":"JWT"}`, good), invalid},
		{"crit header", hs256(t, testSecret, `{"alg":"HS256","crit":["exp"],"typ":"JWT"}`, good), invalid},
		{"crit empty", hs256(t, testSecret, `{"alg":"HS256","crit":[],"typ":"JWT"}`, good), invalid},
		{"crit null", hs256(t, testSecret, `{"alg":"HS256","crit":null,"typ":"JWT"}`, good), invalid},
		{"header null", hs256(t, testSecret, `null`, good), invalid},
		{"header list", hs256(t, testSecret, `["HS256"]`, good), invalid},
		{"header not JSON", hs256(t, testSecret, `{"alg":"HS256"`, good), invalid},

		{"signature padded", goodToken + "=", invalid},
		{"signature non-canonical trailing bits", flipTrailingBits(t, goodToken), invalid},
		{"standard base64 alphabet", toStdAlphabet(hs256(t, testSecret, hsHeader, `{"sub":"???>>>","aud":"`+aud+`","exp":4102444800}`)), invalid},
		{"empty", "", invalid},
		{"dots", "..", invalid},
		{"two segments", goodToken[:strings.LastIndexByte(goodToken, '.')], invalid},
		{"four segments", goodToken + ".", invalid},
		{"leading space", " " + goodToken, invalid},
		{"trailing newline", goodToken + "\n", invalid},
		{"line break inside", goodToken[:10] + "\r\n" + goodToken[10:], invalid},
		{"space inside", goodToken[:10] + " " + goodToken[10:], invalid},
		{"garbage", "not a token at all", invalid},
		{"binary", "\x00\xff.\x00.\x00", invalid},
		{"too long", hs256(t, testSecret, hsHeader, `{"aud":"`+aud+`","exp":4102444800,"pad":"`+strings.Repeat("x", MaxJWTLength)+`"}`), invalid},
	}
	for _, seg := range []int{0, 1} {
		if p := paddedSegment(goodToken, seg); p != "" {
			cases = append(cases, struct {
				name  string
				token string
				want  want
			}{"segment " + strconv.Itoa(seg) + " padded", p, invalid})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := v.Verify(tc.token)
			switch tc.want {
			case ok:
				if err != nil || claims == nil {
					t.Fatalf("Verify: %v", err)
				}
			case expired:
				if !errors.Is(err, ErrTokenExpired) {
					t.Fatalf("Verify: %v, want ErrTokenExpired", err)
				}
			case invalid:
				if !errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenExpired) || claims != nil {
					t.Fatalf("Verify: %v %v, want ErrTokenInvalid", claims, err)
				}
			}
		})
	}
}

func swapPayload(token, payload string) string {
	p := strings.Split(token, ".")
	p[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(p, ".")
}

// flipTrailingBits sets an unused low bit in the last signature character:
// a lenient decoder yields the same bytes, so only strict decoding refuses.
func flipTrailingBits(t testing.TB, token string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	if last < 0 || last&1 != 0 {
		t.Fatalf("unexpected last character %q", token[len(token)-1])
	}
	out := token[:len(token)-1] + string(alphabet[last|1])
	sig := out[strings.LastIndexByte(out, '.')+1:]
	a, _ := base64.RawURLEncoding.DecodeString(sig)
	b, _ := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
	if string(a) != string(b) {
		t.Fatal("lenient decoding differs; the case would not test strictness")
	}
	return out
}

// paddedSegment returns token with segment i given its '=' padding, or ""
// if that segment needs none.
func paddedSegment(token string, i int) string {
	p := strings.Split(token, ".")
	n := (4 - len(p[i])%4) % 4
	if n == 0 {
		return ""
	}
	p[i] += strings.Repeat("=", n)
	return strings.Join(p, ".")
}

func toStdAlphabet(token string) string {
	if !strings.ContainsAny(token, "-_") {
		panic("token has no URL-specific characters")
	}
	return strings.NewReplacer("-", "+", "_", "/").Replace(token)
}

func TestJWTVerifierLengthBoundary(t *testing.T) {
	v, err := NewJWTVerifier(HS256, testSecret, []string{"a"}, fixedNow(fixtureNow))
	if err != nil {
		t.Fatal(err)
	}
	build := func(n int) string {
		tok := hs256(t, testSecret, hsHeader, `{"aud":"a","exp":4102444800,"p":"`+strings.Repeat("x", n)+`"}`)
		return tok
	}
	// Grow the padding claim until the token is exactly MaxJWTLength long
	// (each base64 step adds 0 or more characters, so search).
	var exact string
	for n := MaxJWTLength - 200; n < MaxJWTLength; n++ {
		if tok := build(n); len(tok) == MaxJWTLength {
			exact = tok
			break
		}
	}
	if exact == "" {
		t.Skip("no padding length gives exactly MaxJWTLength")
	}
	if _, err := v.Verify(exact); err != nil {
		t.Fatalf("token of MaxJWTLength refused: %v", err)
	}
}

// TestJWTSignerMatchesFastAPIUsers re-signs the fixture's payload bytes and
// must reproduce FastAPI Users' token byte for byte (same header, HMAC).
func TestJWTSignerMatchesFastAPIUsers(t *testing.T) {
	f := loadPurposeFixture(t, "reset_tokens.json")
	s, err := NewJWTSigner(HS256, []byte(f.Secret))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range f.Tokens {
		if row.Check["decode_jwt(SECRET, ['fastapi-users:reset'])"] == "jwt.InvalidSignatureError" {
			continue
		}
		t.Run(row.ID, func(t *testing.T) {
			payload := decodeSegment(t, strings.Split(row.Token, ".")[1])
			got, err := s.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			if got != row.Token {
				t.Fatalf("Sign = %s\nFastAPI Users: %s", got, row.Token)
			}
		})
	}
}

// opaqueSigner hides the concrete key type, as a hardware or KMS key would.
type opaqueSigner struct{ s crypto.Signer }

func (o opaqueSigner) Public() crypto.PublicKey { return o.s.Public() }
func (o opaqueSigner) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.s.Sign(r, d, opts)
}

func TestJWTSignerRoundTrip(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg       string
		sign      any
		verify    any
		sigLength int
	}{
		{HS256, testSecret, testSecret, 32},
		{RS256, rsaKey, &rsaKey.PublicKey, 256},
		{RS256, opaqueSigner{rsaKey}, &rsaKey.PublicKey, 256},
		{ES256, ecKey, &ecKey.PublicKey, 64},
		{ES256, opaqueSigner{ecKey}, &ecKey.PublicKey, 64},
		{EdDSA, edKey, edKey.Public(), 64},
		{EdDSA, opaqueSigner{edKey}, edKey.Public(), 64},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			s, err := NewJWTSigner(tc.alg, tc.sign)
			if err != nil {
				t.Fatal(err)
			}
			if s.Algorithm() != tc.alg {
				t.Fatalf("Algorithm() = %s", s.Algorithm())
			}
			v, err := NewJWTVerifier(tc.alg, tc.verify, []string{"a"}, fixedNow(fixtureNow))
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				tok, err := s.Sign([]byte(`{"sub":"x","aud":["a"],"exp":4102444800}`))
				if err != nil {
					t.Fatal(err)
				}
				parts := strings.Split(tok, ".")
				if got := string(decodeSegment(t, parts[0])); got != `{"alg":"`+tc.alg+`","typ":"JWT"}` {
					t.Fatalf("header %s", got)
				}
				if n := len(decodeSegment(t, parts[2])); n != tc.sigLength {
					t.Fatalf("signature of %d bytes, want %d", n, tc.sigLength)
				}
				claims, err := v.Verify(tok)
				if err != nil || claims["sub"] != "x" {
					t.Fatalf("Verify = %v, %v", claims, err)
				}
			}
		})
	}
}

func TestJWTKeysMustFitAlgorithm(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var nilRSA *rsa.PrivateKey
	for _, tc := range []struct {
		name      string
		alg       string
		verifyKey any
		signKey   any
	}{
		{"HS256 string secret", HS256, string(testSecret), string(testSecret)},
		{"HS256 short secret", HS256, testSecret[:MinSecretLength-1], testSecret[:MinSecretLength-1]},
		{"HS256 nil secret", HS256, []byte(nil), []byte(nil)},
		{"HS256 with RSA key", HS256, &rsaKey.PublicKey, rsaKey},
		{"RS256 with secret", RS256, testSecret, testSecret},
		{"RS256 with PEM bytes", RS256, []byte("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh...\n-----END PUBLIC KEY-----\n"), []byte("x")},
		{"RS256 1024 bits", RS256, &smallRSA.PublicKey, smallRSA},
		{"RS256 with EC key", RS256, &p256.PublicKey, p256},
		{"RS256 nil", RS256, (*rsa.PublicKey)(nil), nilRSA},
		{"RS256 private as public", RS256, rsaKey, &rsaKey.PublicKey},
		{"ES256 P-384", ES256, &p384.PublicKey, p384},
		{"ES256 with RSA key", ES256, &rsaKey.PublicKey, rsaKey},
		{"ES256 with Ed25519 key", ES256, edPub, edKey},
		{"EdDSA short key", EdDSA, edPub[:31], edKey[:63]},
		{"EdDSA with EC key", EdDSA, &p256.PublicKey, p256},
		{"none", "none", testSecret, testSecret},
		{"HS512", "HS512", testSecret, testSecret},
		{"empty algorithm", "", testSecret, testSecret},
		{"nil keys", RS256, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewJWTVerifier(tc.alg, tc.verifyKey, []string{"a"}, nil); !errors.Is(err, ErrJWTKey) {
				t.Errorf("NewJWTVerifier: %v, want ErrJWTKey", err)
			}
			if _, err := NewJWTSigner(tc.alg, tc.signKey); !errors.Is(err, ErrJWTKey) {
				t.Errorf("NewJWTSigner: %v, want ErrJWTKey", err)
			}
		})
	}
}

func TestJWTVerifierNeedsAudience(t *testing.T) {
	for _, aud := range [][]string{nil, {}, {""}, {"a", ""}} {
		if _, err := NewJWTVerifier(HS256, testSecret, aud, nil); err == nil {
			t.Errorf("audience %q accepted", aud)
		}
	}
}

func TestJWTVerifierCopiesSecret(t *testing.T) {
	secret := append([]byte(nil), testSecret...)
	v, err := NewJWTVerifier(HS256, secret, []string{"a"}, fixedNow(fixtureNow))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewJWTSigner(HS256, secret)
	if err != nil {
		t.Fatal(err)
	}
	tok := hs256(t, testSecret, hsHeader, `{"aud":"a","exp":4102444800}`)
	secret[0] ^= 0xff
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("verifier follows the caller's slice: %v", err)
	}
	if got, _ := s.Sign([]byte(`{"aud":"a","exp":4102444800}`)); got != tok {
		t.Fatal("signer follows the caller's slice")
	}
}

func TestJWTVerifierDefaultClock(t *testing.T) {
	v, err := NewJWTVerifier(HS256, testSecret, []string{"a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Unix()
	if _, err := v.Verify(hs256(t, testSecret, hsHeader, `{"aud":"a","exp":`+strconv.FormatInt(exp, 10)+`}`)); err != nil {
		t.Fatal(err)
	}
	exp = time.Now().Add(-time.Minute).Unix()
	if _, err := v.Verify(hs256(t, testSecret, hsHeader, `{"aud":"a","exp":`+strconv.FormatInt(exp, 10)+`}`)); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("Verify: %v, want ErrTokenExpired", err)
	}
}

func BenchmarkJWTVerify(b *testing.B) {
	v, err := NewJWTVerifier(HS256, testSecret, []string{"a"}, fixedNow(fixtureNow))
	if err != nil {
		b.Fatal(err)
	}
	tok := hs256(b, testSecret, hsHeader, `{"sub":"4fd3477b-eccf-4ee3-8f7d-68ad72261476","aud":["a"],"exp":4102444800}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWTSign(b *testing.B) {
	s, err := NewJWTSigner(HS256, testSecret)
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"sub":"4fd3477b-eccf-4ee3-8f7d-68ad72261476","aud":["a"],"exp":4102444800}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(payload); err != nil {
			b.Fatal(err)
		}
	}
}
