package webauthn

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
)

// BeginLogin starts a passwordless sign-in (WebAuthn Level 3 section 7.2):
// the options name no credential, so the browser offers the user the
// discoverable credentials it has for Config.RPID, whoever they belong to.
// FinishLogin learns the user from the credential's user handle.
func (rp *RelyingParty) BeginLogin() (passkey.Ceremony, error) {
	challenge, err := rp.challenge()
	if err != nil {
		return passkey.Ceremony{}, err
	}
	started := rp.now()
	assertion, data, err := rp.wa.BeginDiscoverableLogin(gowebauthn.WithChallenge(challenge))
	if err != nil {
		return passkey.Ceremony{}, fmt.Errorf("webauthn: begin login: %w", err)
	}
	return rp.begin(kindLogin, assertion.Response, data, started)
}

// BeginLoginFor starts a sign-in of the known user u with one of its
// credentials (allowCredentials): the second factor after a password. It
// returns ErrInvalidUser for a user without an id, and ErrNoCredentials
// when u has no credential.
func (rp *RelyingParty) BeginLoginFor(u passkey.User) (passkey.Ceremony, error) {
	if u.ID == uuid.Nil {
		return passkey.Ceremony{}, passkey.ErrInvalidUser
	}
	if len(u.Credentials) == 0 {
		return passkey.Ceremony{}, passkey.ErrNoCredentials
	}
	challenge, err := rp.challenge()
	if err != nil {
		return passkey.Ceremony{}, err
	}
	started := rp.now()
	assertion, data, err := rp.wa.BeginLogin(newWAUser(u.ID, u.Name, u.DisplayName, u.Credentials), gowebauthn.WithChallenge(challenge))
	if err != nil {
		return passkey.Ceremony{}, fmt.Errorf("webauthn: begin login: %w", err)
	}
	return rp.begin(kindUserLogin, assertion.Response, data, started)
}

// FinishLogin verifies the browser's answer to navigator.credentials.get
// for a ceremony BeginLogin began, and returns who signed in with which
// credential. The user is the one the credential's user handle names; the
// credential must be that user's, as lookup says.
//
// It returns (package passkey's) ErrInvalidSession, ErrExpired, ErrMalformedResponse,
// ErrChallenge, ErrOrigin, ErrRelyingParty, ErrUserPresence,
// ErrUserVerification, ErrNoUserHandle, ErrUnknownCredential, ErrWrongUser,
// ErrSignature, a *CloneError (ErrPossibleClone) or ErrRefused; or lookup's
// own error, wrapped, when the store fails. Nothing is written: the caller
// stores the Assertion's counter and backup state.
func (rp *RelyingParty) FinishLogin(ctx context.Context, sessionData, response []byte, lookup passkey.Lookup) (passkey.Assertion, error) {
	s, err := rp.decodeSession(sessionData, kindLogin)
	if err != nil {
		return passkey.Assertion{}, err
	}
	p, err := rp.parseAndCheckAssertion(response, s)
	if err != nil {
		return passkey.Assertion{}, err
	}
	handle := p.Response.UserHandle
	if len(handle) == 0 {
		return passkey.Assertion{}, passkey.ErrNoUserHandle
	}
	userID, err := uuid.FromBytes(handle)
	if err != nil {
		// Not a handle this package gave out.
		return passkey.Assertion{}, passkey.ErrUnknownCredential
	}
	user, cred, err := rp.owner(ctx, lookup, p.RawID, userID)
	if err != nil {
		return passkey.Assertion{}, err
	}
	_, verified, err := rp.wa.ValidatePasskeyLogin(func(_, _ []byte) (gowebauthn.User, error) { return user, nil }, s.Data, p)
	if err != nil {
		return passkey.Assertion{}, libraryRefusal(err)
	}
	return assertionOf(userID, cred, verified, p)
}

// FinishLoginFor verifies the browser's answer to navigator.credentials.get
// for a ceremony BeginLoginFor began for the user userID: the second
// factor. The credential must be one the ceremony allowed, and userID's,
// as lookup says; if the authenticator returns a user handle, it must be
// userID's.
//
// It returns the errors of FinishLogin, with ErrWrongUser also when the
// session was begun for another user, and ErrUnknownCredential when the
// credential was not among those the ceremony allowed.
func (rp *RelyingParty) FinishLoginFor(ctx context.Context, userID uuid.UUID, sessionData, response []byte, lookup passkey.Lookup) (passkey.Assertion, error) {
	s, err := rp.decodeSession(sessionData, kindUserLogin)
	if err != nil {
		return passkey.Assertion{}, err
	}
	if !bytes.Equal(s.Data.UserID, userID[:]) {
		return passkey.Assertion{}, passkey.ErrWrongUser
	}
	p, err := rp.parseAndCheckAssertion(response, s)
	if err != nil {
		return passkey.Assertion{}, err
	}
	if h := p.Response.UserHandle; len(h) != 0 && !bytes.Equal(h, userID[:]) {
		return passkey.Assertion{}, passkey.ErrWrongUser
	}
	allowed := false
	for _, id := range s.Data.AllowedCredentialIDs {
		allowed = allowed || bytes.Equal(id, p.RawID)
	}
	user, cred, err := rp.owner(ctx, lookup, p.RawID, userID)
	if err != nil {
		return passkey.Assertion{}, err
	}
	if !allowed {
		return passkey.Assertion{}, passkey.ErrUnknownCredential
	}
	verified, err := rp.wa.ValidateLogin(user, s.Data, p)
	if err != nil {
		return passkey.Assertion{}, libraryRefusal(err)
	}
	return assertionOf(userID, cred, verified, p)
}

// parseAndCheckAssertion decodes the answer and runs the checks that do
// not need the credential.
func (rp *RelyingParty) parseAndCheckAssertion(response []byte, s session) (*protocol.ParsedCredentialAssertionData, error) {
	p, err := parseAssertion(response)
	if err != nil {
		return nil, err
	}
	if err := rp.checkClientData(&p.Response.CollectedClientData, protocol.AssertCeremony, s.Data.Challenge); err != nil {
		return nil, err
	}
	if err := rp.checkAuthData(&p.Response.AuthenticatorData); err != nil {
		return nil, err
	}
	return p, nil
}

// owner calls lookup and checks its answer: the credential is userID's
// (section 7.2: the user handle, or the session's user, owns it).
func (rp *RelyingParty) owner(ctx context.Context, lookup passkey.Lookup, credentialID []byte, userID uuid.UUID) (*waUser, passkey.Credential, error) {
	owner, creds, err := lookup(ctx, bytes.Clone(credentialID), userID)
	switch {
	case errors.Is(err, passkey.ErrUnknownCredential):
		return nil, passkey.Credential{}, passkey.ErrUnknownCredential
	case err != nil:
		return nil, passkey.Credential{}, fmt.Errorf("webauthn: looking up the credential: %w", err)
	case owner != userID:
		return nil, passkey.Credential{}, passkey.ErrWrongUser
	}
	cred, ok := findCredential(creds, credentialID)
	if !ok {
		return nil, passkey.Credential{}, passkey.ErrUnknownCredential
	}
	return newWAUser(userID, "", "", creds), cred, nil
}

// assertionOf applies the signature counter rule to a verified assertion
// (section 7.2 step 21): a counter that does not increase, unless both
// are zero, is a possible clone, and refused.
func assertionOf(userID uuid.UUID, stored passkey.Credential, verified *gowebauthn.Credential, p *protocol.ParsedCredentialAssertionData) (passkey.Assertion, error) {
	received := p.Response.AuthenticatorData.Counter
	if verified.Authenticator.CloneWarning || (received <= stored.SignCount && (received != 0 || stored.SignCount != 0)) {
		return passkey.Assertion{}, &passkey.CloneError{UserID: userID, CredentialID: bytes.Clone(stored.ID), Stored: stored.SignCount, Received: received}
	}
	flags := p.Response.AuthenticatorData.Flags
	return passkey.Assertion{
		UserID:       userID,
		CredentialID: bytes.Clone(stored.ID),
		SignCount:    received,
		BackupState:  flags.HasBackupState(),
		UserVerified: flags.HasUserVerified(),
	}, nil
}
