package passkey

import (
	"errors"

	"github.com/google/uuid"
)

// Sentinel errors of the package. Compare with errors.Is. Their text is
// fixed: nothing the browser sent is ever quoted in an error, so any of them
// may be logged, and none needs hiding from a client beyond the single
// refusal the HTTP layer answers (400 LOGIN_PASSKEY_FAILED at sign-in).
var (
	// ErrInvalidConfig is returned by the constructor of a RelyingParty
	// (passkey/webauthn's New) for a configuration that cannot work;
	// the wrapping error says which field and why.
	ErrInvalidConfig = errors.New("passkey: invalid configuration")

	// ErrInvalidUser is returned by the Begin methods for a User without
	// an id or a name.
	ErrInvalidUser = errors.New("passkey: a user needs an id and a name")

	// ErrNoCredentials is returned by BeginLoginFor for a user without
	// any credential: there is nothing to ask the browser for.
	ErrNoCredentials = errors.New("passkey: the user has no passkey")

	// ErrInvalidSession: the session data given to a Finish method was not
	// made by the matching Begin method of the same implementation (corrupted,
	// truncated, or of another ceremony: a registration's session given to
	// a login). The caller's challenge store returned something it should
	// not have.
	ErrInvalidSession = errors.New("passkey: invalid session data")

	// ErrExpired: the ceremony's challenge is older than the relying
	// party's timeout.
	ErrExpired = errors.New("passkey: challenge expired")

	// ErrMalformedResponse: the browser's answer is not a WebAuthn
	// credential of the expected ceremony: not JSON, too large, a field
	// missing or of the wrong type, bad base64url, CBOR or authenticator
	// data, or an assertion given where a registration was expected.
	ErrMalformedResponse = errors.New("passkey: malformed response")

	// ErrChallenge: the challenge signed in clientDataJSON is not the
	// session's (a response to another ceremony, replayed).
	ErrChallenge = errors.New("passkey: challenge mismatch")

	// ErrOrigin: clientDataJSON names an origin that is not one of the
	// relying party's origins, or the ceremony ran in a cross-origin
	// frame.
	ErrOrigin = errors.New("passkey: origin not allowed")

	// ErrRelyingParty: the authenticator data is scoped to another
	// relying party (its rpIdHash is not SHA-256 of the relying party id).
	ErrRelyingParty = errors.New("passkey: relying party mismatch")

	// ErrUserPresence: the authenticator did not report the user present.
	ErrUserPresence = errors.New("passkey: user presence not confirmed")

	// ErrUserVerification: user verification is required and the
	// authenticator did not report the user verified.
	ErrUserVerification = errors.New("passkey: user not verified")

	// ErrSignature: the assertion's signature does not verify with the
	// credential's public key.
	ErrSignature = errors.New("passkey: invalid signature")

	// ErrAttestation: the registration's attestation statement does not
	// verify, or uses a key algorithm that was not offered.
	ErrAttestation = errors.New("passkey: invalid attestation")

	// ErrUnknownCredential: no stored credential has the id the
	// authenticator used, or the second factor ceremony was begun without
	// it. A Lookup returns it (or an error wrapping it) when it finds
	// nothing.
	ErrUnknownCredential = errors.New("passkey: unknown credential")

	// ErrNoUserHandle: a passwordless sign-in was answered by a
	// credential that is not discoverable, so it names no user.
	ErrNoUserHandle = errors.New("passkey: no user handle")

	// ErrWrongUser: the credential belongs to another user than the one
	// the ceremony is for: the session's user (second factor,
	// registration) or the user handle the authenticator returned.
	ErrWrongUser = errors.New("passkey: credential of another user")

	// ErrPossibleClone: the signature counter did not increase; returned
	// as a *CloneError.
	ErrPossibleClone = errors.New("passkey: signature counter did not increase")

	// ErrRefused: any other verification failure, such as a backup
	// eligibility flag that changed or extension outputs that were not
	// asked for.
	ErrRefused = errors.New("passkey: response refused")
)

// CloneError reports an assertion whose signature counter is not greater
// than the stored one while one of them is not zero: a sign that the
// credential's private key exists in two authenticators (WebAuthn Level 3
// section 6.1.1, "signature counter considerations"). Section 7.2 step 21
// leaves the decision to the relying party; this package refuses the
// sign-in and leaves the stored counter as it is. The fields are for the
// security log; the caller logs it, and may tell the user to check the
// account. It wraps ErrPossibleClone.
type CloneError struct {
	// UserID owns the credential.
	UserID uuid.UUID
	// CredentialID is the credential's id.
	CredentialID []byte
	// Stored is the counter of the stored credential; Received the one
	// in the authenticator data.
	Stored, Received uint32
}

func (e *CloneError) Error() string {
	return "passkey: signature counter did not increase (possible cloned authenticator)"
}

// Unwrap returns ErrPossibleClone.
func (e *CloneError) Unwrap() error { return ErrPossibleClone }
