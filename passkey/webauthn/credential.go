package webauthn

import (
	"bytes"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
)

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
func descriptors(creds []passkey.Credential) []protocol.CredentialDescriptor {
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
	creds  []gowebauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                           { return u.handle }
func (u *waUser) WebAuthnName() string                         { return u.name }
func (u *waUser) WebAuthnDisplayName() string                  { return u.shown }
func (u *waUser) WebAuthnCredentials() []gowebauthn.Credential { return u.creds }

// newWAUser converts u, with its credentials.
func newWAUser(id uuid.UUID, name, displayName string, creds []passkey.Credential) *waUser {
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
func toWA(c passkey.Credential) gowebauthn.Credential {
	aaguid := c.AAGUID
	w := gowebauthn.Credential{
		ID:                bytes.Clone(c.ID),
		PublicKey:         bytes.Clone(c.PublicKey),
		AttestationFormat: c.AttestationFormat,
		Flags: gowebauthn.CredentialFlags{
			UserPresent:    true,
			UserVerified:   c.UserVerified,
			BackupEligible: c.BackupEligible,
			BackupState:    c.BackupState,
		},
		Authenticator: gowebauthn.Authenticator{AAGUID: aaguid[:], SignCount: c.SignCount},
	}
	for _, t := range c.Transports {
		if slices.Contains(knownTransports, t) {
			w.Transport = append(w.Transport, protocol.AuthenticatorTransport(t))
		}
	}
	return w
}

// findCredential returns the credential with the given id among creds.
func findCredential(creds []passkey.Credential, id []byte) (passkey.Credential, bool) {
	for _, c := range creds {
		if bytes.Equal(c.ID, id) {
			return c, true
		}
	}
	return passkey.Credential{}, false
}
