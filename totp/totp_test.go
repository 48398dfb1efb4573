package totp_test

import (
	"bytes"
	"encoding/base32"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/totp"
)

// The seeds of RFC 6238 appendix B, one per hash: the ASCII digits
// repeated to the hash's output size.
var (
	seedSHA1   = []byte("12345678901234567890")
	seedSHA256 = []byte("12345678901234567890123456789012")
	seedSHA512 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

func b32(raw []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
}

// rfc6238 is the table of RFC 6238 appendix B: eight-digit codes at each
// time T for each hash.
var rfc6238 = []struct {
	unix                 int64
	sha1, sha256, sha512 string
}{
	{59, "94287082", "46119246", "90693936"},
	{1111111109, "07081804", "68084774", "25091201"},
	{1111111111, "14050471", "67062674", "99943326"},
	{1234567890, "89005924", "91819424", "93441116"},
	{2000000000, "69279037", "90698825", "38618901"},
	{20000000000, "65353130", "77737706", "47863826"},
}

// TestRFC6238Vectors checks the SHA-1 vectors of appendix B through this
// package's path, whose six-digit codes are the last six digits of the
// eight-digit values (RFC 4226 section 5.3: the value modulo 10^Digit);
// TestHOTPVectors checks every hash with eight digits.
func TestRFC6238Vectors(t *testing.T) {
	secret := b32(seedSHA1)
	for _, v := range rfc6238 {
		at := time.Unix(v.unix, 0)
		six := v.sha1[2:]
		t.Run("ours/"+at.UTC().Format(time.RFC3339), func(t *testing.T) {
			if got, err := totp.Code(secret, at); err != nil || got != six {
				t.Errorf("Code = %q, %v; want %s", got, err, six)
			}
			step, err := totp.Verify(secret, six, at)
			if err != nil || step != v.unix/30 {
				t.Errorf("Verify = %d, %v; want step %d", step, err, v.unix/30)
			}
			// T's codes of 8 digits are not ours: a six-digit verifier
			// must refuse them, not truncate them.
			if _, err := totp.Verify(secret, v.sha1, at); !errors.Is(err, totp.ErrMalformedCode) {
				t.Errorf("Verify(8 digits) = %v, want ErrMalformedCode", err)
			}
		})
	}
}

// TestVerifyDrift: a code of the step before or after the verifier's is
// accepted, and reports its own step; two steps away is refused.
func TestVerifyDrift(t *testing.T) {
	secret := b32(seedSHA1)
	now := time.Unix(1234567890, 0)
	tests := []struct {
		name    string
		offset  time.Duration
		wantErr error
	}{
		{"same step", 0, nil},
		{"one step late", -totp.Period, nil},
		{"one step early", totp.Period, nil},
		{"two steps late", -2 * totp.Period, totp.ErrWrongCode},
		{"two steps early", 2 * totp.Period, totp.ErrWrongCode},
		{"a day late", -24 * time.Hour, totp.ErrWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			made := now.Add(tt.offset)
			code, err := totp.Code(secret, made)
			if err != nil {
				t.Fatal(err)
			}
			step, err := totp.Verify(secret, code, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %d, %v; want %v", step, err, tt.wantErr)
			}
			if err == nil && step != totp.Step(made) {
				t.Errorf("step = %d, want the code's own step %d", step, totp.Step(made))
			}
		})
	}
}

// TestVerifyReportsTheStepForReuseChecks: a code verifies to the same step
// for as long as it is valid, which is what lets the caller refuse it the
// second time (step <= last accepted), and a later code to a greater step.
func TestVerifyReportsTheStepForReuseChecks(t *testing.T) {
	secret := b32(seedSHA1)
	t0 := time.Unix(1111111111, 0)
	code, _ := totp.Code(secret, t0)
	first, err := totp.Verify(secret, code, t0)
	if err != nil {
		t.Fatal(err)
	}
	again, err := totp.Verify(secret, code, t0.Add(totp.Period))
	if err != nil || again != first {
		t.Fatalf("the same code a step later = %d, %v; want step %d again", again, err, first)
	}
	next, _ := totp.Code(secret, t0.Add(totp.Period))
	if step, err := totp.Verify(secret, next, t0.Add(totp.Period)); err != nil || step != first+1 {
		t.Fatalf("the next code = %d, %v; want step %d", step, err, first+1)
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {1111111109, 37037036},
		{-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := totp.Step(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("Step(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

// TestVerifyNearTheEpoch: steps before 1970 do not exist; the first step
// still accepts its successor's code.
func TestVerifyNearTheEpoch(t *testing.T) {
	secret := b32(seedSHA1)
	code, _ := totp.Code(secret, time.Unix(30, 0))
	if step, err := totp.Verify(secret, code, time.Unix(10, 0)); err != nil || step != 1 {
		t.Errorf("Verify at 10 s = %d, %v; want step 1", step, err)
	}
	if _, err := totp.Code(secret, time.Unix(-1, 0)); !errors.Is(err, totp.ErrWrongCode) {
		t.Errorf("Code before 1970: %v, want ErrWrongCode", err)
	}
	if _, err := totp.Verify(secret, "000000", time.Unix(-3600, 0)); !errors.Is(err, totp.ErrWrongCode) {
		t.Errorf("Verify before 1970: %v, want ErrWrongCode", err)
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"six digits", "123456", "123456"},
		{"leading zeros", "000042", "000042"},
		{"spaces around", "  123456 ", "123456"},
		{"five digits", "12345", ""},
		{"seven digits", "1234567", ""},
		{"space inside", "123 456", ""},
		{"tab around", "\t123456", ""},
		{"newline after", "123456\n", ""},
		{"letters", "12345a", ""},
		{"sign", "+12345", ""},
		{"arabic-indic digits", "١٢٣٤٥٦", ""},
		{"fullwidth digits", "１２３４５６", ""},
		{"empty", "", ""},
		{"only spaces", "      ", ""},
		{"long padding", strings.Repeat(" ", 100) + "123456", ""},
		{"NUL", "123456\x00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := totp.ParseCode(tt.in)
			if tt.want == "" {
				if !errors.Is(err, totp.ErrMalformedCode) || got != "" {
					t.Fatalf("ParseCode(%q) = %q, %v; want ErrMalformedCode", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	ok := b32(seedSHA1)
	tests := []struct {
		name string
		in   string
		want []byte
	}{
		{"20 bytes", ok, seedSHA1},
		{"lower-case", strings.ToLower(ok), seedSHA1},
		{"16 bytes", b32(seedSHA1[:16]), seedSHA1[:16]},
		{"64 bytes", b32(seedSHA512), seedSHA512},
		{"15 bytes", b32(seedSHA1[:15]), nil},
		{"65 bytes", b32(append(seedSHA512, 1)), nil},
		{"padded", base32.StdEncoding.EncodeToString(seedSHA1[:16]), nil},
		{"spaces", ok[:8] + " " + ok[8:], nil},
		{"newline", ok[:8] + "\n" + ok[8:], nil},
		{"digit 1", "1" + ok[1:], nil},
		{"non-canonical last character", b32(seedSHA1[:16])[:25] + "B", nil},
		{"empty", "", nil},
		{"very long", strings.Repeat("A", 4096), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := totp.ParseSecret(tt.in)
			if tt.want == nil {
				if !errors.Is(err, totp.ErrMalformedSecret) {
					t.Fatalf("ParseSecret = %x, %v; want ErrMalformedSecret", got, err)
				}
				if strings.Contains(err.Error(), tt.in) && tt.in != "" {
					t.Fatal("the error repeats the secret")
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("ParseSecret = %x, %v; want %x", got, err, tt.want)
			}
		})
	}
	if _, err := totp.Verify("not a secret!", "123456", time.Now()); !errors.Is(err, totp.ErrMalformedSecret) {
		t.Errorf("Verify with a malformed secret: %v", err)
	}
	if _, err := totp.Code("", time.Now()); !errors.Is(err, totp.ErrMalformedSecret) {
		t.Errorf("Code with no secret: %v", err)
	}
}

// TestNewKey: the secret is the reader's 20 bytes, and the URL is one that
// net/url reads back as the same issuer, account and parameters (Google's
// Key URI Format), escapes included.
func TestNewKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xA5}, 25)
	tests := []struct {
		name, issuer, account, wantURL string
	}{
		{"plain", "Camelot", "king.arthur@camelot.bt",
			"otpauth://totp/Camelot:king.arthur@camelot.bt?secret=UWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNF&issuer=Camelot&algorithm=SHA1&digits=6&period=30"},
		{"spaces and ampersand", "Round Table & Co", "king.arthur@camelot.bt",
			"otpauth://totp/Round%20Table%20&%20Co:king.arthur@camelot.bt?secret=UWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNF&issuer=Round%20Table%20%26%20Co&algorithm=SHA1&digits=6&period=30"},
		{"slash, plus and question mark in the address", "Camelot", "a/b+c?d@camelot.bt", ""},
		{"non-ASCII", "Château", "bédivère@camelot.bt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := totp.NewKey(bytes.NewReader(raw), tt.issuer, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if key.Secret != b32(raw[:20]) {
				t.Errorf("Secret = %s, want the reader's first 20 bytes", key.Secret)
			}
			if tt.wantURL != "" && key.URL != tt.wantURL {
				t.Errorf("URL = %s\nwant  %s", key.URL, tt.wantURL)
			}
			u, err := url.Parse(key.URL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/"+tt.issuer+":"+tt.account || q.Get("issuer") != tt.issuer ||
				q.Get("secret") != key.Secret || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
				t.Errorf("net/url reads %q %q %q %v", u.Scheme, u.Host, u.Path, q)
			}
			if strings.Contains(u.RawQuery, "+") {
				t.Errorf("query %q has a '+': apps may not read it as a space", u.RawQuery)
			}
			code, _ := totp.Code(key.Secret, time.Unix(1234567890, 0))
			if _, err := totp.Verify(key.Secret, code, time.Unix(1234567890, 0)); err != nil {
				t.Errorf("the key's own code: %v", err)
			}
		})
	}
}

func TestNewKeyRefuses(t *testing.T) {
	long := strings.Repeat("a", 321)
	tests := []struct {
		name, issuer, account string
		r                     []byte
		wantErr               error
	}{
		{"empty issuer", "", "a@camelot.bt", make([]byte, 20), totp.ErrBadLabel},
		{"colon in issuer", "Camelot:Round", "a@camelot.bt", make([]byte, 20), totp.ErrBadLabel},
		{"colon in account", "Camelot", "a:b@camelot.bt", make([]byte, 20), totp.ErrBadLabel},
		{"newline in issuer", "Camelot\n", "a@camelot.bt", make([]byte, 20), totp.ErrBadLabel},
		{"NUL in account", "Camelot", "a\x00@camelot.bt", make([]byte, 20), totp.ErrBadLabel},
		{"invalid UTF-8", "Camelot\xff", "a@camelot.bt", make([]byte, 20), totp.ErrBadLabel},
		{"too long", "Camelot", long, make([]byte, 20), totp.ErrBadLabel},
		{"empty account", "Camelot", "", make([]byte, 20), totp.ErrBadLabel},
		{"short reader", "Camelot", "a@camelot.bt", make([]byte, 19), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := totp.NewKey(bytes.NewReader(tt.r), tt.issuer, tt.account)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("NewKey = %+v, %v; want %v", key, err, tt.wantErr)
			}
		})
	}
	if key, err := totp.NewKey(nil, "Camelot", "a@camelot.bt"); err != nil || len(key.Secret) != 32 {
		t.Fatalf("NewKey(nil) = %+v, %v", key, err)
	}
}

// FuzzParseCode: whatever a client sends, ParseCode accepts exactly six
// ASCII digits with spaces around, and Verify never panics and refuses
// what ParseCode refuses before computing anything.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"123456", " 123456 ", "12345", "１２３４５６", "123456\n", "", "0000000"} {
		f.Add(s)
	}
	secret := b32(seedSHA1)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := totp.ParseCode(in)
		trimmed := strings.Trim(in, " ")
		valid := len(in) <= 64 && len(trimmed) == 6 && strings.Trim(trimmed, "0123456789") == ""
		if valid != (err == nil) {
			t.Fatalf("ParseCode(%q) = %q, %v", in, got, err)
		}
		if err == nil && got != trimmed {
			t.Fatalf("ParseCode(%q) = %q", in, got)
		}
		_, verr := totp.Verify(secret, in, time.Unix(1234567890, 0))
		if err != nil && !errors.Is(verr, totp.ErrMalformedCode) {
			t.Fatalf("Verify of a malformed code: %v", verr)
		}
		if err == nil && verr != nil && !errors.Is(verr, totp.ErrWrongCode) {
			t.Fatalf("Verify of a well-formed code: %v", verr)
		}
	})
}

// FuzzParseSecret: a secret parses only in its one canonical spelling
// (upper- or lower-case), to 16..64 bytes that encode back to it.
func FuzzParseSecret(f *testing.F) {
	for _, s := range []string{b32(seedSHA1), strings.ToLower(b32(seedSHA256)), b32(seedSHA512), "", "AAAA====", "GEZDGNBV\nGY3TQOJQ", strings.Repeat("A", 103)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		raw, err := totp.ParseSecret(in)
		if err != nil {
			if !errors.Is(err, totp.ErrMalformedSecret) || raw != nil {
				t.Fatalf("ParseSecret = %x, %v", raw, err)
			}
			return
		}
		if len(raw) < 16 || len(raw) > 64 || b32(raw) != strings.ToUpper(in) {
			t.Fatalf("ParseSecret(%q) = %x, which is not its canonical reading", in, raw)
		}
		if _, err := totp.Code(in, time.Unix(59, 0)); err != nil {
			t.Fatalf("Code with a parsed secret: %v", err)
		}
	})
}
