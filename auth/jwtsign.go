package auth

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"hash"
	"math/big"
	"sync"
)

// JWTSigner makes compact JWS tokens (RFC 7515) with the header
// {"alg":"<alg>","typ":"JWT"}, byte for byte the header PyJWT writes for
// FastAPI Users. A JWTSigner is safe for concurrent use.
type JWTSigner struct {
	alg    string
	signer crypto.Signer // RS256, ES256, EdDSA
	hmacs  sync.Pool     // HS256: keyed hash.Hash values, reset before reuse
	prefix string        // base64url(header) + "."
}

// NewJWTSigner returns a signer for alg (HS256, RS256, ES256 or EdDSA). key is
// the secret as a []byte for HS256 (at least MinSecretLength bytes; it is
// copied), or a crypto.Signer whose public key fits alg otherwise, which lets
// a key kept in a hardware module or a KMS sign. It returns an error wrapping
// ErrJWTKey if the key does not fit.
func NewJWTSigner(alg string, key any) (*JWTSigner, error) {
	if err := checkSignKey(alg, key); err != nil {
		return nil, err
	}
	s := &JWTSigner{
		alg:    alg,
		prefix: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + ".",
	}
	if alg == HS256 {
		secret := append([]byte(nil), key.([]byte)...)
		s.hmacs.New = func() any { return hmac.New(sha256.New, secret) }
	} else {
		s.signer = key.(crypto.Signer)
	}
	return s, nil
}

// Algorithm returns the signer's algorithm, as written in the token header.
func (s *JWTSigner) Algorithm() string { return s.alg }

// Sign returns the compact token for claims, the JSON text of the payload.
// Sign does not look at claims; the caller encodes them.
func (s *JWTSigner) Sign(claims []byte) (string, error) {
	enc := base64.RawURLEncoding
	n := len(s.prefix) + enc.EncodedLen(len(claims))
	buf := make([]byte, n, n+1+enc.EncodedLen(maxSignatureLength))
	copy(buf, s.prefix)
	enc.Encode(buf[len(s.prefix):], claims)

	sig, err := s.signature(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}

// maxSignatureLength bounds the signatures preallocated for (RSA-4096); a
// longer one only costs a reallocation.
const maxSignatureLength = 512

func (s *JWTSigner) signature(input []byte) ([]byte, error) {
	switch s.alg {
	case HS256:
		h := s.hmacs.Get().(hash.Hash)
		h.Reset()
		h.Write(input)
		sig := h.Sum(make([]byte, 0, sha256.Size))
		s.hmacs.Put(h)
		return sig, nil
	case RS256:
		digest := sha256.Sum256(input)
		// rsa.PrivateKey.Sign with a crypto.Hash (not *rsa.PSSOptions) is
		// RSASSA-PKCS1-v1_5, which RS256 is (RFC 7518 section 3.3).
		sig, err := s.signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("auth: RS256 signing failed: %w", err)
		}
		return sig, nil
	case ES256:
		digest := sha256.Sum256(input)
		der, err := s.signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("auth: ES256 signing failed: %w", err)
		}
		return rawECDSASignature(der)
	case EdDSA:
		// Pure Ed25519 signs the message itself (RFC 8032), hence no hash.
		sig, err := s.signer.Sign(rand.Reader, input, crypto.Hash(0))
		if err != nil {
			return nil, fmt.Errorf("auth: EdDSA signing failed: %w", err)
		}
		return sig, nil
	}
	return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrJWTKey, s.alg)
}

// rawECDSASignature turns the ASN.1 signature a crypto.Signer returns into
// the fixed-width R || S form JWS requires (RFC 7518 section 3.4).
func rawECDSASignature(der []byte) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil ||
		rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
		return nil, fmt.Errorf("auth: ES256 signer returned a malformed signature")
	}
	sig := make([]byte, 64)
	rs.R.FillBytes(sig[:32])
	rs.S.FillBytes(sig[32:])
	return sig, nil
}
