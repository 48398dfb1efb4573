package auth

import (
	"crypto/subtle"

	"golang.org/x/crypto/argon2"
)

// deriveArgon2 runs argon2id or argon2i with p over password and salt.
func deriveArgon2(s scheme, password, salt []byte, p Argon2Params) []byte {
	if s == schemeArgon2i {
		return argon2.Key(password, salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	}
	return argon2.IDKey(password, salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
}

// verifyArgon2 reports whether password derives h's key. The comparison
// takes the same time wherever the keys differ (crypto/subtle).
func verifyArgon2(password []byte, h *storedHash) bool {
	derived := deriveArgon2(h.scheme, password, h.salt, h.params)
	return subtle.ConstantTimeCompare(derived, h.key) == 1
}
