package webauthn

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
)

// BeginRegistration starts the registration of a new passkey for u
// (WebAuthn Level 3 section 7.1): the options ask for a discoverable
// credential (resident key required, so it signs in without a password)
// with no attestation, exclude u's existing credentials, and carry a fresh
// challenge valid for Config.Timeout. It returns ErrInvalidUser for a user
// without an id or a name.
func (rp *RelyingParty) BeginRegistration(u passkey.User) (passkey.Ceremony, error) {
	if u.ID == uuid.Nil || u.Name == "" {
		return passkey.Ceremony{}, passkey.ErrInvalidUser
	}
	challenge, err := rp.challenge()
	if err != nil {
		return passkey.Ceremony{}, err
	}
	started := rp.now()
	creation, data, err := rp.wa.BeginRegistration(
		newWAUser(u.ID, u.Name, u.DisplayName, nil),
		gowebauthn.WithExclusions(descriptors(u.Credentials)),
		// Ed25519, P-256 and RSA: the algorithms WebAuthn Level 3 section
		// 5.4 asks relying parties to accept, most preferred first.
		gowebauthn.WithCredentialParameters(gowebauthn.CredentialParametersRecommendedL3()),
		func(o *protocol.PublicKeyCredentialCreationOptions) error {
			o.Challenge = challenge
			return nil
		},
	)
	if err != nil {
		return passkey.Ceremony{}, fmt.Errorf("webauthn: begin registration: %w", err)
	}
	return rp.begin(kindRegistration, creation.Response, data, started)
}

// FinishRegistration verifies the browser's answer to
// navigator.credentials.create (the JSON of the PublicKeyCredential) for
// the ceremony whose session data BeginRegistration returned, begun for
// the user userID, and returns the new credential to store (WebAuthn Level
// 3 section 7.1). The caller also checks that the credential id is not
// registered yet, for any user (section 7.1; the store's unique index does).
//
// It returns ErrInvalidSession, ErrExpired, ErrWrongUser (the session was
// begun for another user), ErrMalformedResponse, ErrChallenge, ErrOrigin,
// ErrRelyingParty, ErrUserPresence, ErrUserVerification, ErrAttestation
// or ErrRefused.
func (rp *RelyingParty) FinishRegistration(userID uuid.UUID, sessionData, response []byte) (passkey.Credential, error) {
	s, err := rp.decodeSession(sessionData, kindRegistration)
	if err != nil {
		return passkey.Credential{}, err
	}
	if !bytes.Equal(s.Data.UserID, userID[:]) {
		return passkey.Credential{}, passkey.ErrWrongUser
	}
	p, err := parseRegistration(response)
	if err != nil {
		return passkey.Credential{}, err
	}
	if err := rp.checkClientData(&p.Response.CollectedClientData, protocol.CreateCeremony, s.Data.Challenge); err != nil {
		return passkey.Credential{}, err
	}
	if err := rp.checkAuthData(&p.Response.AttestationObject.AuthData); err != nil {
		return passkey.Credential{}, err
	}
	c, err := rp.wa.CreateCredential(&waUser{handle: s.Data.UserID}, s.Data, p)
	if err != nil {
		return passkey.Credential{}, libraryRefusal(err)
	}
	aaguid, err := uuid.FromBytes(c.Authenticator.AAGUID)
	if err != nil {
		return passkey.Credential{}, passkey.ErrMalformedResponse
	}
	return passkey.Credential{
		ID:                bytes.Clone(c.ID),
		PublicKey:         bytes.Clone(c.PublicKey),
		SignCount:         c.Authenticator.SignCount,
		AAGUID:            aaguid,
		Transports:        cleanTransports(c.Transport),
		UserVerified:      c.Flags.UserVerified,
		BackupEligible:    c.Flags.BackupEligible,
		BackupState:       c.Flags.BackupState,
		AttestationFormat: c.AttestationFormat,
	}, nil
}

// challenge returns a fresh challenge from Config.Rand.
func (rp *RelyingParty) challenge() (protocol.URLEncodedBase64, error) {
	b := make([]byte, challengeSize)
	if _, err := io.ReadFull(rp.rand, b); err != nil {
		return nil, fmt.Errorf("webauthn: reading a challenge: %w", err)
	}
	return b, nil
}
