package user

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPasswordBytes is the hard limit on a password's length in bytes, whatever
// the policy: hashing cost must not depend on what a client chooses to send.
const MaxPasswordBytes = 1024

// Reasons of the refusals of PasswordPolicy.RejectCommon, as the client
// reads them.
const (
	reasonCommon    = "Password should not be a commonly used password"
	reasonFromEmail = "Password should not be built from the e-mail address"
)

// PasswordPolicy is the default password check: a length range counted in
// code points and no composition rules (NIST SP 800-63B rev. 4, 3.1.1.2),
// and, when RejectCommon is set, a blocklist. Hosts add rules with
// Hooks.ValidatePassword. A refusal is an *InvalidPasswordError whose
// reason reaches the client; it never quotes the password.
type PasswordPolicy struct {
	// MinLength is the fewest code points allowed; 0 means 8.
	MinLength int
	// MaxLength is the most code points allowed; 0 means 128.
	MaxLength int
	// RejectCommon, when set, refuses a password on the list, compared
	// without regard to case, and one built from the user's e-mail: the
	// address or its local part (also without its +tag, or its
	// separators), whatever the case, with digits or punctuation added
	// before or after ("King.Arthur1!" for king.arthur@camelot.bt), or any
	// password containing the whole address. NIST SP 800-63B rev. 4,
	// 3.1.1.2: a blocklist of commonly used, expected or compromised
	// passwords and context-specific words such as the username. Nil, the
	// default, checks neither and costs nothing: package user holds no
	// list. commonpw.New (package user/commonpw) is a list of the 47,023
	// most common passwords; any PasswordList will do.
	RejectCommon PasswordList
}

// PasswordList is a list of passwords a PasswordPolicy refuses, such as
// commonpw.New()'s. It is consulted for every password being set, on the
// request path: implementations are safe for concurrent use and quick.
type PasswordList interface {
	// Contains reports whether password is on the list, ignoring case.
	Contains(password string) bool
}

// Check returns an *InvalidPasswordError if password breaks the policy's
// length range or is on RejectCommon's list. CheckFor also refuses
// passwords built from the user's e-mail.
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
	if p.RejectCommon != nil && p.RejectCommon.Contains(password) {
		return InvalidPassword(reasonCommon)
	}
	return nil
}

// CheckFor is Check for the password of a user with the given e-mail
// addresses (the current one and, on a change, the new one): with
// RejectCommon set, a password built from any of them is refused too. The
// Manager checks every password it sets this way.
func (p PasswordPolicy) CheckFor(password string, emails ...string) error {
	if err := p.Check(password); err != nil {
		return err
	}
	if p.RejectCommon == nil {
		return nil
	}
	for _, e := range emails {
		if builtFromEmail(password, e) {
			return InvalidPassword(reasonFromEmail)
		}
	}
	return nil
}

// builtFromEmail reports whether password contains address, or is the
// address or its local part with case changed and digits or punctuation
// added at either end. Both sides are compared by their letters and
// digits, so separators inside do not count either ("king_arthur" for
// king.arthur@).
func builtFromEmail(password, address string) bool {
	address = strings.ToLower(address)
	if address == "" {
		return false
	}
	pw := strings.ToLower(password)
	if strings.Contains(pw, address) {
		return true
	}
	local := address
	if at := strings.LastIndexByte(address, '@'); at >= 0 {
		local = address[:at]
	}
	untagged, _, _ := strings.Cut(local, "+")
	pwChars := lettersAndDigits(pw)
	pwCore := trimDigits(pwChars)
	for _, c := range []string{address, local, untagged} {
		chars := lettersAndDigits(c)
		if chars == "" {
			continue
		}
		// Exactly the candidate's characters (an all-digit local part
		// has no core), or its core with digits around.
		if pwChars == chars {
			return true
		}
		if core := trimDigits(chars); core != "" && pwCore == core {
			return true
		}
	}
	return false
}

// lettersAndDigits returns s without the runes that are neither letters nor
// digits.
func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// trimDigits removes the digits at both ends of s.
func trimDigits(s string) string { return strings.TrimFunc(s, unicode.IsDigit) }
