package webauthn

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/usersauth/usersauth/passkey"
)

// parseRegistration decodes the browser's answer to
// navigator.credentials.create: a PublicKeyCredential as its toJSON()
// gives it (WebAuthn Level 3 section 5.1, RegistrationResponseJSON). Any
// failure is ErrMalformedResponse.
func parseRegistration(data []byte) (*protocol.ParsedCredentialCreationData, error) {
	if len(data) > passkey.MaxResponseSize {
		return nil, passkey.ErrMalformedResponse
	}
	p, err := protocol.ParseCredentialCreationResponseBytes(data)
	if err != nil {
		return nil, passkey.ErrMalformedResponse
	}
	att := p.Response.AttestationObject.AuthData.AttData
	if !p.Response.AttestationObject.AuthData.Flags.HasAttestedCredentialData() ||
		len(att.CredentialID) == 0 || len(att.CredentialID) > passkey.MaxCredentialIDSize || len(att.AAGUID) != 16 ||
		!bytes.Equal(att.CredentialID, p.RawID) {
		return nil, passkey.ErrMalformedResponse
	}
	return p, nil
}

// parseAssertion decodes the browser's answer to navigator.credentials.get
// (AuthenticationResponseJSON). Any failure is ErrMalformedResponse.
func parseAssertion(data []byte) (*protocol.ParsedCredentialAssertionData, error) {
	if len(data) > passkey.MaxResponseSize {
		return nil, passkey.ErrMalformedResponse
	}
	p, err := protocol.ParseCredentialRequestResponseBytes(data)
	if err != nil {
		return nil, passkey.ErrMalformedResponse
	}
	if len(p.RawID) > passkey.MaxCredentialIDSize || len(p.Response.Signature) == 0 {
		return nil, passkey.ErrMalformedResponse
	}
	return p, nil
}

// checkClientData runs the checks of the collected client data (WebAuthn
// Level 3 sections 7.1 and 7.2: type, challenge, origin, topOrigin) that have
// a refusal of their own. The library checks them again; doing them first
// tells the caller which one failed, with a sentinel rather than the
// library's text, which quotes what the browser sent.
func (rp *RelyingParty) checkClientData(c *protocol.CollectedClientData, want protocol.CeremonyType, challenge string) error {
	if c.Type != want {
		return passkey.ErrMalformedResponse
	}
	if subtle.ConstantTimeCompare([]byte(c.Challenge), []byte(challenge)) != 1 {
		return passkey.ErrChallenge
	}
	// The browser serializes the origin; compare that serialization with
	// the configured ones exactly, never a parsed form of it.
	if !slices.Contains(rp.origins, c.Origin) {
		return passkey.ErrOrigin
	}
	// No ceremony in a frame embedded by another origin: this relying
	// party does not expect to be embedded (section 7.2, the topOrigin check),
	// and a framing page could otherwise get the user to sign for it.
	if c.CrossOrigin || c.TopOrigin != "" {
		return passkey.ErrOrigin
	}
	return nil
}

// checkAuthData checks the authenticator data's relying party and flags
// (sections 7.1 and 7.2: rpIdHash, then the UP and UV flags).
func (rp *RelyingParty) checkAuthData(a *protocol.AuthenticatorData) error {
	if subtle.ConstantTimeCompare(a.RPIDHash, rp.rpIDHash[:]) != 1 {
		return passkey.ErrRelyingParty
	}
	if !a.Flags.HasUserPresent() {
		return passkey.ErrUserPresence
	}
	if rp.uv == protocol.VerificationRequired && !a.Flags.HasUserVerified() {
		return passkey.ErrUserVerification
	}
	// A credential cannot be backed up without being eligible for it
	// (section 6.1, flags BE and BS).
	if a.Flags.HasBackupState() && !a.Flags.HasBackupEligible() {
		return passkey.ErrRefused
	}
	return nil
}

// libraryRefusal maps a verification failure of the library, once the
// checks above passed, to a sentinel. The library's text is dropped: it
// may quote the browser's values.
func libraryRefusal(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		switch pe.Type {
		case protocol.ErrAssertionSignature.Type:
			return passkey.ErrSignature
		case protocol.ErrAttestation.Type, protocol.ErrInvalidAttestation.Type, protocol.ErrAttestationFormat.Type,
			protocol.ErrAttestationCertificate.Type, protocol.ErrUnsupportedKey.Type, protocol.ErrUnsupportedAlgorithm.Type:
			return passkey.ErrAttestation
		case protocol.ErrParsingData.Type:
			return passkey.ErrMalformedResponse
		}
	}
	return passkey.ErrRefused
}
