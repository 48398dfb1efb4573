package auth_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/auth"
)

func sealKey(id string, fill byte) auth.SealKey {
	return auth.SealKey{ID: id, Key: bytes.Repeat([]byte{fill}, auth.SealKeyBytes)}
}

func newSealer(t *testing.T, keys ...auth.SealKey) *auth.Sealer {
	t.Helper()
	s, err := auth.NewSealer(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := newSealer(t, sealKey("k2", 2), sealKey("k1", 1))
	tests := []struct {
		name          string
		plaintext, ad []byte
	}{
		{"totp secret", []byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), []byte("totp user 1")},
		{"empty plaintext", nil, []byte("ad")},
		{"no additional data", []byte("x"), nil},
		{"binary", []byte{0, 1, 2, 255}, []byte{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := s.Seal(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sealed, "v1.k2.") {
				t.Errorf("sealed = %q, want the first key's prefix v1.k2.", sealed)
			}
			if len(tt.plaintext) >= 8 && strings.Contains(sealed, string(tt.plaintext)) {
				t.Error("the sealed value shows the plaintext")
			}
			got, reseal, err := s.Open(sealed, tt.ad)
			if err != nil || reseal || !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, %v, %v", got, reseal, err)
			}
		})
	}
}

// TestSealNoncesFromTheReader: the nonce is the reader's, so two seals of
// one secret differ, and a reader that fails fails the seal.
func TestSealNoncesFromTheReader(t *testing.T) {
	nonce := bytes.Repeat([]byte{7}, 12)
	s, err := auth.NewSealer([]auth.SealKey{sealKey("k", 1)}, bytes.NewReader(nonce))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("secret"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	box, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, "v1.k."))
	if !bytes.Equal(box[:12], nonce) {
		t.Fatalf("nonce = %x, want the reader's %x", box[:12], nonce)
	}
	// An independent AES-GCM opens it with the documented additional data.
	block, _ := aes.NewCipher(bytes.Repeat([]byte{1}, 32))
	gcm, _ := cipher.NewGCM(block)
	if plain, err := gcm.Open(nil, box[:12], box[12:], []byte("v1.k.ad")); err != nil || string(plain) != "secret" {
		t.Fatalf("AES-GCM with additional data \"v1.k.ad\": %q, %v", plain, err)
	}
	if _, err := s.Seal([]byte("secret"), nil); err == nil {
		t.Fatal("Seal with an exhausted reader succeeded")
	}
	r := newSealer(t, sealKey("k", 1))
	a, _ := r.Seal([]byte("secret"), nil)
	b, _ := r.Seal([]byte("secret"), nil)
	if a == b {
		t.Fatal("two seals of one secret are equal")
	}
}

// TestSealRotation: after a new key is put first, values of the old key
// still open and ask to be sealed again; without the old key they are
// ErrUnknownSealKey.
func TestSealRotation(t *testing.T) {
	old := newSealer(t, sealKey("2025", 1))
	sealed, _ := old.Seal([]byte("secret"), []byte("user"))
	rotated := newSealer(t, sealKey("2026", 2), sealKey("2025", 1))
	got, reseal, err := rotated.Open(sealed, []byte("user"))
	if err != nil || !reseal || string(got) != "secret" {
		t.Fatalf("Open with the old key second = %q, %v, %v; want it opened and reseal", got, reseal, err)
	}
	again, _ := rotated.Seal(got, []byte("user"))
	if _, reseal, err := rotated.Open(again, []byte("user")); err != nil || reseal {
		t.Fatalf("resealed value: %v, reseal %v", err, reseal)
	}
	newOnly := newSealer(t, sealKey("2026", 2))
	if _, _, err := newOnly.Open(sealed, []byte("user")); !errors.Is(err, auth.ErrUnknownSealKey) {
		t.Fatalf("Open without the old key = %v, want ErrUnknownSealKey", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	s := newSealer(t, sealKey("k", 1))
	sealed, _ := s.Seal([]byte("secret"), []byte("user A"))
	body := strings.TrimPrefix(sealed, "v1.k.")
	flip := func(i int) string {
		b := []byte(body)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return "v1.k." + string(b)
	}
	tests := []struct {
		name    string
		sealer  *auth.Sealer
		sealed  string
		ad      string
		wantErr error
	}{
		{"other user", s, sealed, "user B", auth.ErrSealMismatch},
		{"no additional data", s, sealed, "", auth.ErrSealMismatch},
		{"same ID, other key bytes", newSealer(t, sealKey("k", 9)), sealed, "user A", auth.ErrSealMismatch},
		{"altered nonce", s, flip(0), "user A", auth.ErrSealMismatch},
		{"altered tag", s, flip(len(body) - 2), "user A", auth.ErrSealMismatch},
		{"key ID changed", newSealer(t, sealKey("k", 1), sealKey("j", 1)), "v1.j." + body, "user A", auth.ErrSealMismatch},
		{"format changed", s, "v2.k." + body, "user A", auth.ErrMalformedSealed},
		{"empty", s, "", "user A", auth.ErrMalformedSealed},
		{"no body", s, "v1.k.", "user A", auth.ErrMalformedSealed},
		{"shorter than a nonce and tag", s, "v1.k." + body[:20], "user A", auth.ErrMalformedSealed},
		{"padding", s, sealed + "=", "user A", auth.ErrMalformedSealed},
		{"newline in body", s, "v1.k." + body[:10] + "\n" + body[10:], "user A", auth.ErrMalformedSealed},
		{"bad key ID", s, "v1.k!." + body, "user A", auth.ErrMalformedSealed},
		{"unknown key", s, "v1.other." + body, "user A", auth.ErrUnknownSealKey},
		{"huge", s, "v1.k." + strings.Repeat("A", 70000), "user A", auth.ErrMalformedSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reseal, err := tt.sealer.Open(tt.sealed, []byte(tt.ad))
			if !errors.Is(err, tt.wantErr) || got != nil || reseal {
				t.Fatalf("Open = %q, %v, %v; want %v", got, reseal, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), body[:16]) {
				t.Fatal("the error repeats the sealed value")
			}
		})
	}
}

func TestNewSealerRefuses(t *testing.T) {
	tests := []struct {
		name string
		keys []auth.SealKey
	}{
		{"no keys", nil},
		{"short key", []auth.SealKey{{ID: "k", Key: make([]byte, 16)}}},
		{"long key", []auth.SealKey{{ID: "k", Key: make([]byte, 33)}}},
		{"empty ID", []auth.SealKey{sealKey("", 1)}},
		{"dot in ID", []auth.SealKey{sealKey("a.b", 1)}},
		{"long ID", []auth.SealKey{sealKey(strings.Repeat("a", 33), 1)}},
		{"duplicate ID", []auth.SealKey{sealKey("k", 1), sealKey("k", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := auth.NewSealer(tt.keys, nil); err == nil {
				t.Fatal("NewSealer succeeded")
			} else if len(tt.keys) > 0 && len(tt.keys[0].Key) > 0 && strings.Contains(err.Error(), string(tt.keys[0].Key)) {
				t.Fatal("the error shows the key")
			}
		})
	}
}

// FuzzOpen: whatever is stored, Open never panics, fails only with its
// three sentinels, and opens only what Seal made for the same data.
func FuzzOpen(f *testing.F) {
	// A fixed nonce: every fuzzing process must make the same value.
	s, err := auth.NewSealer([]auth.SealKey{sealKey("k2", 2), sealKey("k1", 1)}, bytes.NewReader(make([]byte, 12)))
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := s.Seal([]byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), []byte("user"))
	for _, v := range []string{sealed, "v1.k1." + strings.TrimPrefix(sealed, "v1.k2."), "", "v1..", "v1.k2.AAAA", "v1.k3." + sealed[6:]} {
		f.Add(v, "user")
	}
	f.Fuzz(func(t *testing.T, sealedIn, ad string) {
		got, reseal, err := s.Open(sealedIn, []byte(ad))
		if err != nil {
			if got != nil || reseal || !(errors.Is(err, auth.ErrMalformedSealed) || errors.Is(err, auth.ErrUnknownSealKey) || errors.Is(err, auth.ErrSealMismatch)) {
				t.Fatalf("Open = %q, %v, %v", got, reseal, err)
			}
			return
		}
		if sealedIn != sealed || ad != "user" || string(got) != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
			t.Fatalf("Open(%q, %q) opened to %q: a forgery", sealedIn, ad, got)
		}
	})
}
