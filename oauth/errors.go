package oauth

import (
	"errors"
	"strconv"
)

// Sentinel errors of the package. Compare with errors.Is; they are wrapped
// with a reason that never quotes a token or a secret.
var (
	// ErrNoEmail is returned by Exchange when the provider gave no e-mail
	// address for the account (the user hid it, or a scope is missing).
	// The token and the identity's AccountID are returned with it.
	ErrNoEmail = errors.New("oauth: no e-mail available")

	// ErrInvalidIDToken is returned by Exchange when an OpenID Connect
	// provider's token response has no ID token, or one that fails
	// verification: bad signature, unknown key, forbidden algorithm, wrong
	// issuer, audience, authorized party or nonce, expired, issued in the
	// future, or malformed.
	ErrInvalidIDToken = errors.New("oauth: invalid ID token")

	// ErrMissingCode is returned by ParseCallback for a callback that
	// carries neither a code nor an error.
	ErrMissingCode = errors.New("oauth: callback without a code")

	// ErrIssuerMismatch is returned when a provider names itself with
	// another issuer than the one configured: in a discovery document
	// (OpenID Connect Discovery 1.0 section 4.3) or in the iss parameter of
	// an authorization response (RFC 9207), both signs of a mix-up attack
	// or a misconfiguration.
	ErrIssuerMismatch = errors.New("oauth: issuer mismatch")

	// ErrInvalidProvider reports a Provider, or an argument of a call, that
	// cannot work: a missing endpoint, a plain-http URL on a public host,
	// a missing PKCE verifier or nonce. It is a programming or
	// configuration error.
	ErrInvalidProvider = errors.New("oauth: invalid provider configuration")

	// ErrBadResponse is returned when a provider's answer cannot be used:
	// not JSON, too large, or with fields of the wrong type.
	ErrBadResponse = errors.New("oauth: unusable provider response")
)

// ProviderError is an error reported by the identity provider itself: an
// error parameter in the authorization response (RFC 6749 section 4.1.2.1),
// an error answer of the token endpoint (section 5.2), or a failed request to
// its userinfo, e-mail or key endpoints. Inspect it with errors.As.
type ProviderError struct {
	// Code is the OAuth error code ("access_denied", "invalid_grant"...),
	// or empty when the provider answered an HTTP error without one.
	Code string
	// Description is the provider's error_description, for developers.
	Description string
	// URI is the provider's error_uri.
	URI string
	// StatusCode is the HTTP status of the provider's answer, or 0 for an
	// error carried by the authorization response (a redirect).
	StatusCode int
}

func (e *ProviderError) Error() string {
	s := "oauth: provider error"
	if e.Code != "" {
		s += " " + strconv.Quote(e.Code)
	}
	if e.Description != "" {
		s += ": " + strconv.Quote(e.Description)
	}
	if e.StatusCode != 0 {
		s += " (HTTP " + strconv.Itoa(e.StatusCode) + ")"
	}
	return s
}
