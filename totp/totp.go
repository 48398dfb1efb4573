// Package totp is the authenticator-app protocol: time-based one-time
// passwords as RFC 6238 defines them, with the parameters every app agrees
// on (HMAC-SHA-1, six digits, 30-second steps), on the standard library
// alone: HOTP (RFC 4226) is an HMAC and a truncation, and a host that never
// turns second factors on pays for nothing it does not use. Codes are checked
// against the RFC's test vectors and against oathtool, an independent
// implementation.
// It knows nothing of users or storage: it makes keys and their otpauth://
// URLs, and tells which time step a code belongs to, so that the caller can
// store the last step it accepted and refuse a code used before.
//
//	key, err := totp.NewKey(rand.Reader, "Camelot", "king.arthur@camelot.bt")
//	// show key.URL as a QR code, key.Secret for typing in
//	step, err := totp.Verify(key.Secret, code, time.Now())
//	// accept only if step > the last step accepted, then store step
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The parameters of every key this package makes and every code it checks:
// the defaults of RFC 6238 and of the authenticator apps (Google's Key URI
// Format treats anything else as optional).
const (
	// Digits is the length of a code.
	Digits = 6
	// Period is the length of a time step (RFC 6238 section 5.2 recommends
	// 30 seconds).
	Period = 30 * time.Second
	// Skew is how many steps a code may be early or late: one, as RFC 6238
	// section 5.2 recommends for clock drift and transmission delay.
	Skew = 1
	// SecretBytes is the size of a new secret: 160 bits, the length RFC 4226
	// section 4 recommends (R6), and an HMAC-SHA-1 block's worth of key.
	SecretBytes = 20
)

// Bounds of a secret read back (ParseSecret): RFC 4226 section 4 requires at
// least 128 bits (R6); more than an HMAC-SHA-1 block (64 bytes) adds
// nothing, as HMAC hashes longer keys first.
const (
	minSecretBytes = 16
	maxSecretBytes = 64
)

// maxLabelBytes bounds the issuer and the account name of a key: what the
// FastAPI Users e-mail column holds.
const maxLabelBytes = 320

// maxCodeInput bounds what ParseCode looks at: a code with the spaces a
// person may type around it.
const maxCodeInput = 64

// Errors. Compare with errors.Is; no error text contains the code or the
// secret it refuses.
var (
	// ErrMalformedCode: the code is not six ASCII digits (surrounding spaces
	// aside). It is refused before any HMAC is computed.
	ErrMalformedCode = errors.New("totp: a code is six digits")
	// ErrWrongCode: the code is well-formed but matches none of the steps
	// it may belong to.
	ErrWrongCode = errors.New("totp: wrong code")
	// ErrMalformedSecret: the secret is not base32 of 16 to 64 bytes.
	ErrMalformedSecret = errors.New("totp: malformed secret")
	// ErrBadLabel: the issuer or the account name is empty, longer than 320
	// bytes, not UTF-8, or has a colon or a control character, none of
	// which an otpauth:// label can carry (Google's Key URI Format: "neither
	// issuer nor account name may themselves contain a colon").
	ErrBadLabel = errors.New("totp: issuer or account name unusable in an otpauth URL")
)

// b32 is the encoding of secrets in otpauth:// URLs: RFC 4648 base32,
// upper-case, without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Key is a new TOTP key: the secret the server keeps and the URL an
// authenticator app scans.
type Key struct {
	// Secret is the shared secret in base32 without padding, 32
	// characters, for a person to type in when they cannot scan the URL.
	Secret string
	// URL is otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&...,
	// the Key URI Format every authenticator app reads, usually shown as
	// a QR code.
	URL string
}

// NewKey returns a key with a secret of SecretBytes read from r (nil means
// crypto/rand) and the URL naming issuer (the service, as the app will show
// it) and account (the user's e-mail). Errors: ErrBadLabel, or r's.
func NewKey(r io.Reader, issuer, account string) (Key, error) {
	if err := CheckLabel(issuer); err != nil {
		return Key{}, err
	}
	if err := CheckLabel(account); err != nil {
		return Key{}, err
	}
	if r == nil {
		r = rand.Reader
	}
	var raw [SecretBytes]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return Key{}, fmt.Errorf("totp: reading a secret: %w", err)
	}
	secret := b32.EncodeToString(raw[:])
	return Key{Secret: secret, URL: keyURL(secret, issuer, account)}, nil
}

// keyURL builds the otpauth:// URL of Google's Key URI Format. The label's
// two parts are escaped one by one, so that a slash or a question mark in
// an e-mail address stays in the account name, and the parameters are
// escaped with %20 for a space, as the format asks (not the '+' of HTML
// forms, which some apps show as it is).
func keyURL(secret, issuer, account string) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(url.PathEscape(issuer))
	b.WriteByte(':')
	b.WriteString(url.PathEscape(account))
	params := []struct{ k, v string }{
		{"secret", secret}, {"issuer", issuer}, {"algorithm", "SHA1"},
		{"digits", "6"}, {"period", "30"},
	}
	for i, p := range params {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(p.v), "+", "%20"))
	}
	return b.String()
}

// CheckLabel reports whether s can be the issuer or the account name of an
// otpauth:// URL; if not, the error is ErrBadLabel. A host checks its
// issuer with it at start-up.
func CheckLabel(s string) error {
	if s == "" || len(s) > maxLabelBytes || !utf8.ValidString(s) {
		return ErrBadLabel
	}
	for _, r := range s {
		if r == ':' || unicode.IsControl(r) {
			return ErrBadLabel
		}
	}
	return nil
}

// ParseSecret decodes a secret as NewKey encodes it: RFC 4648 base32 of 16
// to 64 bytes, without padding, upper-case (lower-case letters are accepted,
// as apps and other servers write them). Anything else, spaces and padding
// included, is ErrMalformedSecret. Only canonical spellings are accepted: the
// unused low bits of the last character must be zero, so one secret has one
// spelling.
func ParseSecret(s string) ([]byte, error) {
	if len(s) > b32.EncodedLen(maxSecretBytes) {
		return nil, ErrMalformedSecret
	}
	upper := strings.ToUpper(s)
	raw, err := b32.DecodeString(upper)
	if err != nil || len(raw) < minSecretBytes || b32.EncodeToString(raw) != upper {
		return nil, ErrMalformedSecret
	}
	return raw, nil
}

// ParseCode returns the six digits of code, which may have spaces (U+0020)
// around it and nothing else; anything else is ErrMalformedCode.
func ParseCode(code string) (string, error) {
	if len(code) > maxCodeInput {
		return "", ErrMalformedCode
	}
	code = strings.Trim(code, " ")
	if len(code) != Digits {
		return "", ErrMalformedCode
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", ErrMalformedCode
		}
	}
	return code, nil
}

// Step returns the RFC 6238 time step t falls in: the number of whole
// periods since the Unix epoch (T in section 4.2). It is negative before
// 1970, where no code is valid.
func Step(t time.Time) int64 {
	s := t.Unix()
	n := int64(Period / time.Second)
	if s < 0 {
		return (s - n + 1) / n
	}
	return s / n
}

// Code returns the code of secret for the step t falls in: what an
// authenticator app shows at t. Errors: ErrMalformedSecret, or ErrWrongCode
// for a time before 1970.
func Code(secret string, t time.Time) (string, error) {
	key, err := ParseSecret(secret)
	if err != nil {
		return "", err
	}
	step := Step(t)
	if step < 0 {
		return "", ErrWrongCode
	}
	return stepCode(key, step), nil
}

// stepCode computes the code of a decoded secret for a step: HOTP (RFC 4226
// section 5.3) with the step as the counter (RFC 6238 section 4.2).
func stepCode(key []byte, step int64) string {
	return hotp(sha1.New, key, uint64(step), Digits)
}

// hotp is RFC 4226's HOTP value of counter under key, as digits decimal
// digits: HMAC of the big-endian counter, dynamic truncation (section
// 5.3), the 31-bit value modulo 10^digits, zero-padded.
func hotp(h func() hash.Hash, key []byte, counter uint64, digits int) string {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// Verify reports which time step code belongs to for secret at time t: the
// step of t, the one before or the one after (Skew). When several match
// (one chance in a million), the latest is returned. Every candidate is
// computed and compared in constant time (crypto/subtle), so timing does not
// tell which matched.
//
// Verify accepts a code any number of times: the caller keeps the last step
// it accepted for the secret and refuses a step not greater than it (RFC
// 6238 section 5.2: "the verifier MUST NOT accept the second attempt of the
// OTP after the successful validation has been issued for the first OTP").
//
// Errors: ErrMalformedCode (checked first, without computing anything),
// ErrMalformedSecret, ErrWrongCode.
func Verify(secret, code string, t time.Time) (int64, error) {
	digits, err := ParseCode(code)
	if err != nil {
		return 0, err
	}
	key, err := ParseSecret(secret)
	if err != nil {
		return 0, err
	}
	now := Step(t)
	matched := int64(-1)
	for step := now - Skew; step <= now+Skew; step++ {
		if step < 0 {
			continue
		}
		want := stepCode(key, step)
		if subtle.ConstantTimeCompare([]byte(want), []byte(digits)) == 1 {
			matched = step
		}
	}
	if matched < 0 {
		return 0, ErrWrongCode
	}
	return matched, nil
}
