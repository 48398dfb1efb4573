package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"reflect"
)

// JWT signing algorithms (RFC 7518 section 3.1, RFC 8037 for EdDSA). These are
// the only ones the package signs or accepts.
const (
	HS256 = "HS256"
	RS256 = "RS256"
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// MinSecretLength is the shortest HMAC secret accepted, in bytes: a key as
// long as the SHA-256 output (RFC 7518 section 3.2).
const MinSecretLength = 32

// MinRSABits is the smallest RSA modulus accepted for RS256 (RFC 7518 section 3.3).
const MinRSABits = 2048

// ErrJWTKey reports an algorithm this package does not support, or a key that
// does not fit the algorithm (wrong type, wrong curve, too short). It is a
// configuration error; the message never contains key material.
var ErrJWTKey = errors.New("auth: unusable JWT algorithm or key")

// checkVerifyKey reports whether key can verify tokens signed with alg.
func checkVerifyKey(alg string, key any) error {
	switch alg {
	case HS256:
		k, ok := key.([]byte)
		if !ok {
			return fmt.Errorf("%w: HS256 needs a []byte secret", ErrJWTKey)
		}
		if len(k) < MinSecretLength {
			return fmt.Errorf("%w: HS256 secret shorter than %d bytes", ErrJWTKey, MinSecretLength)
		}
	case RS256:
		k, ok := key.(*rsa.PublicKey)
		if !ok || k == nil || k.N == nil {
			return fmt.Errorf("%w: RS256 needs an *rsa.PublicKey", ErrJWTKey)
		}
		if k.N.BitLen() < MinRSABits {
			return fmt.Errorf("%w: RS256 key shorter than %d bits", ErrJWTKey, MinRSABits)
		}
	case ES256:
		k, ok := key.(*ecdsa.PublicKey)
		if !ok || k == nil || k.Curve != elliptic.P256() {
			return fmt.Errorf("%w: ES256 needs a P-256 *ecdsa.PublicKey", ErrJWTKey)
		}
	case EdDSA:
		k, ok := key.(ed25519.PublicKey)
		if !ok || len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: EdDSA needs an ed25519.PublicKey", ErrJWTKey)
		}
	default:
		return fmt.Errorf("%w: unsupported algorithm %q", ErrJWTKey, alg)
	}
	return nil
}

// checkSignKey reports whether key can sign tokens with alg: a []byte secret
// for HS256, a crypto.Signer with the matching public key otherwise.
func checkSignKey(alg string, key any) error {
	if alg == HS256 {
		return checkVerifyKey(alg, key)
	}
	s, ok := key.(crypto.Signer)
	if !ok || isNil(s) {
		return fmt.Errorf("%w: %s needs a crypto.Signer private key", ErrJWTKey, alg)
	}
	if k, ok := s.(ed25519.PrivateKey); ok && len(k) != ed25519.PrivateKeySize {
		return fmt.Errorf("%w: EdDSA private key has the wrong length", ErrJWTKey)
	}
	return checkVerifyKey(alg, s.Public())
}

// isNil reports whether v is nil or a nil pointer behind an interface, which
// would make a method call such as Public panic.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return r.IsNil()
	}
	return false
}
