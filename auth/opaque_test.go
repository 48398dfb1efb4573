package auth_test

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/auth"
)

func TestRandomToken(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"zeros", make([]byte, 32), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"url-safe alphabet", bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11), "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8"},
		{"reads exactly 32 bytes", bytes.Repeat([]byte{1}, 40), base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.RandomToken(bytes.NewReader(tt.input))
			if err != nil || got != tt.want {
				t.Errorf("RandomToken = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("short reader", func(t *testing.T) {
		if tok, err := auth.RandomToken(bytes.NewReader(make([]byte, 31))); err == nil {
			t.Errorf("RandomToken from 31 bytes = %q, want an error", tok)
		}
	})
	t.Run("crypto/rand", func(t *testing.T) {
		seen := map[string]bool{}
		for range 100 {
			tok, err := auth.RandomToken(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok) || seen[tok] {
				t.Fatalf("token %q is malformed or repeated", tok)
			}
			seen[tok] = true
		}
	})
}

func TestTokenDigest(t *testing.T) {
	tests := []struct{ token, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := auth.TokenDigest(tt.token); got != tt.want {
			t.Errorf("TokenDigest(%q) = %s, want %s", tt.token, got, tt.want)
		}
	}
}

func TestTokenMatchesDigest(t *testing.T) {
	const token = "ql7IYJMuF0Qd1wcQDTTNQFFALeyzzS2T2_DaX10sUvs"
	digest := auth.TokenDigest(token)
	tests := []struct {
		name, token, digest string
		want                bool
	}{
		{"match", token, digest, true},
		{"other token", token[:42] + "t", digest, false},
		{"upper-case digest", token, string(bytes.ToUpper([]byte(digest))), false},
		{"truncated digest", token, digest[:63], false},
		{"empty digest", token, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.TokenMatchesDigest(tt.token, tt.digest); got != tt.want {
				t.Errorf("TokenMatchesDigest = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsRandomToken(t *testing.T) {
	const token = "ql7IYJMuF0Qd1wcQDTTNQFFALeyzzS2T2_DaX10sUvs"
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"issued", token, true},
		{"all zero", strings.Repeat("A", 43), true},
		{"url-safe alphabet", "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8", true},
		{"empty", "", false},
		{"one short", token[:42], false},
		{"one long", token + "A", false},
		{"padded", token + "=", false},
		{"standard alphabet", token[:10] + "+" + token[11:], false},
		{"slash", token[:10] + "/" + token[11:], false},
		{"space", token[:10] + " " + token[11:], false},
		{"newline inside", token[:10] + "\n" + token[11:], false},
		{"NUL", token[:10] + "\x00" + token[11:], false},
		{"non-ASCII", token[:41] + "é", false},
		{"non-canonical last char", token[:42] + "t", false},
		{"non-canonical last char 2", token[:42] + "_", false},
		{"a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.IsRandomToken(tt.token); got != tt.want {
				t.Errorf("IsRandomToken(%q) = %v, want %v", tt.token, got, tt.want)
			}
		})
	}
	t.Run("everything RandomToken gives", func(t *testing.T) {
		for range 200 {
			tok, err := auth.RandomToken(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !auth.IsRandomToken(tok) {
				t.Fatalf("IsRandomToken(%q) = false for a RandomToken", tok)
			}
		}
	})
}
