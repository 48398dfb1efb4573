package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// RandomTokenBytes is the entropy of a RandomToken: 256 bits (OWASP Session
// Management Cheat Sheet asks for at least 64).
const RandomTokenBytes = 32

// RandomToken returns RandomTokenBytes bytes read from r in unpadded
// base64url, 43 characters: what Python's secrets.token_urlsafe(32) gives,
// and so what FastAPI Users' database and Redis strategies issue. A nil r
// means crypto/rand.
func RandomToken(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [RandomTokenBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("auth: reading a random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// TokenDigest returns the lower-case hex SHA-256 of token: what a server-side
// token store keeps instead of the token, so that a leaked table grants no
// session (OWASP Session Management Cheat Sheet). A store looks a token up
// by its digest: timing then reveals at most a digest prefix, which says
// nothing about any token.
func TokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	// It runs on every request of a server-side strategy: encode on the
	// stack, so the string is the one allocation.
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return string(buf[:])
}

// TokenMatchesDigest reports whether digest is TokenDigest(token), in time
// that does not depend on where they differ (crypto/subtle). A store that
// finds a row by another key (a user id, say) checks the token with it.
func TokenMatchesDigest(token, digest string) bool {
	return subtle.ConstantTimeCompare([]byte(TokenDigest(token)), []byte(digest)) == 1
}

// RandomTokenLength is the length of a RandomToken: 32 bytes in unpadded
// base64url.
const RandomTokenLength = 43

// IsRandomToken reports whether token has the exact form RandomToken gives:
// RandomTokenLength characters of the URL-safe base64 alphabet (RFC 4648
// section 5), with the unused low bits of the last one zero. A strategy calls
// it before hashing or looking anything up, so that garbage, oversized and
// other strategies' tokens cost neither a digest nor a store round trip.
func IsRandomToken(token string) bool {
	if len(token) != RandomTokenLength {
		return false
	}
	for i := 0; i < len(token); i++ {
		if base64URLValue(token[i]) < 0 {
			return false
		}
	}
	// 43 characters carry 258 bits: the last one holds 4 bits of the token
	// and 2 that a canonical encoder leaves zero.
	return base64URLValue(token[len(token)-1])&3 == 0
}

// base64URLValue is the 6-bit value of c in the URL-safe alphabet, or -1.
func base64URLValue(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}
