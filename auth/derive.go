package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"

	"golang.org/x/crypto/hkdf"
)

// Labels of the keys derived from a host's secret (DeriveKey's info
// parameter). They are fixed: another label gives another key, and what the
// old key sealed or digested would no longer open or match.
const (
	// SealKeyLabel derives the key DeriveSealKey seals with.
	SealKeyLabel = "usersauth v1 seal key"
	// RecoveryCodeKeyLabel derives the key of recovery-code digests.
	RecoveryCodeKeyLabel = "usersauth v1 recovery code key"
	// sealKeyIDLabel derives the ID of DeriveSealKey's key.
	sealKeyIDLabel = "usersauth v1 seal key id"
)

// MinSecretBytes is the shortest secret DeriveKey derives from: 256 bits,
// as usersauth.New requires of Options.Secret.
const MinSecretBytes = 32

// errShortSecret refuses a secret too short to derive keys from.
var errShortSecret = errors.New("auth: a secret to derive keys from has at least 32 bytes")

// DeriveKey returns a 32-byte key for one purpose, named by label, from
// secret: HKDF-SHA256 (RFC 5869) without salt, the label as info. Keys of
// different labels are independent, so one host secret serves every purpose
// without one use weakening another (RFC 5869 section 3.2). It refuses a
// secret shorter than MinSecretBytes.
func DeriveKey(secret []byte, label string) ([]byte, error) {
	if len(secret) < MinSecretBytes {
		return nil, errShortSecret
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte(label)), key); err != nil {
		return nil, err
	}
	return key, nil
}

// DeriveSealKey returns the SealKey of a host that gives no key of its own:
// DeriveKey(secret, SealKeyLabel), under an ID derived from secret as well
// ("d-" and 8 hex digits). Another secret thus gives another ID, so a host
// that changes its secret keeps the old secret's key in the ring, second,
// until everything was sealed again; values it sealed are reported as
// ErrUnknownSealKey once it is gone, not as tampered. The ID reveals
// nothing of the secret: it is 32 bits of an independent HKDF output.
func DeriveSealKey(secret []byte) (SealKey, error) {
	key, err := DeriveKey(secret, SealKeyLabel)
	if err != nil {
		return SealKey{}, err
	}
	id, err := DeriveKey(secret, sealKeyIDLabel)
	if err != nil {
		return SealKey{}, err
	}
	return SealKey{ID: "d-" + hex.EncodeToString(id[:4]), Key: key}, nil
}
