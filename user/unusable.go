package user

import (
	"io"
	"strings"

	"github.com/usersauth/usersauth/auth"
)

// UnusablePasswordPrefix starts the stored "hash" of a user who has no
// password, such as one who signed up through an identity provider. No hash
// format starts with it, so the hasher never verifies it: a login with any
// password fails as bad credentials. Forgot-password and reset-password still
// let such a user set a real password.
const UnusablePasswordPrefix = "!"

// UnusablePassword returns a new marker for a user without a password: the
// prefix and a random token, so no two users share one (the reset tokens'
// fingerprint is made from it). A nil r means crypto/rand.
func UnusablePassword(r io.Reader) (string, error) {
	token, err := auth.RandomToken(r)
	if err != nil {
		return "", err
	}
	return UnusablePasswordPrefix + token, nil
}

// IsUnusablePassword reports whether a stored hash is the marker of a user
// without a password.
func IsUnusablePassword(hashed string) bool {
	return strings.HasPrefix(hashed, UnusablePasswordPrefix)
}
