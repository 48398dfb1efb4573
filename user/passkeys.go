package user

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/passkey"
)

// Passkeys are both a way to sign in without a password and a second
// factor: a passkey proves possession of a device and, as every passkey
// provider does, the user's PIN or biometric on it, so a sign-in with one
// needs no second step, and a user who registered one is asked for it (or
// another factor) after the password. The relying party
// (ManagerOptions.Passkeys) runs the WebAuthn ceremonies; the Manager keeps
// their challenges in its ChallengeStore, single-use and bound to their
// user or ticket, and the passkeys in the Store's PasskeyStore.

// Challenge kinds of the passkey ceremonies, beside ChallengeLoginTicket.
const (
	// ChallengePasskeyRegistration is a registration begun by a signed-in
	// user: one per user, keyed by the user's id, a newer one replacing
	// it.
	ChallengePasskeyRegistration = "passkey_registration"
	// ChallengePasskeyLogin is a passwordless sign-in begun by anyone,
	// keyed by the ticket the client holds.
	ChallengePasskeyLogin = "passkey_login"
	// ChallengePasskeySecondStep is the passkey ceremony of a login
	// ticket's second step, keyed by the ticket, and bound to its user.
	ChallengePasskeySecondStep = "passkey_2fa"
)

// MethodPasskey is the second-step method of a passkey, beside MethodTOTP
// and MethodRecoveryCode.
const MethodPasskey = "passkey"

// Limits of a passkey's name.
const (
	// MaxPasskeyNameLength is the longest name of a passkey, in code
	// points.
	MaxPasskeyNameLength = 64
	// DefaultPasskeyName names a passkey registered without a name.
	DefaultPasskeyName = "Passkey"
	// MaxPasskeys is how many passkeys a user may have: enough for every
	// device of a person, few enough that the allow list of a second step
	// stays a small challenge (credential ids reach 1023 bytes) and that a
	// script cannot fill the store through one account.
	MaxPasskeys = 25
)

// Errors of the passkey operations of the Manager.
var (
	// ErrPasskeysUnsupported: passkeys cannot be used with this Manager:
	// ManagerOptions.Passkeys is nil, or the store does not implement
	// PasskeyStore. The wrapping error says which.
	ErrPasskeysUnsupported = errors.New("user: passkeys are not configured")
	// ErrPasskeyRefused: a passkey ceremony failed: the browser's answer
	// did not verify (the wrapped error is the relying party's sentinel,
	// such as passkey.ErrOrigin), its challenge is unknown, used or
	// expired, the credential is registered already or belongs to another
	// user, or its signature counter did not increase. One error for the
	// client on purpose; the Manager logs the reason.
	ErrPasskeyRefused = errors.New("user: passkey refused")
	// ErrTooManyPasskeys: the user has MaxPasskeys passkeys already.
	ErrTooManyPasskeys = errors.New("user: too many passkeys")
	// ErrInvalidPasskeyName: a passkey's name is longer than
	// MaxPasskeyNameLength or holds control or invisible characters;
	// returned as an *InvalidPasskeyNameError.
	ErrInvalidPasskeyName = errors.New("user: invalid passkey name")
)

// InvalidPasskeyNameError is a passkey name NormalizePasskeyName refused.
// Reason is written for the client ("longer than 64 characters"). It wraps
// ErrInvalidPasskeyName.
type InvalidPasskeyNameError struct {
	Reason string
}

func (e *InvalidPasskeyNameError) Error() string { return "user: invalid passkey name: " + e.Reason }

// Unwrap returns ErrInvalidPasskeyName.
func (e *InvalidPasskeyNameError) Unwrap() error { return ErrInvalidPasskeyName }

// passkeys is the passkey part of a Manager.
type passkeys struct {
	rp passkey.RelyingParty // nil: passkeys off
	// store is the Store's capability, whether or not passkeys are on: an
	// administrator's RemoveTwoFactor removes passkeys left from a time
	// they were.
	store PasskeyStore
}

func newPasskeys[U Model](o ManagerOptions[U]) *passkeys {
	pk := &passkeys{rp: o.Passkeys}
	pk.store, _ = o.Store.(PasskeyStore)
	return pk
}

// on reports whether passkeys are configured and stored.
func (pk *passkeys) on() bool { return pk.rp != nil && pk.store != nil }

// PasskeysReady reports whether passkeys can be registered and used: nil,
// or an error wrapping ErrPasskeysUnsupported that says what is missing.
// usersauth.New calls it before mounting the passkey routes.
func (m *Manager[U]) PasskeysReady() error {
	switch {
	case m.pk.rp == nil:
		return fmt.Errorf("%w: no ManagerOptions.Passkeys", ErrPasskeysUnsupported)
	case m.pk.store == nil:
		return fmt.Errorf("%w: the store does not implement PasskeyStore", ErrPasskeysUnsupported)
	}
	return nil
}

// NormalizePasskeyName returns the name a user gave a passkey, without
// surrounding white space, or DefaultPasskeyName for an empty one. A name
// longer than MaxPasskeyNameLength code points, not valid UTF-8, or holding
// control or invisible characters (as NormalizeEmail refuses them, so that
// a name cannot render as another) is an *InvalidPasskeyNameError.
func NormalizePasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return DefaultPasskeyName, nil
	case !utf8.ValidString(name):
		return "", &InvalidPasskeyNameError{Reason: "not valid UTF-8"}
	case utf8.RuneCountInString(name) > MaxPasskeyNameLength:
		return "", &InvalidPasskeyNameError{Reason: fmt.Sprintf("longer than %d characters", MaxPasskeyNameLength)}
	case strings.IndexFunc(name, isUnsafeAnywhere) >= 0:
		return "", &InvalidPasskeyNameError{Reason: "control or invisible characters"}
	}
	return name, nil
}

// refusals of the relying party: the browser's answer, not our failure.
var passkeyRefusals = []error{
	passkey.ErrInvalidSession, passkey.ErrExpired, passkey.ErrMalformedResponse, passkey.ErrChallenge,
	passkey.ErrOrigin, passkey.ErrRelyingParty, passkey.ErrUserPresence, passkey.ErrUserVerification,
	passkey.ErrSignature, passkey.ErrAttestation, passkey.ErrUnknownCredential, passkey.ErrNoUserHandle,
	passkey.ErrWrongUser, passkey.ErrPossibleClone, passkey.ErrRefused, passkey.ErrNoCredentials,
}

func isPasskeyRefusal(err error) bool {
	for _, r := range passkeyRefusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// refusePasskey logs why a ceremony failed and returns ErrPasskeyRefused
// wrapping cause. A counter that did not increase is a security event of
// its own (WebAuthn Level 3 section 6.1.1; OWASP Logging Cheat Sheet): a
// warning, with the credential and both counters when known.
func (m *Manager[U]) refusePasskey(ctx context.Context, ceremony string, userID uuid.UUID, cause error) error {
	m.logRefusal(ctx, ceremony, userID, cause)
	return fmt.Errorf("%w: %w", ErrPasskeyRefused, cause)
}

func (m *Manager[U]) logRefusal(ctx context.Context, ceremony string, userID uuid.UUID, cause error) {
	attrs := []slog.Attr{slog.String("ceremony", ceremony), slog.String("reason", cause.Error())}
	if ce, ok := errors.AsType[*passkey.CloneError](cause); ok {
		userID = ce.UserID
		attrs = append(attrs, slog.String("credential_id", base64.RawURLEncoding.EncodeToString(ce.CredentialID)),
			slog.Uint64("stored_count", uint64(ce.Stored)), slog.Uint64("received_count", uint64(ce.Received)))
	}
	if userID != uuid.Nil {
		attrs = append(attrs, slog.String("user_id", userID.String()))
	}
	if errors.Is(cause, passkey.ErrPossibleClone) {
		m.log.LogAttrs(ctx, slog.LevelWarn, "passkey refused: possible cloned authenticator", attrs...)
		return
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "passkey refused", attrs...)
}

// errChallengeGone is the reason of a ceremony whose challenge is unknown,
// used, expired or of another kind, for the log.
var errChallengeGone = errors.New("no such challenge: unknown, used, expired or of another ceremony")

// registrationDigest keys the one pending registration of a user. It is no
// secret: the user's session guards the routes, and the WebAuthn
// challenge inside the payload the ceremony.
func registrationDigest(userID uuid.UUID) string {
	return auth.TokenDigest("usersauth passkey registration " + userID.String())
}

// secondStepDigest keys the passkey ceremony of a login ticket.
func secondStepDigest(ticket string) string {
	return auth.TokenDigest("usersauth passkey second step " + ticket)
}

// credentials returns the stored passkeys as the relying party reads them.
func credentials(list []Passkey) []passkey.Credential {
	out := make([]passkey.Credential, len(list))
	for i, p := range list {
		out[i] = passkey.Credential{
			ID: p.CredentialID, PublicKey: p.PublicKey, SignCount: p.SignCount, AAGUID: p.AAGUID,
			Transports: p.Transports, BackupEligible: p.BackupEligible, BackupState: p.BackupState,
		}
	}
	return out
}

// lookup is the relying party's passkey.Lookup on the PasskeyStore: the
// owner of a credential, and every passkey of that owner.
func (m *Manager[U]) lookup(ctx context.Context, credentialID []byte, _ uuid.UUID) (uuid.UUID, []passkey.Credential, error) {
	p, err := m.pk.store.PasskeyByCredentialID(ctx, credentialID)
	if errors.Is(err, ErrNotFound) {
		return uuid.Nil, nil, passkey.ErrUnknownCredential
	}
	if err != nil {
		return uuid.Nil, nil, err
	}
	list, err := m.pk.store.Passkeys(ctx, p.UserID)
	if err != nil {
		return uuid.Nil, nil, err
	}
	return p.UserID, credentials(list), nil
}

// replaceChallenge stores c in place of any challenge under its digest: a
// newer ceremony of the same user or ticket replaces the older one.
func (m *Manager[U]) replaceChallenge(ctx context.Context, c Challenge) error {
	for range 3 {
		if _, err := m.tf.challenges.TakeChallenge(ctx, c.Digest); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		err := m.tf.challenges.CreateChallenge(ctx, c)
		if !errors.Is(err, ErrAlreadyExists) {
			return err
		}
		// A concurrent Begin stored one between the two steps: take that.
	}
	return fmt.Errorf("user: challenge %s: %w", c.Kind, ErrAlreadyExists)
}

// takeChallenge takes the challenge under digest if it is of kind, for the
// backend, not expired, and for userID unless that is uuid.Nil; else the
// reason for the log (errChallengeGone). A challenge of another kind is
// left alone: a login ticket given to the wrong route is not spent.
func (m *Manager[U]) takeChallenge(ctx context.Context, digest, kind, backend string, userID uuid.UUID) (Challenge, error) {
	c, err := m.tf.challenges.GetChallenge(ctx, digest)
	if errors.Is(err, ErrNotFound) {
		return Challenge{}, errChallengeGone
	}
	if err != nil {
		return Challenge{}, err
	}
	if c.Kind != kind || c.Backend != backend || (userID != uuid.Nil && c.UserID != userID) {
		return Challenge{}, errChallengeGone
	}
	if _, err := m.tf.challenges.TakeChallenge(ctx, digest); errors.Is(err, ErrNotFound) {
		return Challenge{}, errChallengeGone // another request took it
	} else if err != nil {
		return Challenge{}, err
	}
	if !m.tf.now().Before(c.ExpiresAt) {
		return Challenge{}, errChallengeGone
	}
	return c, nil
}

// BeginPasskeyRegistration starts the registration of a passkey for the
// signed-in user u: it returns the creation options for
// navigator.credentials.create ({"publicKey": {...}}), with u's passkeys
// excluded, and keeps the ceremony as u's pending registration
// (ChallengePasskeyRegistration) until the relying party's timeout,
// replacing a pending one. Errors: ErrPasskeysUnsupported,
// ErrTooManyPasskeys, the relying party's, the stores' own.
func (m *Manager[U]) BeginPasskeyRegistration(ctx context.Context, u U) (json.RawMessage, error) {
	if err := m.PasskeysReady(); err != nil {
		return nil, err
	}
	b := u.UserBase()
	list, err := m.pk.store.Passkeys(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	if len(list) >= MaxPasskeys {
		return nil, ErrTooManyPasskeys
	}
	cer, err := m.pk.rp.BeginRegistration(passkey.User{ID: b.ID, Name: b.Email, Credentials: credentials(list)})
	if err != nil {
		return nil, err
	}
	m.purgeChallenges(ctx, m.tf.now())
	err = m.replaceChallenge(ctx, Challenge{
		Digest: registrationDigest(b.ID), Kind: ChallengePasskeyRegistration, UserID: b.ID,
		Payload: cer.Session, ExpiresAt: cer.Expires, TriesLeft: 1,
	})
	if err != nil {
		return nil, err
	}
	return cer.Options, nil
}

// FinishPasskeyRegistration completes u's pending registration with the
// browser's answer (the PublicKeyCredential's JSON) and stores the new
// passkey under name (NormalizePasskeyName). The pending registration is
// spent whatever the outcome. Registering a passkey enables a factor: the
// caller ends the user's other sessions.
//
// Errors: ErrPasskeysUnsupported; an *InvalidPasskeyNameError (nothing
// spent); ErrTooManyPasskeys; ErrPasskeyRefused
// when nothing is pending, the answer does not verify, or the credential is
// registered already (by anyone); ErrNotFound when the user is gone; the
// stores' own.
func (m *Manager[U]) FinishPasskeyRegistration(ctx context.Context, u U, credential []byte, name string) (Passkey, error) {
	if err := m.PasskeysReady(); err != nil {
		return Passkey{}, err
	}
	name, err := NormalizePasskeyName(name)
	if err != nil {
		return Passkey{}, err
	}
	id := u.UserBase().ID
	const ceremony = "registration"
	c, err := m.takeChallenge(ctx, registrationDigest(id), ChallengePasskeyRegistration, "", id)
	if errors.Is(err, errChallengeGone) {
		return Passkey{}, m.refusePasskey(ctx, ceremony, id, err)
	}
	if err != nil {
		return Passkey{}, err
	}
	cred, err := m.pk.rp.FinishRegistration(id, c.Payload, credential)
	if err != nil {
		if isPasskeyRefusal(err) {
			return Passkey{}, m.refusePasskey(ctx, ceremony, id, err)
		}
		return Passkey{}, err
	}
	// One registration is pending per user, so the count checked at its
	// Begin holds but for a passkey added by another way meanwhile.
	if n, err := m.pk.store.CountPasskeys(ctx, id); err != nil {
		return Passkey{}, err
	} else if n >= MaxPasskeys {
		return Passkey{}, ErrTooManyPasskeys
	}
	pid, err := uuid.NewRandomFromReader(m.rand)
	if err != nil {
		return Passkey{}, fmt.Errorf("user: new passkey id: %w", err)
	}
	p := Passkey{
		ID: pid, UserID: id, Name: name, CredentialID: cred.ID, PublicKey: cred.PublicKey,
		SignCount: cred.SignCount, AAGUID: cred.AAGUID, Transports: cred.Transports,
		BackupEligible: cred.BackupEligible, BackupState: cred.BackupState,
		CreatedAt: m.tf.now().UTC().Truncate(time.Microsecond),
	}
	switch err := m.pk.store.AddPasskey(ctx, p); {
	case errors.Is(err, ErrAlreadyExists):
		// WebAuthn Level 3 section 7.1: a credential id registered to any
		// user is refused.
		return Passkey{}, m.refusePasskey(ctx, ceremony, id, errors.New("credential registered already"))
	case err != nil:
		return Passkey{}, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor enabled", slog.String("user_id", id.String()),
		slog.String("method", MethodPasskey), slog.String("passkey_id", pid.String()))
	return p, nil
}

// Passkeys returns u's passkeys, oldest first. Errors:
// ErrPasskeysUnsupported, the store's own.
func (m *Manager[U]) Passkeys(ctx context.Context, u U) ([]Passkey, error) {
	if err := m.PasskeysReady(); err != nil {
		return nil, err
	}
	return m.pk.store.Passkeys(ctx, u.UserBase().ID)
}

// DeletePasskey removes u's passkey id. When it was u's last factor (no
// TOTP, no other passkey), u's recovery codes go with it: codes that back
// up nothing must not come back to life with a later factor. Removing a
// passkey removes a factor: the caller ends the user's other sessions.
// Errors: ErrPasskeysUnsupported, ErrNotFound (u has no such passkey,
// another user's included), the stores' own.
func (m *Manager[U]) DeletePasskey(ctx context.Context, u U, id uuid.UUID) error {
	if err := m.PasskeysReady(); err != nil {
		return err
	}
	userID := u.UserBase().ID
	if err := m.pk.store.DeletePasskey(ctx, userID, id); err != nil {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor removed", slog.String("user_id", userID.String()),
		slog.String("method", MethodPasskey), slog.String("passkey_id", id.String()))
	return m.dropOrphanCodes(ctx, u)
}

// dropOrphanCodes deletes u's recovery codes once u has no factor they
// back up.
func (m *Manager[U]) dropOrphanCodes(ctx context.Context, u U) error {
	tfs := m.tf.store
	if tfs == nil {
		return nil
	}
	fs, err := m.factors(ctx, u)
	if err != nil || fs.any() {
		return err
	}
	id := u.UserBase().ID
	n, err := tfs.CountRecoveryCodes(ctx, id)
	if err != nil || n == 0 {
		return err
	}
	if err := tfs.ReplaceRecoveryCodes(ctx, id, nil); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "recovery codes removed with the last factor", slog.String("user_id", id.String()))
	return nil
}

// PasskeyLogin is the start of a passwordless sign-in: what the client
// keeps and what it gives the browser.
type PasskeyLogin struct {
	// Ticket is the opaque token the client sends back with the answer.
	Ticket string
	// PublicKey is the request options' "publicKey" member, for
	// navigator.credentials.get.
	PublicKey json.RawMessage
}

// BeginPasskeyLogin starts a passwordless sign-in through the backend
// named backend: request options naming no credential, so that the
// browser offers the user's discoverable passkeys, and a ticket (32 random
// bytes, of which only the digest is kept) under which the ceremony waits
// for the relying party's timeout (ChallengePasskeyLogin). Errors:
// ErrPasskeysUnsupported, the relying party's, the reader's and the
// challenge store's.
func (m *Manager[U]) BeginPasskeyLogin(ctx context.Context, backend string) (PasskeyLogin, error) {
	if err := m.PasskeysReady(); err != nil {
		return PasskeyLogin{}, err
	}
	if len(backend) > MaxBackendNameBytes {
		return PasskeyLogin{}, fmt.Errorf("user: backend name over %d bytes", MaxBackendNameBytes)
	}
	cer, err := m.pk.rp.BeginLogin()
	if err != nil {
		return PasskeyLogin{}, err
	}
	ticket, err := auth.RandomToken(m.rand)
	if err != nil {
		return PasskeyLogin{}, err
	}
	m.purgeChallenges(ctx, m.tf.now())
	err = m.tf.challenges.CreateChallenge(ctx, Challenge{
		Digest: auth.TokenDigest(ticket), Kind: ChallengePasskeyLogin, Backend: backend,
		Payload: cer.Session, ExpiresAt: cer.Expires, TriesLeft: 1,
	})
	if err != nil {
		return PasskeyLogin{}, err
	}
	return PasskeyLogin{Ticket: ticket, PublicKey: cer.PublicKey}, nil
}

// PasskeyOwner returns the user whose passkey the browser's answer names,
// before anything is verified: the account a sign-in attempt counts
// against. It proves nothing about the caller. Errors: ErrNotFound (no
// such passkey, or an answer that names none), ErrPasskeysUnsupported, the
// stores' own.
func (m *Manager[U]) PasskeyOwner(ctx context.Context, credential []byte) (U, error) {
	var zero U
	if err := m.PasskeysReady(); err != nil {
		return zero, err
	}
	credentialID, err := passkey.CredentialIDOf(credential)
	if err != nil {
		return zero, ErrNotFound
	}
	p, err := m.pk.store.PasskeyByCredentialID(ctx, credentialID)
	if err != nil {
		return zero, err
	}
	return m.store.Get(ctx, p.UserID)
}

// FinishPasskeyLogin completes a passwordless sign-in: ticket is the one
// BeginPasskeyLogin gave for the backend named backend, credential the
// browser's answer. It returns the user the passkey belongs to, who passed
// CheckSignIn(SignInPasskey) (a passkey is two factors itself: no second
// step), for the caller to answer as the backend's login does and to call
// AfterLogin. The ticket is spent whatever the outcome. The passkey's new
// signature counter is recorded by compare-and-set, so of two sign-ins
// with one assertion only one passes.
//
// Errors: ErrPasskeyRefused (an unknown, used, expired or other ticket; an
// answer that does not verify; a credential that is unknown or belongs to
// someone else; a counter that did not increase, which is logged as a
// possible clone); ErrInvalidCredentials (inactive user) or ErrNotVerified,
// from CheckSignIn; ErrPasskeysUnsupported; the stores' own.
func (m *Manager[U]) FinishPasskeyLogin(ctx context.Context, ticket, backend string, credential []byte) (U, error) {
	var zero U
	if err := m.PasskeysReady(); err != nil {
		return zero, err
	}
	const ceremony = "sign-in"
	if !auth.IsRandomToken(ticket) {
		return zero, m.refusePasskey(ctx, ceremony, uuid.Nil, errChallengeGone)
	}
	c, err := m.takeChallenge(ctx, auth.TokenDigest(ticket), ChallengePasskeyLogin, backend, uuid.Nil)
	if errors.Is(err, errChallengeGone) {
		return zero, m.refusePasskey(ctx, ceremony, uuid.Nil, err)
	}
	if err != nil {
		return zero, err
	}
	a, err := m.pk.rp.FinishLogin(ctx, c.Payload, credential, m.lookup)
	if err != nil {
		if isPasskeyRefusal(err) {
			return zero, m.refusePasskey(ctx, ceremony, uuid.Nil, err)
		}
		return zero, err
	}
	u, err := m.store.Get(ctx, a.UserID)
	if errors.Is(err, ErrNotFound) {
		return zero, m.refusePasskey(ctx, ceremony, a.UserID, passkey.ErrUnknownCredential)
	}
	if err != nil {
		return zero, err
	}
	if err := m.CheckSignIn(ctx, u, SignInPasskey); err != nil {
		return zero, err
	}
	if err := m.recordUse(ctx, a); err != nil {
		if isPasskeyRefusal(err) {
			return zero, m.refusePasskey(ctx, ceremony, a.UserID, err)
		}
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "signed in with a passkey", slog.String("user_id", a.UserID.String()),
		slog.Bool("user_verified", a.UserVerified))
	return u, nil
}

// recordUse records a verified assertion. A counter another sign-in moved
// to or past it meanwhile is a refusal: two answers with one counter are a
// replay or a clone.
func (m *Manager[U]) recordUse(ctx context.Context, a passkey.Assertion) error {
	err := m.pk.store.RecordPasskeyUse(ctx, a.UserID, a.CredentialID, PasskeyUse{
		SignCount: a.SignCount, BackupState: a.BackupState, UsedAt: m.tf.now(),
	})
	switch {
	case errors.Is(err, ErrSignCountNotIncreased):
		return fmt.Errorf("%w: recorded meanwhile by another sign-in", passkey.ErrPossibleClone)
	case errors.Is(err, ErrNotFound):
		return passkey.ErrUnknownCredential // deleted since the lookup
	}
	return err
}

// BeginPasskeySecondStep starts the passkey ceremony of a login ticket's
// second step: request options that allow the passkeys of the ticket's
// user, kept under the ticket (ChallengePasskeySecondStep) until the
// relying party's timeout or the ticket's expiry, whichever comes first; a
// newer ceremony replaces an older one. The ticket is not spent: CompleteLoginTicketPasskey
// completes it. Errors: ErrBadTicket (as CompleteLoginTicket's),
// ErrPasskeyRefused when the user has no passkey, ErrPasskeysUnsupported,
// the relying party's, the stores' own.
func (m *Manager[U]) BeginPasskeySecondStep(ctx context.Context, ticket, backend string) (json.RawMessage, error) {
	if err := m.PasskeysReady(); err != nil {
		return nil, err
	}
	c, u, err := m.liveTicket(ctx, ticket, backend)
	if err != nil {
		return nil, err
	}
	list, err := m.pk.store.Passkeys(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, m.refusePasskey(ctx, "second step", c.UserID, passkey.ErrNoCredentials)
	}
	cer, err := m.pk.rp.BeginLoginFor(passkey.User{ID: c.UserID, Name: u.UserBase().Email, Credentials: credentials(list)})
	if err != nil {
		return nil, err
	}
	expires := cer.Expires
	if c.ExpiresAt.Before(expires) {
		expires = c.ExpiresAt
	}
	err = m.replaceChallenge(ctx, Challenge{
		Digest: secondStepDigest(ticket), Kind: ChallengePasskeySecondStep, UserID: c.UserID, Backend: backend,
		Payload: cer.Session, ExpiresAt: expires, TriesLeft: 1,
	})
	if err != nil {
		return nil, err
	}
	return cer.PublicKey, nil
}

// CompleteLoginTicketPasskey completes the second step of a login with a
// passkey: ticket is the one IssueLoginTicket gave for the backend named
// backend, on which BeginPasskeySecondStep began a ceremony, and
// credential the browser's answer. It returns the user, as
// CompleteLoginTicket does. The ceremony is spent whatever the outcome; an
// answer that does not verify, a credential of another user or one the
// ceremony did not allow, or no ceremony begun, is ErrBadCode and costs
// the ticket a try, as a wrong code does. Errors otherwise as
// CompleteLoginTicket's, with ErrPasskeysUnsupported.
func (m *Manager[U]) CompleteLoginTicketPasskey(ctx context.Context, ticket, backend string, credential []byte) (U, error) {
	var zero U
	if err := m.PasskeysReady(); err != nil {
		return zero, err
	}
	c, u, err := m.liveTicket(ctx, ticket, backend)
	if err != nil {
		return zero, err
	}
	digest := c.Digest
	// A refusal costs the ticket a try, as a wrong code does; a possible
	// clone is logged as such besides.
	fail := func(cause error) (U, error) {
		if errors.Is(cause, passkey.ErrPossibleClone) {
			m.logRefusal(ctx, "second step", c.UserID, cause)
		}
		return zero, m.failTicket(ctx, c, digest, MethodPasskey, cause.Error())
	}
	pc, err := m.takeChallenge(ctx, secondStepDigest(ticket), ChallengePasskeySecondStep, backend, c.UserID)
	if errors.Is(err, errChallengeGone) {
		return fail(err)
	}
	if err != nil {
		return zero, err
	}
	a, err := m.pk.rp.FinishLoginFor(ctx, c.UserID, pc.Payload, credential, m.lookup)
	if err == nil {
		err = m.recordUse(ctx, a)
	}
	if err != nil {
		if isPasskeyRefusal(err) {
			return fail(err)
		}
		return zero, err
	}
	if _, err := m.tf.challenges.TakeChallenge(ctx, digest); errors.Is(err, ErrNotFound) {
		return zero, ErrBadTicket // another completion of the ticket won
	} else if err != nil {
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor passed", slog.String("user_id", c.UserID.String()),
		slog.String("method", MethodPasskey))
	return u, nil
}

// liveTicket returns the login ticket's challenge (ticketChallenge) and its
// user, if the ticket has not expired and its user is there and active;
// else ErrBadTicket. Nothing is spent.
func (m *Manager[U]) liveTicket(ctx context.Context, ticket, backend string) (Challenge, U, error) {
	var zero U
	c, err := m.ticketChallenge(ctx, ticket, backend)
	if err != nil {
		return Challenge{}, zero, err
	}
	if !m.tf.now().Before(c.ExpiresAt) {
		return Challenge{}, zero, ErrBadTicket
	}
	u, err := m.store.Get(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.UserBase().IsActive) {
		return Challenge{}, zero, ErrBadTicket
	}
	if err != nil {
		return Challenge{}, zero, err
	}
	return c, u, nil
}
