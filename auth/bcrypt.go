package auth

import "golang.org/x/crypto/bcrypt"

// bcryptMaxPassword is the number of password bytes bcrypt reads. Go's
// CompareHashAndPassword silently ignores the rest (GenerateFromPassword
// refuses longer passwords, the comparison does not), as did pyca/bcrypt
// 3.2.2, under which a 73-byte password matches the hash of its 72-byte
// prefix.
const bcryptMaxPassword = 72

// verifyBcrypt reports whether password matches the bcrypt hash h. A
// password longer than 72 bytes never matches, so that no password is
// accepted on the strength of its first 72 bytes (OWASP Password Storage
// Cheat Sheet, bcrypt input limits); such a user resets the password. The
// hash is still computed, so that the answer takes as long as any other.
func verifyBcrypt(password []byte, h *storedHash) bool {
	// CompareHashAndPassword compares in constant time (crypto/subtle).
	match := bcrypt.CompareHashAndPassword([]byte(h.String()), password) == nil
	return match && len(password) <= bcryptMaxPassword
}
