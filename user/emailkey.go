package user

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// EmailKey returns the key under which a Store indexes and compares e-mail
// addresses: the NFKC normal form, lower-cased. King.Arthur@camelot.bt,
// king.arthur@camelot.bt and a fullwidth-letter spelling of it share one key,
// so they are one account.
func EmailKey(email string) string {
	return strings.ToLower(norm.NFKC.String(email))
}
