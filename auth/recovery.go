package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
)

// RecoveryCodeCount is the number of codes in a set: ten, as GitHub and
// Google give.
const RecoveryCodeCount = 10

// The form of a recovery code: ten characters of recoveryAlphabet, 50
// random bits, shown as two groups of five ("7kq2m-x9d4p").
const (
	recoveryChars = 10
	recoveryGroup = 5
	// maxRecoveryInput bounds what NormalizeRecoveryCode reads: a code with
	// whatever spaces and dashes a person may type.
	maxRecoveryInput = 64
)

// recoveryAlphabet is Crockford's base32 in lower case: digits and letters
// without i, l, o and u, so that no two characters look alike.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// ErrMalformedRecoveryCode: the input is not a recovery code in any
// spelling NormalizeRecoveryCode accepts. The error never repeats it.
var ErrMalformedRecoveryCode = errors.New("auth: malformed recovery code")

// errShortRecoveryKey refuses a digest key too short to key HMAC-SHA256 well.
var errShortRecoveryKey = errors.New("auth: a recovery-code key has at least 32 bytes")

// NewRecoveryCodes returns n distinct recovery codes, each with 50 bits read
// from r (nil means crypto/rand), in the form "xxxxx-xxxxx" of lower-case
// Crockford base32 (NIST SP 800-63B section 5.1.2: look-up secrets of at
// least 20 bits from an approved random bit generator; we keep 50 so that a
// keyed digest is all an offline attacker would have to attack). A code
// repeated by the reader is drawn again, a bounded number of times.
func NewRecoveryCodes(r io.Reader, n int) ([]string, error) {
	if n <= 0 {
		return nil, fmt.Errorf("auth: %d recovery codes asked for", n)
	}
	if r == nil {
		r = rand.Reader
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	var raw [recoveryChars]byte
	for draws := 0; len(codes) < n; draws++ {
		if draws == 2*n+8 {
			return nil, errors.New("auth: the random reader keeps repeating itself")
		}
		if _, err := io.ReadFull(r, raw[:]); err != nil {
			return nil, fmt.Errorf("auth: reading a recovery code: %w", err)
		}
		var b [recoveryChars + 1]byte
		j := 0
		for i, c := range raw {
			if i == recoveryGroup {
				b[j] = '-'
				j++
			}
			// 32 divides 256: the low five bits of a uniform byte are
			// uniform, with no modulo bias.
			b[j] = recoveryAlphabet[c&31]
			j++
		}
		code := string(b[:])
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return codes, nil
}

// NormalizeRecoveryCode returns the canonical form "xxxxx-xxxxx" of a code
// as a person typed it: letters in either case, spaces and dashes anywhere
// ignored, and, as Crockford's base32 reads them, 'i' and 'l' as '1', 'o' as
// '0'. Anything else, and more than 64 bytes, is ErrMalformedRecoveryCode.
func NormalizeRecoveryCode(code string) (string, error) {
	chars, err := canonicalRecoveryCode(code)
	if err != nil {
		return "", err
	}
	return string(chars[:recoveryGroup]) + "-" + string(chars[recoveryGroup:]), nil
}

// canonicalRecoveryCode returns the ten canonical characters of code.
func canonicalRecoveryCode(code string) ([recoveryChars]byte, error) {
	var out [recoveryChars]byte
	if len(code) > maxRecoveryInput {
		return out, ErrMalformedRecoveryCode
	}
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ' || c == '-':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		switch c {
		case 'i', 'l':
			c = '1'
		case 'o':
			c = '0'
		}
		if !isRecoveryChar(c) || n == recoveryChars {
			return out, ErrMalformedRecoveryCode
		}
		out[n] = c
		n++
	}
	if n != recoveryChars {
		return out, ErrMalformedRecoveryCode
	}
	return out, nil
}

func isRecoveryChar(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u')
}

// RecoveryCodeDigest returns what a store keeps of a recovery code of the
// user subject: the lower-case hex HMAC-SHA256, under key, of the subject's
// 16 bytes and the code's ten canonical characters (the code is normalised
// first, NormalizeRecoveryCode). The digest is keyed, so that a leaked table
// cannot be searched offline without the key (50 bits are within reach of a
// plain hash search; OWASP Password Storage Cheat Sheet, "peppering"), and
// bound to the subject, so that one code has a different digest for each
// user. key is DeriveKey(secret, RecoveryCodeKeyLabel) or 32 bytes or more
// of the host's own. Errors: ErrMalformedRecoveryCode, or a key shorter than
// 32 bytes.
func RecoveryCodeDigest(key []byte, subject uuid.UUID, code string) (string, error) {
	if len(key) < 32 {
		return "", errShortRecoveryKey
	}
	chars, err := canonicalRecoveryCode(code)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(subject[:])
	mac.Write(chars[:])
	return hex.EncodeToString(mac.Sum(nil)), nil
}

// RecoveryCodeMatches reports whether digest is RecoveryCodeDigest of code
// for subject under key, comparing in time that does not depend on where
// they differ (crypto/subtle). A malformed code matches nothing.
func RecoveryCodeMatches(key []byte, subject uuid.UUID, code, digest string) bool {
	want, err := RecoveryCodeDigest(key, subject, code)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(digest)) == 1
}
