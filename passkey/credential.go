package passkey

import (
	"bytes"
	"context"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
)

// User is the account a ceremony is for.
type User struct {
	// ID is the user's id. Its 16 bytes are the WebAuthn user handle the
	// authenticator stores with the credential and returns at sign-in: a
	// random UUID holds no personal data, as WebAuthn Level 3 section
	// 14.6.1 asks of a user handle. Required.
	ID uuid.UUID

	// Name is the account name an authenticator shows to tell accounts
	// apart: the e-mail address. Required.
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

// knownTransports are the AuthenticatorTransport values of WebAuthn Level 3
// section 5.8.4; the browser's list is filtered to them before it is
// stored or sent back.
var knownTransports = []string{"usb", "nfc", "ble", "smart-card", "hybrid", "internal"}

// cleanTransports keeps the known values of ts, once each, in their order.
func cleanTransports(ts []protocol.AuthenticatorTransport) []string {
	var out []string
	for _, t := range ts {
		s := string(t)
		if slices.Contains(knownTransports, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// descriptors returns the credential descriptors of creds, for
// excludeCredentials and allowCredentials.
func descriptors(creds []Credential) []protocol.CredentialDescriptor {
	out := make([]protocol.CredentialDescriptor, 0, len(creds))
	for _, c := range creds {
		w := toWA(c)
		out = append(out, w.Descriptor())
	}
	return out
}

// waUser is a User as the library sees one.
type waUser struct {
	handle []byte
	name   string
	shown  string
	creds  []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return u.handle }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.shown }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// newWAUser converts u, with its credentials.
func newWAUser(id uuid.UUID, name, displayName string, creds []Credential) *waUser {
	if displayName == "" {
		displayName = name
	}
	w := &waUser{handle: bytes.Clone(id[:]), name: name, shown: displayName}
	for _, c := range creds {
		w.creds = append(w.creds, toWA(c))
	}
	return w
}

// toWA converts a stored credential for the library's verification.
func toWA(c Credential) webauthn.Credential {
	aaguid := c.AAGUID
	w := webauthn.Credential{
		ID:                bytes.Clone(c.ID),
		PublicKey:         bytes.Clone(c.PublicKey),
		AttestationFormat: c.AttestationFormat,
		Flags: webauthn.CredentialFlags{
			UserPresent:    true,
			UserVerified:   c.UserVerified,
			BackupEligible: c.BackupEligible,
			BackupState:    c.BackupState,
		},
		Authenticator: webauthn.Authenticator{AAGUID: aaguid[:], SignCount: c.SignCount},
	}
	for _, t := range c.Transports {
		if slices.Contains(knownTransports, t) {
			w.Transport = append(w.Transport, protocol.AuthenticatorTransport(t))
		}
	}
	return w
}

// findCredential returns the credential with the given id among creds.
func findCredential(creds []Credential, id []byte) (Credential, bool) {
	for _, c := range creds {
		if bytes.Equal(c.ID, id) {
			return c, true
		}
	}
	return Credential{}, false
}
