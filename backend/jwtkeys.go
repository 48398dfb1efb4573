package backend

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ErrKeyPEM is returned by ParsePrivateKeyPEM and ParsePublicKeyPEM for data
// that does not hold exactly one key of a supported kind. Messages never
// quote the key.
var ErrKeyPEM = errors.New("backend: unusable PEM key")

// ParsePrivateKeyPEM reads a private key for JWTConfig.PrivateKey from PEM:
// PKCS#8 ("PRIVATE KEY", what FastAPI Users' examples and openssl genpkey
// write), PKCS#1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY"). Encrypted
// PEM is not supported.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrKeyPEM, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: malformed key", ErrKeyPEM, block.Type)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T cannot sign", ErrKeyPEM, key)
	}
	return signer, nil
}

// ParsePublicKeyPEM reads a public key for JWTConfig.PublicKey from PEM:
// SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY").
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a public key", ErrKeyPEM, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: malformed key", ErrKeyPEM, block.Type)
	}
	return key, nil
}

func onePEMBlock(data []byte) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrKeyPEM)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, fmt.Errorf("%w: more than one PEM block", ErrKeyPEM)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: encrypted or annotated PEM is not supported", ErrKeyPEM)
	}
	return block, nil
}
