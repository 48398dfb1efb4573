package user

import (
	"fmt"
	"unicode/utf8"
)

// MaxPasswordBytes is the hard limit on a password's length in bytes, whatever
// the policy: hashing cost must not depend on what a client chooses to send.
const MaxPasswordBytes = 1024

// PasswordPolicy is the default password check: a length range counted in
// code points and no composition rules (NIST SP 800-63B rev. 4, 3.1.1.2).
// Hosts add rules with Hooks.ValidatePassword.
type PasswordPolicy struct {
	// MinLength is the fewest code points allowed; 0 means 8.
	MinLength int
	// MaxLength is the most code points allowed; 0 means 128.
	MaxLength int
}

// Check returns an *InvalidPasswordError if password breaks the policy.
func (p PasswordPolicy) Check(password string) error {
	lo, hi := p.MinLength, p.MaxLength
	if lo <= 0 {
		lo = 8
	}
	if hi <= 0 {
		hi = 128
	}
	if len(password) > MaxPasswordBytes {
		return InvalidPassword(fmt.Sprintf("Password should be at most %d bytes", MaxPasswordBytes))
	}
	if !utf8.ValidString(password) {
		return InvalidPassword("Password should be valid UTF-8")
	}
	n := utf8.RuneCountInString(password)
	if n < lo {
		return InvalidPassword(fmt.Sprintf("Password should be at least %d characters", lo))
	}
	if n > hi {
		return InvalidPassword(fmt.Sprintf("Password should be at most %d characters", hi))
	}
	return nil
}
