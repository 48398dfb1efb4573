package auth_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

var recoveryForm = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, err := auth.NewRecoveryCodes(nil, auth.RecoveryCodeCount)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryForm.MatchString(c) || seen[c] {
			t.Fatalf("code %q is malformed or repeated", c)
		}
		seen[c] = true
	}
	t.Run("reader bits", func(t *testing.T) {
		// Byte values 0..9 then 22..31: the low five bits index the alphabet.
		raw := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 22 + 32, 23 + 64, 24 + 128, 25, 26, 27, 28, 29, 30, 31}
		got, err := auth.NewRecoveryCodes(bytes.NewReader(raw), 2)
		if err != nil || strings.Join(got, " ") != "01234-56789 pqrst-vwxyz" {
			t.Fatalf("NewRecoveryCodes = %q, %v", got, err)
		}
	})
	t.Run("repeats drawn again", func(t *testing.T) {
		raw := append(bytes.Repeat([]byte{1}, 20), bytes.Repeat([]byte{2}, 10)...)
		got, err := auth.NewRecoveryCodes(bytes.NewReader(raw), 2)
		if err != nil || strings.Join(got, " ") != "11111-11111 22222-22222" {
			t.Fatalf("NewRecoveryCodes = %q, %v", got, err)
		}
	})
	t.Run("a stuck reader", func(t *testing.T) {
		if _, err := auth.NewRecoveryCodes(zeros{}, 10); err == nil {
			t.Fatal("a reader of zeros gave ten distinct codes")
		}
	})
	t.Run("short reader", func(t *testing.T) {
		if _, err := auth.NewRecoveryCodes(bytes.NewReader(make([]byte, 15)), 2); err == nil {
			t.Fatal("15 bytes gave two codes")
		}
	})
	t.Run("none asked", func(t *testing.T) {
		if _, err := auth.NewRecoveryCodes(nil, 0); err == nil {
			t.Fatal("zero codes asked for and no error")
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestNormalizeRecoveryCode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"canonical", "7kq2m-x9d4p", "7kq2m-x9d4p"},
		{"upper case", "7KQ2M-X9D4P", "7kq2m-x9d4p"},
		{"no dash", "7kq2mx9d4p", "7kq2m-x9d4p"},
		{"spaces and dashes anywhere", " 7k q2m--x9 d4p ", "7kq2m-x9d4p"},
		{"look-alikes", "ilo00-abcde", "11000-abcde"},
		{"upper look-alikes", "ILO00-ABCDE", "11000-abcde"},
		{"u is not in the alphabet", "uuuuu-uuuuu", ""},
		{"nine characters", "7kq2m-x9d4", ""},
		{"eleven characters", "7kq2m-x9d4pp", ""},
		{"punctuation", "7kq2m_x9d4p", ""},
		{"tab", "7kq2m\tx9d4p", ""},
		{"non-ASCII", "7kq2m-x9d4ṗ", ""},
		{"empty", "", ""},
		{"too long", strings.Repeat(" ", 60) + "7kq2mx9d4p", ""},
		{"a TOTP code", "123456", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.NormalizeRecoveryCode(tt.in)
			if tt.want == "" {
				if !errors.Is(err, auth.ErrMalformedRecoveryCode) || got != "" {
					t.Fatalf("NormalizeRecoveryCode(%q) = %q, %v; want ErrMalformedRecoveryCode", tt.in, got, err)
				}
				if tt.in != "" && strings.Contains(err.Error(), tt.in) {
					t.Fatal("the error repeats the input")
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeRecoveryCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRecoveryCodeDigest(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	alice, bob := uuid.MustParse("0b9c2d4e-1f6a-4b8c-9d0e-1f2a3b4c5d6e"), uuid.MustParse("1c0d3e5f-2a7b-4c9d-8e1f-2a3b4c5d6e7f")
	d, err := auth.RecoveryCodeDigest(key, alice, "7kq2m-x9d4p")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(d) {
		t.Fatalf("digest %q", d)
	}
	tests := []struct {
		name    string
		key     []byte
		subject uuid.UUID
		code    string
		want    bool
	}{
		{"same code", key, alice, "7kq2m-x9d4p", true},
		{"as typed", key, alice, "7KQ2M X9D4P", true},
		{"other user", key, bob, "7kq2m-x9d4p", false},
		{"other key", bytes.Repeat([]byte{4}, 32), alice, "7kq2m-x9d4p", false},
		{"other code", key, alice, "7kq2m-x9d4q", false},
		{"malformed code", key, alice, "7kq2m", false},
		{"short key", key[:31], alice, "7kq2m-x9d4p", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.RecoveryCodeMatches(tt.key, tt.subject, tt.code, d); got != tt.want {
				t.Fatalf("RecoveryCodeMatches = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := auth.RecoveryCodeDigest(key[:16], alice, "7kq2m-x9d4p"); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	if _, err := auth.RecoveryCodeDigest(key, alice, "nope"); !errors.Is(err, auth.ErrMalformedRecoveryCode) {
		t.Fatalf("malformed code: %v", err)
	}
}

// FuzzNormalizeRecoveryCode: any input either normalises to the canonical
// form, which normalises to itself and digests like the input, or is
// ErrMalformedRecoveryCode.
func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{"7kq2m-x9d4p", "7KQ2M X9D4P", "ilo00abcde", "uuuuu-uuuuu", "", "-----------", "7kq2m-x9d4pp"} {
		f.Add(s)
	}
	key := bytes.Repeat([]byte{3}, 32)
	subject := uuid.MustParse("0b9c2d4e-1f6a-4b8c-9d0e-1f2a3b4c5d6e")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := auth.NormalizeRecoveryCode(in)
		if err != nil {
			if !errors.Is(err, auth.ErrMalformedRecoveryCode) || got != "" {
				t.Fatalf("NormalizeRecoveryCode = %q, %v", got, err)
			}
			return
		}
		if !recoveryForm.MatchString(got) {
			t.Fatalf("NormalizeRecoveryCode(%q) = %q, not canonical", in, got)
		}
		if again, err := auth.NormalizeRecoveryCode(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
		a, _ := auth.RecoveryCodeDigest(key, subject, in)
		b, _ := auth.RecoveryCodeDigest(key, subject, got)
		if a != b {
			t.Fatal("the input and its canonical form digest differently")
		}
	})
}
