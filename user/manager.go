package user

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/passkey"
)

// ManagerOptions configures a Manager.
type ManagerOptions[U Model] struct {
	// Store keeps the users. Required.
	Store Store[U]
	// Hasher hashes and verifies passwords. Required; usually an
	// *auth.PasswordHasher.
	Hasher PasswordHasher
	// Hooks are the host's callbacks.
	Hooks Hooks[U]
	// Policy is the default password policy.
	Policy PasswordPolicy
	// Logger receives security events (failed logins, password changes) and
	// hook failures. Nil means slog.Default().
	Logger *slog.Logger
	// Rand is the source of new user ids. Nil means crypto/rand. It must be
	// safe for concurrent use.
	Rand io.Reader
	// ResetTokens signs and checks password-reset tokens. Its Audience
	// defaults to auth.ResetPasswordAudience and its Lifetime to an hour;
	// its Secret is required for ForgotPassword and ResetPassword.
	ResetTokens auth.PurposeToken
	// VerifyTokens signs and checks e-mail verification tokens, with the
	// defaults auth.VerifyAudience and an hour.
	VerifyTokens auth.PurposeToken
	// Sessions is where the sessions of users are listed and ended: the
	// tokens of database and Redis strategies, refresh-token families. The
	// Manager ends a user's sessions through it once the change is
	// written, when the password is changed or reset, when the user is
	// deactivated or deleted, and from EndSessions, EndOtherSessions and
	// EndSession; the user's record (TokenEpoch, KeptToken, EndedSessions)
	// was written first, which ends JWTs. Nil means there is nothing
	// server-side to end or list. usersauth.New sets it to the sessions of
	// every configured backend.
	Sessions SessionStore
	// RequireVerification lets only users who verified their e-mail address
	// sign in: see CheckSignIn.
	RequireVerification bool

	// TOTPIssuer names the service in authenticator apps: the issuer of
	// the otpauth:// URLs of TOTP enrolments (totp.CheckLabel must accept
	// it). Required for second factors.
	TOTPIssuer string
	// SealKeys encrypt TOTP secrets at rest (auth.Sealer): the first key
	// seals, every key opens. Required for second factors; usersauth.New
	// derives one from Options.Secret (auth.DeriveSealKey) when the host
	// gives none. To rotate, put a new key first and keep the old ones
	// until every secret was resealed (on its next use, or by ResealTOTP).
	SealKeys []auth.SealKey
	// RecoveryCodeKey keys the digests of recovery codes
	// (auth.RecoveryCodeDigest): at least 32 bytes. Required for second
	// factors; usersauth.New derives it from Options.Secret (auth.DeriveKey
	// with auth.RecoveryCodeKeyLabel). Changing it voids every recovery
	// code issued.
	RecoveryCodeKey []byte
	// Challenges keeps the login tickets of the second step. Nil means
	// the Store, when it implements ChallengeStore, else a bounded
	// in-memory MemoryChallenges, which serves one process only: several
	// instances need a shared store (store/sqlstore's).
	Challenges ChallengeStore
	// Now is the clock of second factors: TOTP time steps, ticket expiry,
	// enrolment times. Nil means time.Now.
	Now func() time.Time
	// Passkeys is the WebAuthn relying party (passkey/webauthn's New
	// makes one) of passkey registration, passwordless sign-in and the
	// passkey second step; its ceremonies wait in Challenges. Nil turns
	// passkeys off: they are then no factor either. The Store must
	// implement PasskeyStore.
	Passkeys passkey.RelyingParty
}

// Manager holds the user operations every route is built on: create,
// authenticate, update and delete, with their hooks. It has no HTTP in it: an
// admin command or a background job uses it the same way the routes do.
type Manager[U Model] struct {
	store               Store[U]
	hasher              PasswordHasher
	hooks               Hooks[U]
	policy              PasswordPolicy
	log                 *slog.Logger
	rand                io.Reader
	resetTokens         auth.PurposeToken
	verifyTokens        auth.PurposeToken
	sessions            SessionStore
	requireVerification bool
	tf                  *twoFactor // second factors (twofactor.go)
	pk                  *passkeys  // passkeys (passkeys.go)
}

// DefaultTokenLifetime is the lifetime of reset and verification tokens when
// none is configured, as in FastAPI Users.
const DefaultTokenLifetime = time.Hour

// NewManager returns a Manager, or an error if a required option is missing.
func NewManager[U Model](o ManagerOptions[U]) (*Manager[U], error) {
	if o.Store == nil {
		return nil, errors.New("user: ManagerOptions.Store is required")
	}
	if o.Hasher == nil {
		return nil, errors.New("user: ManagerOptions.Hasher is required")
	}
	m := &Manager[U]{store: o.Store, hasher: o.Hasher, hooks: o.Hooks, policy: o.Policy, log: o.Logger, rand: o.Rand,
		resetTokens: purposeDefaults(o.ResetTokens, auth.ResetPasswordAudience), verifyTokens: purposeDefaults(o.VerifyTokens, auth.VerifyAudience),
		sessions: o.Sessions, requireVerification: o.RequireVerification}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	tf, err := newTwoFactor(o)
	if err != nil {
		return nil, err
	}
	m.tf = tf
	m.pk = newPasskeys(o)
	return m, nil
}

func purposeDefaults(p auth.PurposeToken, audience string) auth.PurposeToken {
	if p.Audience == "" {
		p.Audience = audience
	}
	if p.Lifetime == 0 {
		p.Lifetime = DefaultTokenLifetime
	}
	return p
}

// Store returns the store the Manager works on.
func (m *Manager[U]) Store() Store[U] { return m.store }

// Get returns the user with the given id, or ErrNotFound.
func (m *Manager[U]) Get(ctx context.Context, id uuid.UUID) (U, error) {
	return m.store.Get(ctx, id)
}

// GetByEmail returns the user with the given e-mail (compared by EmailKey),
// or ErrNotFound.
func (m *Manager[U]) GetByEmail(ctx context.Context, email string) (U, error) {
	return m.store.GetByEmail(ctx, email)
}

// ValidatePassword runs the policy (PasswordPolicy.CheckFor with u's
// e-mail), then the host's hook. It returns an *InvalidPasswordError for a
// refused password, and an error wrapping ErrHookPanicked when the hook
// panicked.
func (m *Manager[U]) ValidatePassword(ctx context.Context, password string, u U) error {
	return m.validatePassword(ctx, password, u, u.UserBase().Email)
}

// validatePassword is ValidatePassword for a password that must not be
// built from any of emails.
func (m *Manager[U]) validatePassword(ctx context.Context, password string, u U, emails ...string) error {
	if err := m.policy.CheckFor(password, emails...); err != nil {
		return err
	}
	return m.validationHook(ctx, password, u)
}

// Register signs up u with the given password, as the public registration
// route does: the id is generated and the flags take their defaults
// (active, not superuser, not verified) whatever u holds. u.Email is
// normalised (NormalizeEmail; an *InvalidEmailError when it is not an
// address). The AfterRegister hook runs.
//
// The password is checked before the e-mail's uniqueness. Errors:
// *InvalidEmailError, *InvalidPasswordError, ErrAlreadyExists, or the
// hasher's and store's own.
func (m *Manager[U]) Register(ctx context.Context, u U, password string) (U, error) {
	b := u.UserBase()
	b.ID = uuid.Nil
	b.IsActive, b.IsSuperuser, b.IsVerified = true, false, false
	return m.Create(ctx, u, password)
}

// Create stores u with the given password as a trusted caller (an admin
// tool, a host's own code) made it: u's flags are kept, and an id is
// generated only if u has none. Otherwise as Register.
func (m *Manager[U]) Create(ctx context.Context, u U, password string) (U, error) {
	var zero U
	b := u.UserBase()
	email, err := NormalizeEmail(b.Email)
	if err != nil {
		return zero, err
	}
	b.Email = email
	if err := m.ValidatePassword(ctx, password, u); err != nil {
		return zero, err
	}
	if b.HashedPassword, err = m.hasher.Hash(ctx, password); err != nil {
		return zero, err
	}
	if b.ID == uuid.Nil {
		if b.ID, err = uuid.NewRandomFromReader(m.rand); err != nil {
			return zero, fmt.Errorf("user: new id: %w", err)
		}
	}
	if err := m.store.Create(ctx, u); err != nil {
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "user registered", slog.String("user_id", b.ID.String()))
	m.after(ctx, "AfterRegister", b.ID, m.hooks.AfterRegister, u)
	return u, nil
}

// Authenticate returns the user with that e-mail and password, provided the
// sign-in policy lets them have a session (CheckSignIn with
// SignInPassword): an inactive user is ErrInvalidCredentials, like an
// unknown e-mail or a wrong password, and an unverified one, when
// verification is required, ErrNotVerified, which only the right password
// reveals. The e-mail is looked up as given (by its EmailKey, not validated
// or trimmed). An unknown e-mail costs one dummy verification so that timing
// does not reveal which accounts exist, and an inactive user is refused only
// after the password was checked, for the same reason. A stored hash that
// cannot be used (malformed, or costlier than the hasher's limits allow) is
// logged, never verified, and fails the login as a wrong password, at the
// cost of one dummy verification. When the stored hash was made with other
// parameters or another scheme, it is replaced with a new one; a failure
// to do so is logged and does not fail the login. A user who has a second
// factor gets a *SecondFactorRequiredError, returned with the user, for
// whom the caller issues a login ticket.
//
// When the hasher is a SlotHasher, a hashing slot is taken first and held
// across the store read and the verification: a saturated pool answers
// auth.ErrBusy before the store is read. Every failed login runs the
// AfterFailedLogin hook with its LoginFailure, once the slot is released;
// a right password that needs a second step is no failure.
func (m *Manager[U]) Authenticate(ctx context.Context, email, password string) (U, error) {
	var zero U
	c, err := m.checkLogin(ctx, email, password)
	var second *SecondFactorRequiredError
	if err == nil {
		err = m.CheckSignIn(ctx, c.user, SignInPassword)
		second, _ = errors.AsType[*SecondFactorRequiredError](err)
		switch {
		case errors.Is(err, ErrInvalidCredentials):
			c.failure = LoginInactive
		case errors.Is(err, ErrNotVerified):
			c.failure = LoginNotVerified
		}
		if c.rehash && (err == nil || errors.Is(err, ErrNotVerified) || second != nil) {
			m.upgradeHash(ctx, c.user, password)
		}
	}
	if c.failure != "" {
		m.afterFailedLogin(ctx, email, c.userID, c.failure)
	}
	if second != nil {
		// The password was right: the caller issues the second step's
		// ticket for the user.
		return c.user, err
	}
	if err != nil {
		return zero, err
	}
	return c.user, nil
}

var errHashChanged = errors.New("password changed concurrently")

// upgradeHash replaces u's stored hash with one made with the current
// parameters, unless the password changed in the meantime.
func (m *Manager[U]) upgradeHash(ctx context.Context, u U, password string) {
	b := u.UserBase()
	old := b.HashedPassword
	hash, err := m.hasher.Hash(ctx, password)
	if err == nil {
		_, err = m.store.Update(ctx, b.ID, func(cur U) error {
			if cur.UserBase().HashedPassword != old {
				return errHashChanged
			}
			cur.UserBase().HashedPassword = hash
			return nil
		})
	}
	if err != nil && !errors.Is(err, errHashChanged) {
		m.log.LogAttrs(ctx, slog.LevelWarn, "password hash upgrade failed", slog.String("user_id", b.ID.String()), slog.String("error", err.Error()))
		return
	}
	if err == nil {
		b.HashedPassword = hash
		m.log.LogAttrs(ctx, slog.LevelInfo, "password hash upgraded", slog.String("user_id", b.ID.String()))
	}
}

// AfterLogin runs the AfterLogin hook; the routes call it once the token is
// issued.
func (m *Manager[U]) AfterLogin(ctx context.Context, u U) {
	m.log.LogAttrs(ctx, slog.LevelInfo, "login", slog.String("user_id", u.UserBase().ID.String()))
	m.after(ctx, "AfterLogin", u.UserBase().ID, m.hooks.AfterLogin, u)
}

// Update is a change to a user. Nil fields are left alone.
type Update struct {
	// Email is the new address; Update normalises it (NormalizeEmail).
	Email *string
	// Password is the new password in clear; it is validated and hashed.
	Password *string
	// IsActive, IsSuperuser and IsVerified are applied only by
	// UpdateAsSuperuser.
	IsActive, IsSuperuser, IsVerified *bool
	// Fields is a JSON object of the host's own fields, keyed by their exact
	// JSON names (see Schema), applied with encoding/json.
	Fields json.RawMessage
	// Precondition, when set, is called with the stored user inside the
	// atomic update, before any change is applied; an error aborts the
	// update and is returned as is. An admin tool uses it to act only on
	// the account it looked up ("still this e-mail", "not already set").
	// It must be quick and must not call the store.
	Precondition func(stored *Base) error
}

// UpdateSelf applies upd to u as the user's own change, as PATCH /users/me
// does: the flags are ignored. A new password ends every other session of
// the user and keeps the one the change is made in, as EndOtherSessions
// does, when ctx names it (WithCurrentSession: the routes set it); without
// one, it ends every session, as UpdateAsSuperuser does. See
// UpdateAsSuperuser for the rest.
func (m *Manager[U]) UpdateSelf(ctx context.Context, u U, upd Update) (U, error) {
	return m.update(ctx, u, upd, false)
}

// UpdateAsSuperuser applies upd to the user u, flags included, atomically in
// the store, as a superuser's PATCH /users/{id} or an admin tool does.
// Changing the e-mail sets IsVerified to false unless the same update sets
// IsVerified. The password is validated before anything is written. Errors:
// *InvalidEmailError, *InvalidPasswordError, ErrAlreadyExists (the e-mail
// belongs to another user), ErrNotFound, the Precondition's, or the
// hasher's and store's own.
//
// A new password, or setting IsActive to false, ends every session of the
// user (OWASP Session Management Cheat Sheet: renew the session on any
// privilege or credential change): TokenEpoch is incremented in the same
// write, then the Sessions option ends the server-side ones. If that
// fails, the change stays written and the updated user is returned with an
// error wrapping ErrSessionsNotEnded.
func (m *Manager[U]) UpdateAsSuperuser(ctx context.Context, u U, upd Update) (U, error) {
	return m.update(ctx, u, upd, true)
}

// update applies upd; trusted applies the flags too.
func (m *Manager[U]) update(ctx context.Context, u U, upd Update, trusted bool) (U, error) {
	var zero U
	id := u.UserBase().ID
	if upd.Email != nil {
		email, err := NormalizeEmail(*upd.Email)
		if err != nil {
			return zero, err
		}
		upd.Email = &email
	}
	var hash string
	if upd.Password != nil {
		emails := []string{u.UserBase().Email}
		if upd.Email != nil {
			emails = append(emails, *upd.Email)
		}
		if err := m.validatePassword(ctx, *upd.Password, u, emails...); err != nil {
			return zero, err
		}
		var err error
		if hash, err = m.hasher.Hash(ctx, *upd.Password); err != nil {
			return zero, err
		}
	}
	ends := upd.Password != nil || (trusted && upd.IsActive != nil && !*upd.IsActive)
	// The user's own password change keeps the session it is made in.
	keep, keeps := CurrentSessionFrom(ctx)
	keeps = keeps && ends && !trusted
	var changed []string
	updated, err := m.store.Update(ctx, id, func(cur U) error {
		changed = changed[:0]
		if upd.Precondition != nil {
			if err := upd.Precondition(cur.UserBase()); err != nil {
				return err
			}
		}
		if len(upd.Fields) > 0 {
			if err := json.Unmarshal(upd.Fields, cur); err != nil {
				return fmt.Errorf("user: applying fields: %w", err)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(upd.Fields, &keys); err == nil {
				for k := range keys {
					changed = append(changed, k)
				}
			}
		}
		b := cur.UserBase()
		if upd.Email != nil && *upd.Email != b.Email {
			b.Email = *upd.Email
			b.IsVerified = false
			changed = append(changed, "email")
		}
		if upd.Password != nil {
			b.HashedPassword = hash
			changed = append(changed, "password")
		}
		if trusted {
			if upd.IsActive != nil {
				b.IsActive = *upd.IsActive
				changed = append(changed, "is_active")
			}
			if upd.IsSuperuser != nil {
				b.IsSuperuser = *upd.IsSuperuser
				changed = append(changed, "is_superuser")
			}
			if upd.IsVerified != nil {
				b.IsVerified = *upd.IsVerified
				changed = append(changed, "is_verified")
			}
		}
		switch {
		case keeps:
			endOthersInRecord(b, keep)
		case ends:
			endAllInRecord(b)
		}
		return nil
	})
	if err != nil {
		return zero, err
	}
	if upd.Password != nil {
		m.log.LogAttrs(ctx, slog.LevelInfo, "password changed", slog.String("user_id", id.String()))
	}
	switch {
	case keeps:
		err = m.endOthers(ctx, id, keep, "password changed; other sessions ended")
	case ends:
		why := "deactivated"
		if upd.Password != nil {
			why = "password changed"
		}
		err = m.endAll(ctx, id, why)
	}
	m.afterUpdate(ctx, updated, changed)
	return updated, err
}

func (m *Manager[U]) afterUpdate(ctx context.Context, u U, changed []string) {
	if m.hooks.AfterUpdate == nil {
		return
	}
	m.runAfter(ctx, "AfterUpdate", u.UserBase().ID, func() error { return m.hooks.AfterUpdate(ctx, u, changed) })
}

// Delete removes u after the BeforeDelete hook allowed it, then ends its
// sessions (the Sessions option). Errors: the hook's (a *RejectedError
// for a refusal the client may see; one wrapping ErrHookPanicked when it
// panicked), ErrNotFound, the store's own, or, once the user is deleted,
// one wrapping ErrSessionsNotEnded.
func (m *Manager[U]) Delete(ctx context.Context, u U) error {
	id := u.UserBase().ID
	if m.hooks.BeforeDelete != nil {
		err := m.callHook(ctx, "BeforeDelete", id, func() error { return m.hooks.BeforeDelete(ctx, u) })
		if _, panicked := err.(*hookPanic); panicked {
			return err
		}
		if err != nil {
			return fmt.Errorf("BeforeDelete hook: %w", err)
		}
	}
	if err := m.store.Delete(ctx, id); err != nil {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "user deleted", slog.String("user_id", id.String()))
	err := m.endAll(ctx, id, "deleted")
	m.after(ctx, "AfterDelete", id, m.hooks.AfterDelete, u)
	return err
}

// after runs an After* hook whose failure or panic can only be logged.
func (m *Manager[U]) after(ctx context.Context, name string, id uuid.UUID, hook func(context.Context, U) error, u U) {
	if hook == nil {
		return
	}
	m.runAfter(ctx, name, id, func() error { return hook(ctx, u) })
}

// hookFailed logs a hook's error; id is uuid.Nil when there is no user.
func (m *Manager[U]) hookFailed(ctx context.Context, name string, id uuid.UUID, err error) {
	m.log.LogAttrs(ctx, slog.LevelError, "hook failed", append(hookAttrs(name, id), slog.String("error", err.Error()))...)
}
