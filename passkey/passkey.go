package passkey

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// MaxResponseSize bounds the browser's JSON answer a Finish method decodes.
// A registration with a full certificate chain of attestation takes a few
// KiB; an assertion well under one.
const MaxResponseSize = 64 << 10

// RelyingParty runs WebAuthn registration and authentication ceremonies
// for one relying party (an id, a name, its origins), fixed when it is
// built: passkey/webauthn's New makes one. It keeps no state between calls:
// a Begin method returns the session data the matching Finish method needs,
// which the caller keeps meanwhile, server-side and single-use. An
// implementation is safe for concurrent use.
type RelyingParty interface {
	// BeginRegistration starts the registration of a new passkey for u
	// (WebAuthn Level 3 section 7.1): a discoverable credential, u's
	// existing Credentials excluded. ErrInvalidUser for a user without an
	// id or a name.
	BeginRegistration(u User) (Ceremony, error)

	// FinishRegistration verifies the browser's answer to
	// navigator.credentials.create for the ceremony whose Session it is
	// given, begun for the user userID, and returns the credential to
	// store. The caller still checks that no user has its id (the store's
	// unique index does). Errors: ErrInvalidSession, ErrExpired,
	// ErrWrongUser, ErrMalformedResponse, ErrChallenge, ErrOrigin,
	// ErrRelyingParty, ErrUserPresence, ErrUserVerification,
	// ErrAttestation, ErrRefused.
	FinishRegistration(userID uuid.UUID, session, response []byte) (Credential, error)

	// BeginLogin starts a passwordless sign-in (section 7.2): no
	// credential is named, so the browser offers every discoverable
	// credential it has for the relying party, whoever's it is.
	BeginLogin() (Ceremony, error)

	// FinishLogin verifies the answer to navigator.credentials.get for a
	// ceremony BeginLogin began and returns who signed in with which
	// credential: the user its user handle names, who must own it as
	// lookup says. Errors: ErrInvalidSession, ErrExpired,
	// ErrMalformedResponse, ErrChallenge, ErrOrigin, ErrRelyingParty,
	// ErrUserPresence, ErrUserVerification, ErrNoUserHandle,
	// ErrUnknownCredential, ErrWrongUser, ErrSignature, a *CloneError,
	// ErrRefused; lookup's own error, wrapped, when the store fails.
	// Nothing is written: the caller records the Assertion.
	FinishLogin(ctx context.Context, session, response []byte, lookup Lookup) (Assertion, error)

	// BeginLoginFor starts a sign-in of the known user u with one of its
	// Credentials (allowCredentials): the second factor after a password.
	// ErrInvalidUser for a user without an id, ErrNoCredentials for one
	// without credentials.
	BeginLoginFor(u User) (Ceremony, error)

	// FinishLoginFor verifies the answer for a ceremony BeginLoginFor
	// began for the user userID: the credential must be one the ceremony
	// allowed and userID's. Errors: those of FinishLogin, with
	// ErrWrongUser also for a session of another user, and
	// ErrUnknownCredential for a credential the ceremony did not allow.
	FinishLoginFor(ctx context.Context, userID uuid.UUID, session, response []byte, lookup Lookup) (Assertion, error)
}

// Ceremony is what a Begin method returns: the options for the browser and
// the session data the matching Finish method needs.
type Ceremony struct {
	// Options is the JSON to give navigator.credentials.create (after
	// BeginRegistration) or .get (after a Begin...Login), in the shape they
	// take it: {"publicKey": {...}}, with the binary members (challenge,
	// user.id, credential ids) in base64url, as
	// PublicKeyCredential.parseCreationOptionsFromJSON and
	// parseRequestOptionsFromJSON read them (WebAuthn Level 3 sections
	// 5.1.8 and 5.1.9).
	Options json.RawMessage

	// PublicKey is the "publicKey" member of Options, for an answer that
	// carries other members beside it.
	PublicKey json.RawMessage

	// Session is the ceremony's state: its challenge, its user, the
	// credentials it allows. The caller keeps it on the server, in a
	// single-use challenge store, until Expires, and gives it to the
	// Finish method once; it is not signed or encrypted, so it must never
	// travel through the browser.
	Session []byte

	// Expires is when the challenge stops being accepted: Begin's time
	// plus the relying party's timeout.
	Expires time.Time
}

// User is the account a ceremony is for.
type User struct {
	// ID is the user's id. Its 16 bytes are the WebAuthn user handle the
	// authenticator stores with the credential and returns at sign-in: a
	// random UUID holds no personal data, as WebAuthn Level 3 section
	// 14.6.1 asks of a user handle. Required.
	ID uuid.UUID

	// Name is the account name an authenticator shows to tell accounts
	// apart: the e-mail address. Required for a registration.
	Name string

	// DisplayName is a friendlier name; empty means Name.
	DisplayName string

	// Credentials are the user's registered credentials (ID and
	// Transports are read): excluded at registration, so one
	// authenticator is not registered twice, and allowed at a second
	// factor sign-in.
	Credentials []Credential
}

// Credential is a registered WebAuthn credential (a passkey): the
// credential record of WebAuthn Level 3 section 4, the part a relying party
// keeps.
type Credential struct {
	// ID is the credential id the authenticator chose (at most 1023
	// bytes), unique across all users.
	ID []byte
	// PublicKey is the credential's public key, a COSE_Key (RFC 9052).
	PublicKey []byte
	// SignCount is the signature counter at the last verified ceremony; 0
	// for authenticators without a counter, as synced passkeys are.
	SignCount uint32
	// AAGUID identifies the authenticator's model; all zero when the
	// authenticator does not say (attestation "none" may zero it).
	AAGUID uuid.UUID
	// Transports are how the browser can reach the authenticator ("usb",
	// "nfc", "ble", "smart-card", "hybrid", "internal"), as the browser
	// reported them; values outside that list are dropped.
	Transports []string
	// UserVerified reports whether the registration verified the user.
	UserVerified bool
	// BackupEligible reports whether the credential may be synced to other
	// devices (the BE flag). It never changes for a credential: an
	// assertion with another value is refused.
	BackupEligible bool
	// BackupState reports whether the credential is synced (the BS flag);
	// it may change at each use.
	BackupState bool
	// AttestationFormat is the attestation statement format of the
	// registration ("none" unless the authenticator insisted); for
	// information only.
	AttestationFormat string
}

// Assertion is a verified sign-in: which credential signed, and what the
// caller records of it.
type Assertion struct {
	// UserID is the user the credential belongs to.
	UserID uuid.UUID
	// CredentialID is the id of the credential that signed.
	CredentialID []byte
	// SignCount is the new signature counter, to store.
	SignCount uint32
	// BackupState is the credential's backup state now, to store.
	BackupState bool
	// UserVerified reports whether the authenticator verified the user
	// (PIN, biometric) in this ceremony, not only their presence.
	UserVerified bool
}

// Lookup returns the stored credentials of the owner of the credential
// credentialID: the owner's id and every credential of that owner (all of
// them: the second factor check compares the whole list with the one its
// Begin allowed). userID is the user the ceremony is for, the user handle
// the authenticator returned (passwordless) or the session's user (second
// factor); a Lookup may find the credential by its id alone, or among that
// user's credentials: FinishLogin and FinishLoginFor check the owner and
// the id themselves. It returns ErrUnknownCredential, or an error wrapping
// it, when no user has the credential; any other error is taken as a
// failure of the store and returned, wrapped, by the Finish method.
type Lookup func(ctx context.Context, credentialID []byte, userID uuid.UUID) (owner uuid.UUID, credentials []Credential, err error)
