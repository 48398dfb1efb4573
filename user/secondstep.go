package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/totp"
)

// The login ticket: the challenge between a login's right password and its
// second factor.
const (
	// ChallengeLoginTicket is the Challenge.Kind of login tickets.
	ChallengeLoginTicket = "login_2fa"
	// TicketLifetime is how long a ticket waits for its code.
	TicketLifetime = 5 * time.Minute
	// TicketTries is how many wrong codes a ticket survives: enough for a
	// typo or two, few enough that guessing a six-digit code through one
	// ticket is hopeless (and every try is throttled besides).
	TicketTries = 5
)

// purgeInterval spaces the purges of expired challenges that issuing a
// ticket does on the way.
const purgeInterval = time.Minute

// SecondFactors returns the methods by which u must pass a second step
// after a right password (MethodTOTP, MethodRecoveryCode, MethodPasskey,
// in that order), or none when u needs no second step. It is the one place
// the sign-in policy asks: every login route, the OAuth callback and the
// admin tools go through it. A store without the capability keeps no
// factors: no second step. It does not depend on the sealing keys, so that
// a Manager missing them refuses to complete second steps rather than skip
// them; passkeys count only while they are configured
// (ManagerOptions.Passkeys), so that a host that turns them off pays no
// lookup for them. Recovery codes count only beside a factor they back up,
// TOTP or passkeys. Errors: the stores' own.
func (m *Manager[U]) SecondFactors(ctx context.Context, u U) ([]string, error) {
	fs, err := m.factors(ctx, u)
	if err != nil || !fs.any() {
		return nil, err
	}
	var methods []string
	if fs.totp {
		methods = append(methods, MethodTOTP)
	}
	if fs.codes > 0 {
		methods = append(methods, MethodRecoveryCode)
	}
	if fs.passkeys > 0 {
		methods = append(methods, MethodPasskey)
	}
	return methods, nil
}

// factorSet is what a user has of second factors.
type factorSet struct {
	totp     bool // a confirmed TOTP factor
	passkeys int  // counted while passkeys are configured
	codes    int  // recovery codes left, counted beside a factor only
}

// any reports whether the user has a factor.
func (fs factorSet) any() bool { return fs.totp || fs.passkeys > 0 }

// factors reads u's second factors: a user without any costs one lookup,
// two with passkeys on.
func (m *Manager[U]) factors(ctx context.Context, u U) (factorSet, error) {
	var fs factorSet
	id := u.UserBase().ID
	tfs := m.tf.store
	if tfs != nil {
		f, err := tfs.TOTP(ctx, id)
		switch {
		case err == nil:
			fs.totp = f.Confirmed()
		case !errors.Is(err, ErrNotFound):
			return factorSet{}, err
		}
	}
	if m.pk.on() {
		n, err := m.pk.store.CountPasskeys(ctx, id)
		if err != nil {
			return factorSet{}, err
		}
		fs.passkeys = n
	}
	if tfs != nil && fs.any() {
		n, err := tfs.CountRecoveryCodes(ctx, id)
		if err != nil {
			return factorSet{}, err
		}
		fs.codes = n
	}
	return fs, nil
}

// IssueLoginTicket returns a ticket for the second step of u's login
// through the backend named backend: 32 random bytes (auth.RandomToken,
// from ManagerOptions.Rand) of which only the digest is kept, valid for
// TicketLifetime and TicketTries wrong codes. The caller has checked the
// password and asked SecondFactors; it answers LOGIN_2FA_REQUIRED with the
// ticket. Expired challenges are purged on the way, once a minute at most.
// Errors: the reader's and the challenge store's.
func (m *Manager[U]) IssueLoginTicket(ctx context.Context, u U, backend string) (string, error) {
	if len(backend) > MaxBackendNameBytes {
		return "", fmt.Errorf("user: backend name over %d bytes", MaxBackendNameBytes)
	}
	token, err := auth.RandomToken(m.rand)
	if err != nil {
		return "", err
	}
	id := u.UserBase().ID
	now := m.tf.now()
	m.purgeChallenges(ctx, now)
	err = m.tf.challenges.CreateChallenge(ctx, Challenge{
		Digest: auth.TokenDigest(token), Kind: ChallengeLoginTicket, UserID: id, Backend: backend,
		ExpiresAt: now.Add(TicketLifetime), TriesLeft: TicketTries,
	})
	if err != nil {
		return "", err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor required", slog.String("user_id", id.String()), slog.String("backend", backend))
	return token, nil
}

// purgeChallenges deletes expired challenges if the last purge is more
// than purgeInterval ago; of concurrent callers one purges. A failure is
// logged: expired challenges are refused anyway.
func (m *Manager[U]) purgeChallenges(ctx context.Context, now time.Time) {
	last := m.tf.lastPurge.Load()
	if now.UnixNano()-last < int64(purgeInterval) || !m.tf.lastPurge.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if _, err := m.tf.challenges.DeleteExpiredChallenges(ctx, now); err != nil {
		m.log.LogAttrs(ctx, slog.LevelWarn, "purging expired challenges failed", slog.String("error", err.Error()))
	}
}

// DeleteExpiredChallenges deletes the challenges expired by the Manager's
// clock and returns how many there were, for a host that purges on a
// schedule. Errors: the challenge store's.
func (m *Manager[U]) DeleteExpiredChallenges(ctx context.Context) (int, error) {
	return m.tf.challenges.DeleteExpiredChallenges(ctx, m.tf.now())
}

// CompleteLoginTicket completes the second step of a login: ticket is the
// one IssueLoginTicket gave for the backend named backend, code a TOTP code
// or a recovery code of its user. It returns the user, for the caller to
// answer as the backend's login does and to call AfterLogin.
//
// A wrong, malformed or reused code is ErrBadCode and costs the ticket a
// try; the ticket dies with its last try. A ticket that is unknown,
// expired, used, out of tries or issued for another backend, or whose user
// is gone or inactive, is ErrBadTicket. On success the code is used up (its
// time step recorded, or the recovery code deleted) and then the ticket is
// taken, so that of concurrent completions of one ticket only one signs in.
// Errors besides: ErrTwoFactorUnsupported, the store's own.
func (m *Manager[U]) CompleteLoginTicket(ctx context.Context, ticket, backend, code string) (U, error) {
	var zero U
	tfs, err := m.twoFactorStore()
	if err != nil {
		return zero, err
	}
	c, err := m.ticketChallenge(ctx, ticket, backend)
	if err != nil {
		return zero, err
	}
	digest := c.Digest
	if !m.tf.now().Before(c.ExpiresAt) {
		m.dropTicket(ctx, digest)
		return zero, ErrBadTicket
	}
	u, err := m.store.Get(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.UserBase().IsActive) {
		m.dropTicket(ctx, digest)
		return zero, ErrBadTicket
	}
	if err != nil {
		return zero, err
	}
	method, reason, err := m.useSecondFactor(ctx, tfs, c, code)
	if err != nil {
		return zero, err
	}
	if reason != "" {
		return zero, m.failTicket(ctx, c, digest, method, reason)
	}
	if _, err := m.tf.challenges.TakeChallenge(ctx, digest); errors.Is(err, ErrNotFound) {
		// Another completion of the same ticket won.
		return zero, ErrBadTicket
	} else if err != nil {
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "second factor passed", slog.String("user_id", c.UserID.String()), slog.String("method", method))
	return u, nil
}

// useSecondFactor checks code for the ticket's user and uses it up. A code
// that does not pass gives the reason, for the log; err is for failures of
// the store or of the keys.
func (m *Manager[U]) useSecondFactor(ctx context.Context, tfs TwoFactorStore, c Challenge, code string) (method, reason string, err error) {
	if _, err := totp.ParseCode(code); err == nil {
		reason, err := m.useTOTP(ctx, tfs, c.UserID, code)
		return MethodTOTP, reason, err
	}
	if _, err := auth.NormalizeRecoveryCode(code); err != nil {
		return "", "malformed code", nil
	}
	digest, err := auth.RecoveryCodeDigest(m.tf.recoveryKey, c.UserID, code)
	if err != nil {
		return MethodRecoveryCode, "", err
	}
	// The store finds the code by its keyed digest: timing reveals at most
	// a digest prefix, which says nothing of any code without the key.
	switch err := tfs.UseRecoveryCode(ctx, c.UserID, digest); {
	case errors.Is(err, ErrNotFound):
		return MethodRecoveryCode, "wrong or used recovery code", nil
	case err != nil:
		return MethodRecoveryCode, "", err
	}
	left, err := tfs.CountRecoveryCodes(ctx, c.UserID)
	if err != nil {
		left = -1
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "recovery code used", slog.String("user_id", c.UserID.String()), slog.Int("codes_left", left))
	return MethodRecoveryCode, "", nil
}

// useTOTP checks a TOTP code of the user id and records its step; a code
// that does not pass gives the reason.
func (m *Manager[U]) useTOTP(ctx context.Context, tfs TwoFactorStore, id uuid.UUID, code string) (reason string, err error) {
	f, err := tfs.TOTP(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !f.Confirmed()) {
		return "no TOTP factor", nil
	}
	if err != nil {
		return "", err
	}
	secret, stale, err := m.openTOTP(ctx, f)
	if err != nil {
		return "", err
	}
	step, err := totp.Verify(secret, code, m.tf.now())
	if errors.Is(err, totp.ErrWrongCode) {
		return "wrong code", nil
	}
	if err != nil {
		return "", err
	}
	switch err := tfs.UseTOTPStep(ctx, id, step); {
	case errors.Is(err, ErrTOTPStepUsed):
		return "code used already", nil
	case errors.Is(err, ErrNotFound):
		return "no TOTP factor", nil
	case err != nil:
		return "", err
	}
	if stale {
		// The code passed; a failed reseal is logged and tried again next
		// time.
		_ = m.reseal(ctx, tfs, f, secret)
	}
	return "", nil
}

// failTicket counts a wrong code against the ticket and returns ErrBadCode.
func (m *Manager[U]) failTicket(ctx context.Context, c Challenge, digest, method, reason string) error {
	left, err := m.tf.challenges.FailChallenge(ctx, digest)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	attrs := []slog.Attr{slog.String("user_id", c.UserID.String()), slog.String("reason", reason), slog.Int("tries_left", left)}
	if method != "" {
		attrs = append(attrs, slog.String("method", method))
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "second factor failed", attrs...)
	return ErrBadCode
}

// dropTicket deletes a ticket that can no longer succeed. A failure is
// logged: such a ticket is refused anyway.
func (m *Manager[U]) dropTicket(ctx context.Context, digest string) {
	if _, err := m.tf.challenges.TakeChallenge(ctx, digest); err != nil && !errors.Is(err, ErrNotFound) {
		m.log.LogAttrs(ctx, slog.LevelWarn, "deleting a dead login ticket failed", slog.String("error", err.Error()))
	}
}

// LoginTicketOwner returns the user of a live login ticket of the backend
// named backend, without spending a try: the second step's throttling
// counts failures against the account before a code is checked. Errors as
// CompleteLoginTicket's, without ErrBadCode.
func (m *Manager[U]) LoginTicketOwner(ctx context.Context, ticket, backend string) (U, error) {
	var zero U
	c, err := m.ticketChallenge(ctx, ticket, backend)
	if err != nil {
		return zero, err
	}
	if !m.tf.now().Before(c.ExpiresAt) {
		return zero, ErrBadTicket
	}
	u, err := m.store.Get(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) {
		return zero, ErrBadTicket
	}
	return u, err
}

// ticketChallenge returns the challenge of a login ticket of the backend
// with tries left, expired or not, its Digest that of ticket; else
// ErrBadTicket, or the challenge store's error. Nothing is spent.
func (m *Manager[U]) ticketChallenge(ctx context.Context, ticket, backend string) (Challenge, error) {
	if !auth.IsRandomToken(ticket) {
		return Challenge{}, ErrBadTicket
	}
	digest := auth.TokenDigest(ticket)
	c, err := m.tf.challenges.GetChallenge(ctx, digest)
	if errors.Is(err, ErrNotFound) {
		return Challenge{}, ErrBadTicket
	}
	if err != nil {
		return Challenge{}, err
	}
	if c.Kind != ChallengeLoginTicket || c.Backend != backend || c.TriesLeft < 1 {
		return Challenge{}, ErrBadTicket
	}
	c.Digest = digest
	return c, nil
}
