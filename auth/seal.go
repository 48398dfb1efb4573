package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors of Sealer.Open. None says more than which rule failed: never the
// sealed value, the key or the plaintext.
var (
	// ErrMalformedSealed: the value is not one Seal makes.
	ErrMalformedSealed = errors.New("auth: malformed sealed value")
	// ErrUnknownSealKey: the value names a key the ring does not hold: a key
	// was taken out of the ring before every value it sealed was sealed
	// again, or the host's secret changed.
	ErrUnknownSealKey = errors.New("auth: sealed with a key the ring does not hold")
	// ErrSealMismatch: the value does not authenticate under the key it
	// names: the key's bytes are not the ones that sealed it, the additional
	// data differ (a row copied to another user), or it was altered.
	ErrSealMismatch = errors.New("auth: sealed value does not authenticate")
)

// SealKeyBytes is the size of a sealing key: AES-256.
const SealKeyBytes = 32

// maxSealKeyID bounds a key's ID; maxSealed bounds what Open reads, a
// generous ceiling for the small secrets a Sealer is for.
const (
	maxSealKeyID = 32
	maxSealed    = 64 << 10
)

// sealFormat starts every sealed value: it names the algorithm (AES-256-GCM
// with a 96-bit random nonce) and the layout, so that another one can come
// with another prefix.
const sealFormat = "v1"

// SealKey is one key of a Sealer's ring.
type SealKey struct {
	// ID names the key inside every value it seals, so that Open finds it:
	// 1 to 32 characters among A-Z, a-z, 0-9, '-' and '_'. It is not secret.
	ID string
	// Key is the AES-256 key: SealKeyBytes bytes from a CSPRNG, or
	// DeriveSealKey's.
	Key []byte
}

// Sealer encrypts small secrets kept at rest, such as TOTP secrets, with
// AES-256-GCM (NIST SP 800-38D) under a ring of keys: the first key seals,
// every key opens (OWASP Cryptographic Storage Cheat Sheet: keys are
// rotated, and data re-encrypted with the new key). Each sealed value names
// the key that sealed it, and the caller's additional data binds it to its
// owner: a value moved to another row does not open.
//
// Rotation: put the new key first and keep the old ones; Open reports, for
// a value sealed with an old key, that it should be sealed again. Take an old
// key out only once every value it sealed was sealed again.
//
// A Sealer is safe for concurrent use.
type Sealer struct {
	keys []sealerKey
	rand io.Reader
}

type sealerKey struct {
	id   string
	aead cipher.AEAD
}

// NewSealer returns a Sealer with the ring keys, the first of which seals,
// drawing nonces from r (nil means crypto/rand; it must be safe for
// concurrent use). The ring needs at least one key; each key has
// SealKeyBytes bytes and an ID of its own. The key bytes are not kept: the
// cipher holds its own expansion of them.
func NewSealer(keys []SealKey, r io.Reader) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: a Sealer needs at least one key")
	}
	if r == nil {
		r = rand.Reader
	}
	s := &Sealer{rand: r}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if !validSealKeyID(k.ID) {
			return nil, fmt.Errorf("auth: seal key %d: the ID must be 1 to %d characters of A-Z, a-z, 0-9, '-', '_'", i, maxSealKeyID)
		}
		if seen[k.ID] {
			return nil, fmt.Errorf("auth: seal key %d: the ID %q is used twice", i, k.ID)
		}
		seen[k.ID] = true
		if len(k.Key) != SealKeyBytes {
			return nil, fmt.Errorf("auth: seal key %q: %d bytes, want %d", k.ID, len(k.Key), SealKeyBytes)
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, fmt.Errorf("auth: seal key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("auth: seal key %q: %w", k.ID, err)
		}
		s.keys = append(s.keys, sealerKey{id: k.ID, aead: aead})
	}
	return s, nil
}

func validSealKeyID(id string) bool {
	if id == "" || len(id) > maxSealKeyID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if base64URLValue(id[i]) < 0 {
			return false
		}
	}
	return true
}

// Seal encrypts plaintext under the ring's first key, bound to
// additionalData (which is not stored: Open needs the same), and returns
// "v1.<key ID>.<base64url of nonce, ciphertext and tag>". The prefix is
// authenticated too. Errors: only the reader's.
func (s *Sealer) Seal(plaintext, additionalData []byte) (string, error) {
	k := s.keys[0]
	header := sealFormat + "." + k.id + "."
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	// Random 96-bit nonces under one key: NIST SP 800-38D section 8.3
	// allows 2^32 of them, far more secrets than a user base has.
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("auth: reading a nonce: %w", err)
	}
	box := k.aead.Seal(nonce, nonce, plaintext, sealAD(header, additionalData))
	return header + base64.RawURLEncoding.EncodeToString(box), nil
}

// Open decrypts a value Seal made with additionalData, with the key of the
// ring it names. reseal reports that the key is not the ring's first: the
// caller should seal the plaintext again and store that instead. Errors:
// ErrMalformedSealed, ErrUnknownSealKey, ErrSealMismatch.
func (s *Sealer) Open(sealed string, additionalData []byte) (plaintext []byte, reseal bool, err error) {
	if len(sealed) > maxSealed {
		return nil, false, ErrMalformedSealed
	}
	format, rest, ok := strings.Cut(sealed, ".")
	if !ok || format != sealFormat {
		return nil, false, ErrMalformedSealed
	}
	id, body, ok := strings.Cut(rest, ".")
	if !ok || !validSealKeyID(id) {
		return nil, false, ErrMalformedSealed
	}
	box, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || base64.RawURLEncoding.EncodeToString(box) != body {
		return nil, false, ErrMalformedSealed
	}
	for i, k := range s.keys {
		if k.id != id {
			continue
		}
		n := k.aead.NonceSize()
		if len(box) < n+k.aead.Overhead() {
			return nil, false, ErrMalformedSealed
		}
		header := sealed[:len(sealFormat)+1+len(id)+1]
		plaintext, err := k.aead.Open(nil, box[:n], box[n:], sealAD(header, additionalData))
		if err != nil {
			return nil, false, ErrSealMismatch
		}
		return plaintext, i > 0, nil
	}
	return nil, false, ErrUnknownSealKey
}

// sealAD is the additional data GCM authenticates: the value's prefix, then
// the caller's. The prefix ends with the one '.' after the key ID, which
// cannot hold one, so no two (prefix, data) pairs give the same bytes.
func sealAD(header string, additionalData []byte) []byte {
	ad := make([]byte, 0, len(header)+len(additionalData))
	ad = append(ad, header...)
	return append(ad, additionalData...)
}
