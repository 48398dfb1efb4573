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
	return hex.EncodeToString(sum[:])
}

// TokenMatchesDigest reports whether digest is TokenDigest(token), in time
// that does not depend on where they differ (crypto/subtle). A store that
// finds a row by another key (a user id, say) checks the token with it.
func TokenMatchesDigest(token, digest string) bool {
	return subtle.ConstantTimeCompare([]byte(TokenDigest(token)), []byte(digest)) == 1
}
