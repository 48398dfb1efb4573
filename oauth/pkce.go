package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// PKCE is the Proof Key for Code Exchange of one authorization (RFC 7636):
// AuthCodeURL sends the S256 challenge of Verifier, Exchange sends Verifier
// itself, and the provider checks that they match, so a code stolen on its
// way back (a leaked redirect, a malicious app on the same device) is
// useless without the verifier (RFC 9700 section 2.1.1).
type PKCE struct {
	// Verifier is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636
	// section 4.1). DerivePKCE makes one.
	Verifier string
}

// Challenge returns the S256 code challenge of the verifier:
// base64url(SHA-256(verifier)), unpadded (RFC 7636 section 4.2).
func (p PKCE) Challenge() string {
	sum := sha256.Sum256([]byte(p.Verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Validate reports whether the verifier has the length and alphabet RFC 7636
// section 4.1 requires. The error wraps ErrInvalidProvider.
func (p PKCE) Validate() error {
	if n := len(p.Verifier); n < 43 || n > 128 {
		return fmt.Errorf("%w: PKCE verifier must be 43 to 128 characters", ErrInvalidProvider)
	}
	for i := 0; i < len(p.Verifier); i++ {
		c := p.Verifier[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return fmt.Errorf("%w: PKCE verifier outside [A-Za-z0-9-._~]", ErrInvalidProvider)
		}
	}
	return nil
}

// MinSecretLength is the shortest secret DerivePKCE and DeriveNonce accept,
// in bytes: as long as the HMAC-SHA256 output (RFC 2104 section 3).
const MinSecretLength = 32

// DerivePKCE returns the PKCE verifier of the authorization whose state
// carries csrfToken: base64url(HMAC-SHA256(secret, "pkce:" + csrfToken)), 43
// characters.
//
// Deriving instead of storing keeps the server stateless: the callback
// recomputes the verifier from the CSRF token in the state it receives. The
// state travels in URLs (browser history, logs, Referer headers), and it is
// signed, not encrypted; had it carried the verifier, or had the verifier
// been the CSRF token itself, whoever read the URL could redeem a stolen
// code. Only the server, which holds secret, can compute the verifier. The
// "pkce:" label keeps it independent of DeriveNonce's value.
//
// secret must be at least MinSecretLength bytes and should be used for
// nothing else than these derivations; csrfToken must not be empty. The
// error wraps ErrInvalidProvider.
func DerivePKCE(secret []byte, csrfToken string) (PKCE, error) {
	v, err := derive(secret, "pkce:", csrfToken)
	return PKCE{Verifier: v}, err
}

// DeriveNonce returns the OpenID Connect nonce of the authorization whose
// state carries csrfToken: base64url(HMAC-SHA256(secret, "nonce:" +
// csrfToken)). The ID token must carry it back, which binds the token to this
// browser's authorization and defeats its replay (OpenID Connect Core 1.0
// section 15.5.2). It is derived for the reasons DerivePKCE gives, under
// another label so neither value reveals the other.
func DeriveNonce(secret []byte, csrfToken string) (string, error) {
	return derive(secret, "nonce:", csrfToken)
}

func derive(secret []byte, label, csrfToken string) (string, error) {
	if len(secret) < MinSecretLength {
		return "", fmt.Errorf("%w: derivation secret shorter than %d bytes", ErrInvalidProvider, MinSecretLength)
	}
	if csrfToken == "" {
		return "", fmt.Errorf("%w: empty CSRF token", ErrInvalidProvider)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write([]byte(csrfToken))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])), nil
}
