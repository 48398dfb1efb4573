package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/totp"
)

// Errors of the second-factor operations of the Manager.
var (
	// ErrTwoFactorUnsupported: second factors cannot be used with this
	// Manager: its store does not implement TwoFactorStore, or
	// ManagerOptions lacks SealKeys, RecoveryCodeKey or TOTPIssuer. The
	// wrapping error says which.
	ErrTwoFactorUnsupported = errors.New("user: second factors are not configured")
	// ErrBadPassword: the password given to confirm a second-factor change
	// is wrong (or the user has none). It counts as a failed login for
	// throttling.
	ErrBadPassword = errors.New("user: wrong password")
	// ErrBadCode: the TOTP or recovery code is wrong, malformed or used
	// already. At the login's second step the ticket survives it, with one
	// try less.
	ErrBadCode = errors.New("user: wrong code")
	// ErrBadTicket: the login ticket is unknown, expired, used, out of
	// tries, issued for another backend, or its user is gone or inactive.
	// One error on purpose: the client learns nothing about which.
	ErrBadTicket = errors.New("user: bad login ticket")
	// ErrTOTPNotPending: there is no TOTP enrolment to confirm (none was
	// begun, or a newer one replaced it).
	ErrTOTPNotPending = errors.New("user: no TOTP enrolment to confirm")
	// ErrTOTPNotEnabled: the user has no TOTP factor to remove.
	ErrTOTPNotEnabled = errors.New("user: TOTP is not enabled")
	// ErrTwoFactorNotEnabled: the user has no second factor, so there are
	// no recovery codes to regenerate and nothing to remove.
	ErrTwoFactorNotEnabled = errors.New("user: no second factor is enabled")
)

// The methods of a second step, as SecondFactors lists them and the login
// answer (LOGIN_2FA_REQUIRED) names them.
const (
	MethodTOTP         = "totp"
	MethodRecoveryCode = "recovery_code"
)

// twoFactor is the second-factor part of a Manager.
type twoFactor struct {
	store       TwoFactorStore // nil: the user store has no such capability
	issuer      string
	sealer      *auth.Sealer // nil: no SealKeys
	recoveryKey []byte
	challenges  ChallengeStore
	now         func() time.Time
	lastPurge   atomic.Int64 // Unix nanoseconds of the last purge of expired challenges
	missing     string       // what keeps second factors from working, or ""
}

// newTwoFactor reads the second-factor options. Options that are set must
// be valid; options that are missing only leave second factors unusable
// (ErrTwoFactorUnsupported), so a Manager without them works as before.
func newTwoFactor[U Model](o ManagerOptions[U]) (*twoFactor, error) {
	tf := &twoFactor{issuer: o.TOTPIssuer, now: o.Now, challenges: o.Challenges}
	if tf.now == nil {
		tf.now = time.Now
	}
	if s, ok := o.Store.(TwoFactorStore); ok {
		tf.store = s
	}
	if tf.challenges == nil {
		if s, ok := o.Store.(ChallengeStore); ok {
			tf.challenges = s
		} else {
			tf.challenges = NewMemoryChallenges(0)
		}
	}
	if o.TOTPIssuer != "" {
		if err := totp.CheckLabel(o.TOTPIssuer); err != nil {
			return nil, fmt.Errorf("user: ManagerOptions.TOTPIssuer: %w", err)
		}
	}
	if len(o.SealKeys) > 0 {
		s, err := auth.NewSealer(o.SealKeys, o.Rand)
		if err != nil {
			return nil, fmt.Errorf("user: ManagerOptions.SealKeys: %w", err)
		}
		tf.sealer = s
	}
	if o.RecoveryCodeKey != nil {
		if len(o.RecoveryCodeKey) < 32 {
			return nil, errors.New("user: ManagerOptions.RecoveryCodeKey has fewer than 32 bytes")
		}
		tf.recoveryKey = append([]byte(nil), o.RecoveryCodeKey...)
	}
	switch {
	case tf.store == nil:
		tf.missing = "the store does not implement TwoFactorStore"
	case tf.sealer == nil:
		tf.missing = "no ManagerOptions.SealKeys"
	case tf.recoveryKey == nil:
		tf.missing = "no ManagerOptions.RecoveryCodeKey"
	case tf.issuer == "":
		tf.missing = "no ManagerOptions.TOTPIssuer"
	}
	return tf, nil
}

// TwoFactorReady reports whether second factors can be enrolled and used:
// nil, or an error wrapping ErrTwoFactorUnsupported that says what is
// missing. usersauth.New calls it before mounting the routes that need
// them.
func (m *Manager[U]) TwoFactorReady() error {
	if m.tf.missing != "" {
		return fmt.Errorf("%w: %s", ErrTwoFactorUnsupported, m.tf.missing)
	}
	return nil
}

// twoFactorStore returns the store's second-factor capability once the
// options are complete.
func (m *Manager[U]) twoFactorStore() (TwoFactorStore, error) {
	if err := m.TwoFactorReady(); err != nil {
		return nil, err
	}
	return m.tf.store, nil
}

// totpAD is the additional data a user's TOTP secret is sealed with: a
// sealed secret copied to another user's row does not open.
func totpAD(id uuid.UUID) []byte {
	return append([]byte("usersauth totp secret "), id[:]...)
}

// TOTPEnrolment is a TOTP factor waiting for its first code: what
// BeginTOTP returns, shown to the user once.
type TOTPEnrolment struct {
	// Secret is the shared secret in base32, for typing into an app.
	Secret string
	// URL is the otpauth:// URL naming the issuer and the user's e-mail,
	// for a QR code.
	URL string
}

// TwoFactorStatus is what a user has of second factors, for the user's own
// settings page.
type TwoFactorStatus struct {
	// TOTP reports a confirmed TOTP factor.
	TOTP bool
	// RecoveryCodesLeft counts the unused recovery codes; they count only
	// beside a factor they back up (TOTP or a passkey), so it is 0
	// without one.
	RecoveryCodesLeft int
	// Passkeys counts the user's passkeys, while passkeys are configured
	// (ManagerOptions.Passkeys); 0 otherwise.
	Passkeys int
}

// Any reports whether the user has a second factor: TOTP or a passkey.
func (s TwoFactorStatus) Any() bool { return s.TOTP || s.Passkeys > 0 }

// checkPassword re-authenticates u with password before a change to its
// second factors, with the hasher as a login does, and returns the user as
// stored. A user without a usable password costs one dummy verification
// and fails. A hash made with old parameters is upgraded. Errors:
// ErrBadPassword, ErrNotFound, the hasher's and store's own.
func (m *Manager[U]) checkPassword(ctx context.Context, u U, password, purpose string) (U, error) {
	var zero U
	id := u.UserBase().ID
	if len(password) > MaxPasswordBytes {
		return zero, ErrBadPassword
	}
	cur, err := m.store.Get(ctx, id)
	if err != nil {
		return zero, err
	}
	hash := cur.UserBase().HashedPassword
	fail := func(reason string) (U, error) {
		m.log.LogAttrs(ctx, slog.LevelInfo, "password check failed", slog.String("user_id", id.String()),
			slog.String("purpose", purpose), slog.String("reason", reason))
		return zero, ErrBadPassword
	}
	failure, rehash, err := m.verifyStored(ctx, passwordCheck{hasher: m.hasher}, id, password, hash, "stored password hash is unusable")
	switch {
	case err != nil:
		return zero, err
	case failure == LoginNoPassword:
		return fail("no password set")
	case failure == LoginUnusableHash:
		return fail("unusable hash")
	case failure != "":
		return fail("wrong password")
	}
	if rehash {
		m.upgradeHash(ctx, cur, password)
	}
	return cur, nil
}

// BeginTOTP starts a TOTP enrolment for u, once password is checked as at
// login: it makes a secret (totp.NewKey, from ManagerOptions.Rand), keeps
// it sealed as the user's pending factor, replacing a pending one, and
// returns it with its otpauth:// URL. The factor protects nothing until
// ConfirmTOTP. Errors: ErrTwoFactorUnsupported, ErrBadPassword,
// ErrTOTPAlreadyEnabled, ErrNotFound, the hasher's and store's own.
func (m *Manager[U]) BeginTOTP(ctx context.Context, u U, password string) (TOTPEnrolment, error) {
	tfs, err := m.twoFactorStore()
	if err != nil {
		return TOTPEnrolment{}, err
	}
	cur, err := m.checkPassword(ctx, u, password, "begin TOTP")
	if err != nil {
		return TOTPEnrolment{}, err
	}
	b := cur.UserBase()
	f, err := tfs.TOTP(ctx, b.ID)
	switch {
	case err == nil && f.Confirmed():
		return TOTPEnrolment{}, ErrTOTPAlreadyEnabled
	case err != nil && !errors.Is(err, ErrNotFound):
		return TOTPEnrolment{}, err
	}
	key, err := totp.NewKey(m.rand, m.tf.issuer, b.Email)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("user: TOTP key for user %s: %w", b.ID, err)
	}
	sealed, err := m.tf.sealer.Seal([]byte(key.Secret), totpAD(b.ID))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if err := tfs.SetPendingTOTP(ctx, TOTPFactor{UserID: b.ID, SealedSecret: sealed, CreatedAt: m.tf.now()}); err != nil {
		return TOTPEnrolment{}, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "TOTP enrolment begun", slog.String("user_id", b.ID.String()))
	return TOTPEnrolment{Secret: key.Secret, URL: key.URL}, nil
}

// ConfirmTOTP turns u's pending TOTP factor on with a first code from the
// app, and returns the RecoveryCodeCount recovery codes that now back it
// up, to be shown once: only their digests are kept, and any older set
// dies. The code's time step is recorded, so the same code cannot sign in
// afterwards. Errors: ErrTwoFactorUnsupported, ErrTOTPNotPending,
// ErrTOTPAlreadyEnabled, ErrBadCode, the store's own.
//
// Enabling a factor should end the user's other sessions (the HTTP layer
// does it with the Manager's session functions, keeping the current one).
func (m *Manager[U]) ConfirmTOTP(ctx context.Context, u U, code string) ([]string, error) {
	tfs, err := m.twoFactorStore()
	if err != nil {
		return nil, err
	}
	id := u.UserBase().ID
	f, err := tfs.TOTP(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, ErrTOTPNotPending
	case err != nil:
		return nil, err
	case f.Confirmed():
		return nil, ErrTOTPAlreadyEnabled
	}
	secret, _, err := m.openTOTP(ctx, f)
	if err != nil {
		return nil, err
	}
	now := m.tf.now()
	step, err := totp.Verify(secret, code, now)
	if err != nil {
		if !errors.Is(err, totp.ErrWrongCode) && !errors.Is(err, totp.ErrMalformedCode) {
			return nil, err
		}
		m.log.LogAttrs(ctx, slog.LevelInfo, "second factor failed", slog.String("user_id", id.String()),
			slog.String("method", MethodTOTP), slog.String("reason", "wrong code at enrolment"))
		return nil, ErrBadCode
	}
	codes, digests, err := m.newRecoveryCodes(id)
	if err != nil {
		return nil, err
	}
	if err := tfs.ConfirmTOTP(ctx, id, f.SealedSecret, step, now, digests); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrTOTPNotPending
		}
		return nil, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor enabled", slog.String("user_id", id.String()), slog.String("method", MethodTOTP))
	return codes, nil
}

// openTOTP opens the sealed secret of f. A secret that does not open is
// logged and returned as an error: the key ring lost its key, or the row
// was tampered with.
func (m *Manager[U]) openTOTP(ctx context.Context, f TOTPFactor) (secret string, reseal bool, err error) {
	plain, reseal, err := m.tf.sealer.Open(f.SealedSecret, totpAD(f.UserID))
	if err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "TOTP secret does not open", slog.String("user_id", f.UserID.String()), slog.String("error", err.Error()))
		return "", false, fmt.Errorf("user: TOTP secret of user %s: %w", f.UserID, err)
	}
	return string(plain), reseal, nil
}

// reseal seals secret again with the first key of the ring and stores it
// in place of f's, unless it changed meanwhile. A failure is logged: the
// old key still opens it.
func (m *Manager[U]) reseal(ctx context.Context, tfs TwoFactorStore, f TOTPFactor, secret string) error {
	sealed, err := m.tf.sealer.Seal([]byte(secret), totpAD(f.UserID))
	if err == nil {
		err = tfs.ResealTOTP(ctx, f.UserID, f.SealedSecret, sealed)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		m.log.LogAttrs(ctx, slog.LevelWarn, "TOTP secret reseal failed", slog.String("user_id", f.UserID.String()), slog.String("error", err.Error()))
		return err
	}
	if err == nil {
		m.log.LogAttrs(ctx, slog.LevelInfo, "TOTP secret resealed", slog.String("user_id", f.UserID.String()))
	}
	return nil
}

// ResealTOTP seals u's TOTP secret again with the first of the SealKeys if
// an older key sealed it, and reports whether it did. Secrets are resealed
// on their next use anyway; an administrator runs this over every user
// before taking an old key out of the ring. Errors: ErrTwoFactorUnsupported,
// the store's own, or that of a secret no key opens.
func (m *Manager[U]) ResealTOTP(ctx context.Context, u U) (bool, error) {
	tfs, err := m.twoFactorStore()
	if err != nil {
		return false, err
	}
	f, err := tfs.TOTP(ctx, u.UserBase().ID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	secret, stale, err := m.openTOTP(ctx, f)
	if err != nil || !stale {
		return false, err
	}
	if err := m.reseal(ctx, tfs, f, secret); err != nil {
		return false, err
	}
	return true, nil
}

// newRecoveryCodes returns a new set of codes and their digests for the
// user id.
func (m *Manager[U]) newRecoveryCodes(id uuid.UUID) (codes, digests []string, err error) {
	codes, err = auth.NewRecoveryCodes(m.rand, auth.RecoveryCodeCount)
	if err != nil {
		return nil, nil, err
	}
	digests = make([]string, len(codes))
	for i, c := range codes {
		if digests[i], err = auth.RecoveryCodeDigest(m.tf.recoveryKey, id, c); err != nil {
			return nil, nil, err
		}
	}
	return codes, digests, nil
}

// RemoveTOTP turns u's TOTP factor off, once password is checked, with
// its recovery codes unless u has a passkey they still back up. A pending
// enrolment is removed too. Errors: ErrTwoFactorUnsupported,
// ErrBadPassword, ErrTOTPNotEnabled, the hasher's and store's own.
//
// Removing a factor should end the user's other sessions (the HTTP layer
// does it with the Manager's session functions, keeping the current one).
func (m *Manager[U]) RemoveTOTP(ctx context.Context, u U, password string) error {
	tfs, err := m.twoFactorStore()
	if err != nil {
		return err
	}
	cur, err := m.checkPassword(ctx, u, password, "remove TOTP")
	if err != nil {
		return err
	}
	id := cur.UserBase().ID
	if _, err := tfs.TOTP(ctx, id); errors.Is(err, ErrNotFound) {
		return ErrTOTPNotEnabled
	} else if err != nil {
		return err
	}
	// The recovery codes stay while a passkey is left for them to back up.
	remove := tfs.DeleteTwoFactor
	if m.pk.on() {
		n, err := m.pk.store.CountPasskeys(ctx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			remove = tfs.DeleteTOTP
		}
	}
	if err := remove(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return ErrTOTPNotEnabled
		}
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor removed", slog.String("user_id", id.String()), slog.String("method", MethodTOTP))
	return nil
}

// RegenerateRecoveryCodes replaces u's recovery codes with a new set, once
// password is checked, and returns it, to be shown once; the old set dies
// in the same step. A user with passkeys and no TOTP gets a first set this
// way. Errors: ErrTwoFactorUnsupported, ErrBadPassword,
// ErrTwoFactorNotEnabled, the hasher's and store's own.
func (m *Manager[U]) RegenerateRecoveryCodes(ctx context.Context, u U, password string) ([]string, error) {
	tfs, err := m.twoFactorStore()
	if err != nil {
		return nil, err
	}
	cur, err := m.checkPassword(ctx, u, password, "regenerate recovery codes")
	if err != nil {
		return nil, err
	}
	id := cur.UserBase().ID
	fs, err := m.factors(ctx, cur)
	switch {
	case err != nil:
		return nil, err
	case !fs.any():
		return nil, ErrTwoFactorNotEnabled
	}
	codes, digests, err := m.newRecoveryCodes(id)
	if err != nil {
		return nil, err
	}
	if err := tfs.ReplaceRecoveryCodes(ctx, id, digests); err != nil {
		return nil, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "recovery codes regenerated", slog.String("user_id", id.String()))
	return codes, nil
}

// TwoFactorStatus returns what u has of second factors. A store without
// the capability has none to report. Errors: the stores' own.
func (m *Manager[U]) TwoFactorStatus(ctx context.Context, u U) (TwoFactorStatus, error) {
	fs, err := m.factors(ctx, u)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	return TwoFactorStatus{TOTP: fs.totp, RecoveryCodesLeft: fs.codes, Passkeys: fs.passkeys}, nil
}

// RemoveTwoFactor removes every second factor of u, TOTP, recovery codes
// and passkeys, without a password: for a superuser helping a user who
// lost them (DELETE /users/{id}/2fa) and for the admin command. Passkeys go
// whether or not this Manager has them configured, so that the command
// (which has no relying party) resets them too. Errors:
// ErrTwoFactorUnsupported (the store keeps no factors), ErrTwoFactorNotEnabled
// (nothing to remove), the stores' own.
//
// Removing factors should end the user's sessions (the HTTP layer and the
// command do it with Manager.EndSessions).
func (m *Manager[U]) RemoveTwoFactor(ctx context.Context, u U) error {
	if m.tf.store == nil && m.pk.store == nil {
		return fmt.Errorf("%w: %s", ErrTwoFactorUnsupported, m.tf.missing)
	}
	id := u.UserBase().ID
	removed := 0
	if m.tf.store != nil {
		switch err := m.tf.store.DeleteTwoFactor(ctx, id); {
		case err == nil:
			removed++
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if m.pk.store != nil {
		list, err := m.pk.store.Passkeys(ctx, id)
		if err != nil {
			return err
		}
		for _, p := range list {
			switch err := m.pk.store.DeletePasskey(ctx, id, p.ID); {
			case err == nil:
				removed++
			case !errors.Is(err, ErrNotFound): // gone meanwhile: fine
				return err
			}
		}
	}
	if removed == 0 {
		return ErrTwoFactorNotEnabled
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "second factors removed by an administrator", slog.String("user_id", id.String()))
	return nil
}
