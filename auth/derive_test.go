package auth_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"regexp"
	"testing"

	"golang.org/x/crypto/hkdf"

	"github.com/usersauth/usersauth/auth"
)

func TestDeriveKey(t *testing.T) {
	secret := []byte("a-secret-of-at-least-32-bytes-for-the-test")
	seal, err := auth.DeriveKey(secret, auth.SealKeyLabel)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 5869 with SHA-256, no salt, the label as info.
	want := make([]byte, 32)
	io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte("usersauth v1 seal key")), want)
	if !bytes.Equal(seal, want) {
		t.Fatalf("DeriveKey = %x, want HKDF-SHA256 %x", seal, want)
	}
	recovery, _ := auth.DeriveKey(secret, auth.RecoveryCodeKeyLabel)
	other, _ := auth.DeriveKey([]byte("another-secret-of-at-least-32-bytes!"), auth.SealKeyLabel)
	if len(recovery) != 32 || bytes.Equal(seal, recovery) || bytes.Equal(seal, other) {
		t.Fatal("keys of two labels or two secrets are equal")
	}
	if _, err := auth.DeriveKey(make([]byte, 31), auth.SealKeyLabel); err == nil {
		t.Fatal("a 31-byte secret was accepted")
	}
}

// TestDeriveSealKey: a usable key whose ID follows the secret, so that a
// changed secret is recognised as such (ErrUnknownSealKey) rather than as
// tampering.
func TestDeriveSealKey(t *testing.T) {
	secret := []byte("a-secret-of-at-least-32-bytes-for-the-test")
	k, err := auth.DeriveSealKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^d-[0-9a-f]{8}$`).MatchString(k.ID) || len(k.Key) != 32 {
		t.Fatalf("DeriveSealKey = %q, %d bytes", k.ID, len(k.Key))
	}
	if again, _ := auth.DeriveSealKey(secret); again.ID != k.ID || !bytes.Equal(again.Key, k.Key) {
		t.Fatal("DeriveSealKey is not deterministic")
	}
	changed, _ := auth.DeriveSealKey([]byte("another-secret-of-at-least-32-bytes!"))
	if changed.ID == k.ID {
		t.Fatal("two secrets give one key ID")
	}
	if _, err := auth.NewSealer([]auth.SealKey{changed, k}, nil); err != nil {
		t.Fatalf("a ring of the new and the old derived keys: %v", err)
	}
	if _, err := auth.DeriveSealKey([]byte("short")); err == nil {
		t.Fatal("a short secret was accepted")
	}
}
