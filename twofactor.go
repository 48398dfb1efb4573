package usersauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/user"
)

// TwoFactor turns on two-factor login (ours; FastAPI Users has none): users
// may enrol an authenticator app (TOTP, RFC 6238) with ten single-use
// recovery codes, and a password or OAuth sign-in of a user who did is
// answered LOGIN_2FA_REQUIRED with a ticket, which POST
// /auth/{backend}/login/2fa completes with a code. Users who have not
// enrolled see no change. The Store must implement user.TwoFactorStore
// (store/memory and store/sqlstore do); login tickets are kept by the Store
// when it implements user.ChallengeStore (both do), so that several
// instances share them, else in memory.
//
// Turning it off again (a nil Options.TwoFactor) turns the second step off
// for everyone: users who enrolled then sign in with their password alone.
type TwoFactor struct {
	// Issuer names the service in authenticator apps (the issuer of the
	// otpauth:// URL): "Camelot". Required.
	Issuer string

	// SealKeys encrypt the TOTP secrets at rest (AES-256-GCM, with the
	// user's id as additional data): the first key seals, every key opens.
	// Nil means one key derived from Options.Secret (HKDF-SHA256). To
	// rotate, put a new key first and keep the old ones until every secret
	// was resealed, which happens on each secret's next use (or
	// Manager().ResealTOTP); to leave the derived key, give it
	// (auth.DeriveSealKey(secret)) second.
	SealKeys []auth.SealKey
}

// twoFactorOptions fills the Manager's second-factor options from opts.
func twoFactorOptions[U user.Model](opts *Options[U], mo *user.ManagerOptions[U]) error {
	tf := opts.TwoFactor
	if tf == nil {
		return nil
	}
	if tf.Issuer == "" {
		return errors.New("usersauth: TwoFactor.Issuer is required")
	}
	mo.TOTPIssuer = tf.Issuer
	mo.SealKeys = tf.SealKeys
	if mo.SealKeys == nil {
		k, err := auth.DeriveSealKey(opts.Secret)
		if err != nil {
			return fmt.Errorf("usersauth: TwoFactor: %w", err)
		}
		mo.SealKeys = []auth.SealKey{k}
	}
	key, err := auth.DeriveKey(opts.Secret, auth.RecoveryCodeKeyLabel)
	if err != nil {
		return fmt.Errorf("usersauth: TwoFactor: %w", err)
	}
	mo.RecoveryCodeKey = key
	mo.Now = opts.Now
	return nil
}

// Error codes of two-factor login and enrolment (ours).
const (
	codeLogin2FARequired    = "LOGIN_2FA_REQUIRED"
	codeLogin2FABadCode     = "LOGIN_2FA_BAD_CODE"
	codeLogin2FABadTicket   = "LOGIN_2FA_BAD_TICKET"
	codeTwoFactorBadPass    = "TWO_FACTOR_BAD_PASSWORD"
	codeTwoFactorBadCode    = "TWO_FACTOR_BAD_CODE"
	codeTOTPAlreadyEnabled  = "TOTP_ALREADY_ENABLED"
	codeTOTPNotPending      = "TOTP_NOT_PENDING"
	codeTOTPNotEnabled      = "TOTP_NOT_ENABLED"
	codeTwoFactorNotEnabled = "TWO_FACTOR_NOT_ENABLED"
	codeTwoFactorRequired   = "TWO_FACTOR_REQUIRED"
)

// secondStep is the LOGIN_2FA_REQUIRED answer: the ticket the second step
// presents and the methods that may complete it.
type secondStep struct {
	Code    string   `json:"code"`
	Ticket  string   `json:"ticket"`
	Methods []string `json:"methods"`
}

// errTwoFactorRequired: Options.RequireTwoFactor holds for the user, who has
// no second factor yet: 403 TWO_FACTOR_REQUIRED.
var errTwoFactorRequired = errors.New("usersauth: the user must enrol a second factor")

// secondStepRequired is the answer to a sign-in whose first factor passed
// for a user with a second one: 400 LOGIN_2FA_REQUIRED with the ticket, or,
// for an OAuth callback with a frontend redirect, 303 to it with the ticket
// in the fragment.
type secondStepRequired struct{ step secondStep }

func (e *secondStepRequired) Error() string { return "usersauth: second step required" }

// startSecondStep issues the login ticket of backend m for u.
func (a *UsersAuth[U]) startSecondStep(ctx context.Context, m *mounted, u U, sf *user.SecondFactorRequiredError) error {
	ticket, err := a.manager.IssueLoginTicket(ctx, u, m.Name)
	if err != nil {
		return err
	}
	return &secondStepRequired{secondStep{Code: codeLogin2FARequired, Ticket: ticket, Methods: sf.Methods}}
}

// twoFactorLoginRoutes are the login second step of a backend, when
// second factors are on: TOTP, passkeys, or both.
func (a *UsersAuth[U]) twoFactorLoginRoutes(prefix string, m *mounted) []route {
	if a.twoFactor == nil && a.passkeys == nil {
		return nil
	}
	return []route{{http.MethodPost, prefix + "/login/2fa", a.secondStepHandler(m)}}
}

// twoFactorUsersRoutes are the enrolment routes of the users router: the
// status and the superuser's reset with any second factor, the TOTP and
// recovery-code routes with TwoFactor.
func (a *UsersAuth[U]) twoFactorUsersRoutes(prefix string) []route {
	if a.twoFactor == nil && a.passkeys == nil {
		return nil
	}
	routes := []route{
		{http.MethodGet, prefix + "/me/2fa", a.handleTwoFactorStatus},
		{http.MethodDelete, prefix + "/{id}/2fa", a.handleRemoveTwoFactor},
	}
	if a.twoFactor == nil {
		return routes
	}
	return append(routes,
		route{http.MethodPost, prefix + "/me/2fa/totp", a.handleBeginTOTP},
		route{http.MethodPost, prefix + "/me/2fa/totp/confirm", a.handleConfirmTOTP},
		route{http.MethodDelete, prefix + "/me/2fa/totp", a.handleRemoveTOTP},
		route{http.MethodPost, prefix + "/me/2fa/recovery-codes", a.handleRegenerateRecoveryCodes},
	)
}

// secondStepHandler serves POST /auth/{backend}/login/2fa (ours): a login
// ticket and a code (TOTP or recovery), as JSON or a form, or, as JSON, a
// ticket and the browser's passkey credential (after POST
// /auth/{backend}/passkey/begin {ticket}); the answer is the backend's
// login answer. Throttled as a login, per account (the ticket's user) and
// per address.
func (a *UsersAuth[U]) secondStepHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.secondStep(w, r, m); err != nil {
			a.writeError(w, r, opSecondStep, err)
		}
	}
}

func (a *UsersAuth[U]) secondStep(w http.ResponseWriter, r *http.Request, m *mounted) error {
	if err := a.checkCSRF(r, m); err != nil {
		return err
	}
	ticket, code, credential, err := a.readSecondStep(w, r)
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	// The account is the ticket's user; a ticket that is not one counts
	// against the address alone.
	var email string
	owner, err := a.manager.LoginTicketOwner(ctx, ticket, m.Name)
	switch {
	case err == nil:
		email = owner.UserBase().Email
	case !errors.Is(err, user.ErrBadTicket):
		return err
	}
	attempt, err := a.limiter.startLogin(r, email)
	if err != nil {
		return err
	}
	var u U
	if credential != nil {
		u, err = a.manager.CompleteLoginTicketPasskey(ctx, ticket, m.Name, credential)
	} else {
		u, err = a.manager.CompleteLoginTicket(ctx, ticket, m.Name, code)
	}
	switch {
	case errors.Is(err, user.ErrBadCode), errors.Is(err, user.ErrBadTicket):
		attempt.settle(ctx, user.ErrInvalidCredentials)
	default:
		attempt.settle(ctx, err)
	}
	if err != nil {
		return err
	}
	t, err := a.issue(ctx, m, u)
	if err != nil {
		return err
	}
	return m.writeLogin(w, t)
}

// twoFactorStatus is the answer of GET /users/me/2fa.
type twoFactorStatus struct {
	TOTP              bool `json:"totp"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
	Passkeys          int  `json:"passkeys"`
}

// handleTwoFactorStatus serves GET /users/me/2fa: what the user has, for a
// frontend's settings page.
func (a *UsersAuth[U]) handleTwoFactorStatus(w http.ResponseWriter, r *http.Request) {
	err := a.twoFactorStatus(w, r)
	if err != nil {
		a.writeError(w, r, opOther, err)
	}
}

func (a *UsersAuth[U]) twoFactorStatus(w http.ResponseWriter, r *http.Request) error {
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return err
	}
	st, err := a.manager.TwoFactorStatus(r.Context(), s.user)
	if err != nil {
		return err
	}
	return wire.WriteValue(w, http.StatusOK, twoFactorStatus{TOTP: st.TOTP, RecoveryCodesLeft: st.RecoveryCodesLeft, Passkeys: st.Passkeys})
}

// handleBeginTOTP serves POST /users/me/2fa/totp {password}: a new TOTP
// secret and its otpauth:// URL, pending until confirmed.
func (a *UsersAuth[U]) handleBeginTOTP(w http.ResponseWriter, r *http.Request) {
	if err := a.beginTOTP(w, r); err != nil {
		a.writeError(w, r, opTwoFactor, err)
	}
}

func (a *UsersAuth[U]) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	s, obj, err := a.currentWithBody(w, r)
	if err != nil {
		return err
	}
	password, err := requiredString(obj, "password")
	if err != nil {
		return err
	}
	var enrolment user.TOTPEnrolment
	err = a.withPassword(r, s.user, func(ctx context.Context) error {
		enrolment, err = a.manager.BeginTOTP(ctx, s.user, password)
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return wire.WriteValue(w, http.StatusOK, struct {
		Secret     string `json:"secret"`
		OTPAuthURL string `json:"otpauth_url"`
	}{enrolment.Secret, enrolment.URL})
}

// handleConfirmTOTP serves POST /users/me/2fa/totp/confirm {code}: the
// first code from the app turns TOTP on and gives the ten recovery codes,
// shown once. The user's other sessions end.
func (a *UsersAuth[U]) handleConfirmTOTP(w http.ResponseWriter, r *http.Request) {
	if err := a.confirmTOTP(w, r); err != nil {
		a.writeError(w, r, opTwoFactor, err)
	}
}

func (a *UsersAuth[U]) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	s, obj, err := a.currentWithBody(w, r)
	if err != nil {
		return err
	}
	code, err := requiredString(obj, "code")
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	codes, err := a.manager.ConfirmTOTP(ctx, s.user, code)
	if err != nil {
		return err
	}
	if err := a.endOtherSessions(ctx, s); err != nil {
		return err
	}
	return writeRecoveryCodes(w, codes)
}

// handleRemoveTOTP serves DELETE /users/me/2fa/totp {password}: TOTP off,
// with the recovery codes it backed up. The user's other sessions end.
func (a *UsersAuth[U]) handleRemoveTOTP(w http.ResponseWriter, r *http.Request) {
	if err := a.removeTOTP(w, r); err != nil {
		a.writeError(w, r, opTwoFactor, err)
		return
	}
	wire.WriteNoContent(w)
}

func (a *UsersAuth[U]) removeTOTP(w http.ResponseWriter, r *http.Request) error {
	s, obj, err := a.currentWithBody(w, r)
	if err != nil {
		return err
	}
	password, err := requiredString(obj, "password")
	if err != nil {
		return err
	}
	err = a.withPassword(r, s.user, func(ctx context.Context) error {
		return a.manager.RemoveTOTP(ctx, s.user, password)
	})
	if err != nil {
		return err
	}
	return a.endOtherSessions(hookContext(r), s)
}

// handleRegenerateRecoveryCodes serves POST /users/me/2fa/recovery-codes
// {password}: a new set of ten; the old set dies.
func (a *UsersAuth[U]) handleRegenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if err := a.regenerateRecoveryCodes(w, r); err != nil {
		a.writeError(w, r, opTwoFactor, err)
	}
}

func (a *UsersAuth[U]) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	s, obj, err := a.currentWithBody(w, r)
	if err != nil {
		return err
	}
	password, err := requiredString(obj, "password")
	if err != nil {
		return err
	}
	var codes []string
	err = a.withPassword(r, s.user, func(ctx context.Context) error {
		codes, err = a.manager.RegenerateRecoveryCodes(ctx, s.user, password)
		return err
	})
	if err != nil {
		return err
	}
	return writeRecoveryCodes(w, codes)
}

// handleRemoveTwoFactor serves DELETE /users/{id}/2fa (superuser): every
// second factor of the user removed, and the user's sessions ended, for a
// user who lost them. 204 also when there was none.
func (a *UsersAuth[U]) handleRemoveTwoFactor(w http.ResponseWriter, r *http.Request) {
	err := a.removeTwoFactor(r)
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

func (a *UsersAuth[U]) removeTwoFactor(r *http.Request) error {
	u, err := a.superuserTarget(r)
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	if err := a.manager.RemoveTwoFactor(ctx, u); err != nil && !errors.Is(err, user.ErrTwoFactorNotEnabled) {
		return err
	}
	return a.manager.EndSessions(ctx, u)
}

// currentWithBody reads a JSON body and the current user, in the
// contract's precedence: malformed JSON, then authentication, then the
// body's shape.
func (a *UsersAuth[U]) currentWithBody(w http.ResponseWriter, r *http.Request) (session[U], wire.Object, error) {
	body, err := wire.ReadJSON(w, r)
	if err != nil {
		return session[U]{}, nil, err
	}
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return session[U]{}, nil, err
	}
	obj, err := body.Require()
	return s, obj, err
}

// requiredString reads one required string member.
func requiredString(obj wire.Object, name string) (string, error) {
	var errs wire.Errors
	v, _ := obj.String(name, true, false, &errs)
	return v, errs.Err()
}

// withPassword runs a change confirmed by the user's password, throttled as
// a login of the account: a wrong password (user.ErrBadPassword) counts as
// a failed login.
func (a *UsersAuth[U]) withPassword(r *http.Request, u U, change func(context.Context) error) error {
	ctx := hookContext(r)
	attempt, err := a.limiter.startLogin(r, u.UserBase().Email)
	if err != nil {
		return err
	}
	err = change(ctx)
	if errors.Is(err, user.ErrBadPassword) {
		attempt.settle(ctx, user.ErrInvalidCredentials)
		return err
	}
	// Any other failure (a busy hashing pool, the store) decided nothing
	// about the password: the attempt is given back, and only a success
	// clears the account's failed logins.
	attempt.settle(ctx, err)
	return err
}

func writeRecoveryCodes(w http.ResponseWriter, codes []string) error {
	w.Header().Set("Cache-Control", "no-store")
	return wire.WriteValue(w, http.StatusOK, struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}{codes})
}

// endOtherSessions ends every session of s's user but s itself, after a
// second factor was enabled or removed in it.
func (a *UsersAuth[U]) endOtherSessions(ctx context.Context, s session[U]) error {
	return a.manager.EndOtherSessions(ctx, s.user, s.current())
}
