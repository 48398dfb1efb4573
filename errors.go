package usersauth

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/oauthflow"
	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/user"
)

// Errors of the current-user check, for hosts calling CurrentUser directly.
var (
	// ErrUnauthorized: no user could be authenticated, or the user is
	// inactive where an active one is required (401).
	ErrUnauthorized = errors.New("usersauth: unauthorized")
	// ErrForbidden: the user is not allowed here (403): not verified where
	// verification is required, not a superuser, or a cross-origin
	// cookie-authenticated state change.
	ErrForbidden = errors.New("usersauth: forbidden")
)

// errProviderFailed wraps a failure of the provider's side of the exchange
// that is not a refusal it explained (an unreachable endpoint, an answer
// that is not what the protocol says, an ID token that does not verify):
// 502 Bad Gateway.
var errProviderFailed = errors.New("usersauth: identity provider failed")

// Error codes of the contract, the "detail" of 400 answers.
const (
	codeRegisterUserAlreadyExists    = "REGISTER_USER_ALREADY_EXISTS"
	codeRegisterInvalidPassword      = "REGISTER_INVALID_PASSWORD"
	codeLoginBadCredentials          = "LOGIN_BAD_CREDENTIALS"
	codeLoginUserNotVerified         = "LOGIN_USER_NOT_VERIFIED"
	codeUpdateUserEmailAlreadyExists = "UPDATE_USER_EMAIL_ALREADY_EXISTS"
	codeUpdateUserInvalidPassword    = "UPDATE_USER_INVALID_PASSWORD"
	codeResetPasswordBadToken        = "RESET_PASSWORD_BAD_TOKEN"
	codeResetPasswordInvalidPassword = "RESET_PASSWORD_INVALID_PASSWORD"
	codeVerifyUserBadToken           = "VERIFY_USER_BAD_TOKEN"
	codeVerifyUserAlreadyVerified    = "VERIFY_USER_ALREADY_VERIFIED"

	codeOAuthNotAvailableEmail    = "OAUTH_NOT_AVAILABLE_EMAIL"
	codeOAuthUserAlreadyExists    = "OAUTH_USER_ALREADY_EXISTS"
	codeOAuthInvalidState         = "OAUTH_INVALID_STATE"
	codeAccessTokenDecodeError    = "ACCESS_TOKEN_DECODE_ERROR"
	codeAccessTokenAlreadyExpired = "ACCESS_TOKEN_ALREADY_EXPIRED"
	codeOAuthLastSignInMethod     = "OAUTH_LAST_SIGN_IN_METHOD" // ours: DELETE /users/me/oauth/{provider}

	codeUpdateUserBadCurrentPassword = "UPDATE_USER_BAD_CURRENT_PASSWORD" // ours: Options.RequireCurrentPassword
)

// errBadCurrentPassword: the current_password of a change was wrong.
var errBadCurrentPassword = errors.New("usersauth: bad current password")

// operation names the route an error comes from: one domain error maps to
// different answers on different routes (an existing e-mail is
// REGISTER_USER_ALREADY_EXISTS on registration and
// UPDATE_USER_EMAIL_ALREADY_EXISTS on PATCH).
type operation int

const (
	opOther operation = iota
	opRegister
	opLogin
	opUpdate
	opReset
	opRefresh
	opSecondStep      // POST /auth/{backend}/login/2fa
	opTwoFactor       // the enrolment routes under /users/me/2fa
	opPasskeyLogin    // POST /auth/{backend}/passkey/begin and /finish
	opPasskeyRegister // POST /users/me/passkeys/begin and /finish
)

// answer is what one sentinel error becomes: a code with the status (400
// when status is 0), or a status with its reason phrase when code is "".
type answer struct {
	err    error
	status int
	code   string
}

// byOperation are the answers that depend on the route, looked up first.
var byOperation = map[operation][]answer{
	opRegister: {{err: user.ErrAlreadyExists, code: codeRegisterUserAlreadyExists}},
	opUpdate:   {{err: user.ErrAlreadyExists, code: codeUpdateUserEmailAlreadyExists}},
	// A refresh of a user who may no longer sign in is a refused token
	// (and the family is ended by the handler), or a forbidden one.
	opRefresh: {
		{err: user.ErrInvalidCredentials, status: http.StatusUnauthorized},
		{err: user.ErrNotVerified, status: http.StatusForbidden},
	},
	opSecondStep: {{err: user.ErrBadCode, code: codeLogin2FABadCode}},
	opTwoFactor:  {{err: user.ErrBadCode, code: codeTwoFactorBadCode}},
	// A passkey sign-in of an inactive user is refused as any other: who
	// is inactive is not revealed.
	opPasskeyLogin: {
		{err: user.ErrPasskeyRefused, code: codeLoginPasskeyFailed},
		{err: user.ErrInvalidCredentials, code: codeLoginPasskeyFailed},
	},
	opPasskeyRegister: {{err: user.ErrPasskeyRefused, code: codeRegisterPasskeyFailed}},
}

// answers map the sentinels of every route, in order: the first whose
// error matches (errors.Is) answers.
var answers = []answer{
	{err: ErrUnauthorized, status: http.StatusUnauthorized},
	{err: backend.ErrInvalidRefreshToken, status: http.StatusUnauthorized},
	{err: ErrForbidden, status: http.StatusForbidden},
	{err: user.ErrInvalidCredentials, code: codeLoginBadCredentials},
	{err: user.ErrNotVerified, code: codeLoginUserNotVerified},
	{err: user.ErrBadResetToken, code: codeResetPasswordBadToken},
	{err: user.ErrBadVerifyToken, code: codeVerifyUserBadToken},
	{err: user.ErrAlreadyVerified, code: codeVerifyUserAlreadyVerified},
	{err: user.ErrNotFound, status: http.StatusNotFound},
	{err: user.ErrSessionNotFound, status: http.StatusNotFound},
	{err: oauthflow.ErrStateUndecodable, code: codeAccessTokenDecodeError},
	{err: oauthflow.ErrStateExpired, code: codeAccessTokenAlreadyExpired},
	{err: oauthflow.ErrInvalidState, code: codeOAuthInvalidState},
	{err: oauthflow.ErrStateOtherUser, status: http.StatusBadRequest},
	{err: oauth.ErrMissingCode, status: http.StatusBadRequest},
	{err: oauth.ErrIssuerMismatch, status: http.StatusBadRequest},
	{err: oauth.ErrNoEmail, code: codeOAuthNotAvailableEmail},
	{err: user.ErrOAuthNoEmail, code: codeOAuthNotAvailableEmail},
	{err: user.ErrOAuthUserAlreadyExists, code: codeOAuthUserAlreadyExists},
	{err: user.ErrLastSignInMethod, code: codeOAuthLastSignInMethod},
	{err: errBadCurrentPassword, code: codeUpdateUserBadCurrentPassword},
	{err: user.ErrBadTicket, code: codeLogin2FABadTicket},
	{err: user.ErrBadPassword, code: codeTwoFactorBadPass},
	{err: user.ErrTOTPAlreadyEnabled, code: codeTOTPAlreadyEnabled},
	{err: user.ErrTOTPNotPending, code: codeTOTPNotPending},
	{err: user.ErrTOTPNotEnabled, code: codeTOTPNotEnabled},
	{err: user.ErrTwoFactorNotEnabled, code: codeTwoFactorNotEnabled},
	{err: errTwoFactorRequired, status: http.StatusForbidden, code: codeTwoFactorRequired},
	{err: user.ErrPasskeyRefused, code: codeLoginPasskeyFailed},
	{err: user.ErrTooManyPasskeys, code: codeRegisterPasskeyLimit},
}

// invalidPasswordCodes name a password-policy refusal per route; any other
// route is an update.
var invalidPasswordCodes = map[operation]string{
	opRegister: codeRegisterInvalidPassword,
	opReset:    codeResetPasswordInvalidPassword,
}

func (an answer) problem() *wire.Problem {
	switch {
	case an.code != "" && an.status != 0:
		return &wire.Problem{Status: an.status, Detail: an.code}
	case an.code != "":
		return wire.Code(an.code)
	}
	return wire.NewProblem(an.status)
}

// problemFor maps any error to the contract's answer: the one place where
// errors become HTTP. Errors that carry data, or that must be logged, come
// first; then the tables; anything unexpected is a 500 with a generic
// detail, logged with its text but never shown.
func (a *UsersAuth[U]) problemFor(r *http.Request, op operation, err error) *wire.Problem {
	if p, ok := errors.AsType[*wire.Problem](err); ok {
		return p
	}
	if p := a.typedProblem(r, op, err); p != nil {
		return p
	}
	for _, an := range byOperation[op] {
		if errors.Is(err, an.err) {
			return an.problem()
		}
	}
	for _, an := range answers {
		if errors.Is(err, an.err) {
			return an.problem()
		}
	}
	a.log.LogAttrs(hookContext(r), slog.LevelError, "request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	return wire.NewProblem(http.StatusInternalServerError)
}

// typedProblem answers the errors that carry data or a log line, or
// returns nil.
func (a *UsersAuth[U]) typedProblem(r *http.Request, op operation, err error) *wire.Problem {
	ctx := hookContext(r) // so that the log line says where the request came from
	if reuse, ok := errors.AsType[*backend.RefreshReuseError](err); ok {
		// A security event: a spent refresh token came back, so it was
		// copied; its family is revoked (OWASP Logging Cheat Sheet).
		a.log.LogAttrs(ctx, slog.LevelWarn, "refresh token reused; its family is revoked",
			slog.String("user_id", reuse.UserID.String()), slog.String("family_id", reuse.FamilyID.String()))
		return wire.NewProblem(http.StatusUnauthorized)
	}
	if errors.Is(err, user.ErrSessionsNotEnded) {
		// The change is written but some sessions may live on: the client
		// must not read success. The Manager logged which user.
		a.log.LogAttrs(ctx, slog.LevelError, "request failed: sessions not ended",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return wire.NewProblem(http.StatusInternalServerError)
	}
	if pw, ok := errors.AsType[*user.InvalidPasswordError](err); ok {
		code, ok := invalidPasswordCodes[op]
		if !ok {
			code = codeUpdateUserInvalidPassword
		}
		return &wire.Problem{Status: http.StatusBadRequest, Detail: wire.CodeReason{Code: code, Reason: pw.Reason}}
	}
	if bad, ok := errors.AsType[*user.InvalidPasskeyNameError](err); ok {
		return wire.Unprocessable(wire.ValidationError{Type: "value_error", Loc: []any{"body", "name"}, Msg: "Value error, " + bad.Reason})
	}
	if rej, ok := errors.AsType[*user.RejectedError](err); ok {
		return wire.Code(rej.Code)
	}
	if bad, ok := errors.AsType[*user.InvalidEmailError](err); ok && !errors.Is(err, user.ErrOAuthNoEmail) {
		return wire.Unprocessable(wire.InvalidEmail(nil, bad.Reason))
	}
	if pe, ok := errors.AsType[*oauth.ProviderError](err); ok && pe.Code != "" && !errors.Is(err, errProviderFailed) {
		// The provider refused and said why (access_denied when the user
		// declined, invalid_grant for a code used twice): its code is the
		// detail, as in FastAPI Users, when it is one (RFC 6749 section
		// 4.1.2.1 limits the characters).
		if !oauthflow.ValidScope(pe.Code) || len(pe.Code) > 64 {
			return wire.NewProblem(http.StatusBadRequest)
		}
		return wire.Code(pe.Code)
	}
	if sr, ok := errors.AsType[*secondStepRequired](err); ok {
		return &wire.Problem{Status: http.StatusBadRequest, Detail: sr.step}
	}
	if te, ok := errors.AsType[*throttledError](err); ok {
		return tooManyRequests(te.retryAfter)
	}
	if errors.Is(err, errBackgroundFull) {
		return wire.Busy(http.StatusServiceUnavailable, backgroundRetry)
	}
	switch {
	case errors.Is(err, errProviderFailed):
		a.log.LogAttrs(ctx, slog.LevelError, "identity provider failed",
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return wire.NewProblem(http.StatusBadGateway)
	case errors.Is(err, auth.ErrBusy):
		// The hashing pool is saturated: tell the client when to come back
		// rather than queueing without bound (OWASP Denial of Service Cheat
		// Sheet).
		retry := time.Second
		if busy, ok := errors.AsType[*auth.BusyError](err); ok && busy.RetryAfter > retry {
			retry = busy.RetryAfter
		}
		return wire.Busy(http.StatusServiceUnavailable, retry)
	case unavailable(err):
		// A store, Redis or the throttle's store is down or overloaded:
		// the client may come back (OWASP Error Handling Cheat Sheet). The
		// cause is the operator's to read, never the client's.
		a.log.LogAttrs(ctx, slog.LevelError, "request failed: a dependency is unavailable",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return wire.Busy(http.StatusServiceUnavailable, unavailableRetry)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away or the host's deadline passed; nobody reads
		// this answer, but it must not look like our failure.
		return wire.Busy(http.StatusServiceUnavailable, time.Second)
	}
	return nil
}

// unavailableRetry is the Retry-After of a 503 for a dependency down.
const unavailableRetry = 5 * time.Second

// unavailable reports whether err says a dependency cannot serve now: a
// store (user.ErrUnavailable, and any store's lost or refused connection),
// a token strategy (backend.ErrUnavailable), the throttle's store. A
// cancelled request is not one: nobody reads its answer.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, user.ErrUnavailable) || errors.Is(err, backend.ErrUnavailable) ||
		errors.Is(err, throttle.ErrUnavailable) || errors.Is(err, errThrottleUnavailable) {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// writeError answers err in the contract's format.
func (a *UsersAuth[U]) writeError(w http.ResponseWriter, r *http.Request, op operation, err error) {
	wire.WriteProblem(w, a.problemFor(r, op, err))
}
