package usersauth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/oauth"
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
)

// operation names the route an error comes from: one domain error maps to
// different codes on different routes (an existing e-mail is
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
)

// problem is an HTTP error answer in the contract's format.
type problem struct {
	status     int
	detail     any           // a string code or reason phrase, a {"code","reason"} object, or a list of validation errors
	retryAfter time.Duration // for 503
}

func (p *problem) Error() string { return http.StatusText(p.status) }

func newProblem(status int) *problem {
	return &problem{status: status, detail: http.StatusText(status)}
}

func codeProblem(code string) *problem { return &problem{status: http.StatusBadRequest, detail: code} }

// codeReason is the detail of a password-policy failure.
type codeReason struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// problemFor maps any error to the contract's answer: the one place where
// errors become HTTP. Anything unexpected is a 500 with a generic detail,
// logged with its text but never shown.
func (a *UsersAuth[U]) problemFor(r *http.Request, op operation, err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	var pw *user.InvalidPasswordError
	var rej *user.RejectedError
	var badEmail *user.InvalidEmailError
	var providerErr *oauth.ProviderError
	var reuse *backend.RefreshReuseError
	switch {
	case errors.Is(err, ErrUnauthorized):
		return newProblem(http.StatusUnauthorized)
	case errors.As(err, &reuse):
		// A security event: a spent refresh token came back, so it was
		// copied; its family is revoked (OWASP Logging Cheat Sheet).
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "refresh token reused; its family is revoked",
			slog.String("user_id", reuse.UserID.String()), slog.String("family_id", reuse.FamilyID.String()))
		return newProblem(http.StatusUnauthorized)
	case errors.Is(err, backend.ErrInvalidRefreshToken):
		return newProblem(http.StatusUnauthorized)
	case errors.Is(err, user.ErrSessionsNotEnded):
		// The change is written but some sessions may live on: the client
		// must not read success. The Manager logged which user.
		a.log.LogAttrs(r.Context(), slog.LevelError, "request failed: sessions not ended",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return newProblem(http.StatusInternalServerError)
	case errors.Is(err, ErrForbidden):
		return newProblem(http.StatusForbidden)
	case errors.As(err, &pw):
		code := codeUpdateUserInvalidPassword
		switch op {
		case opRegister:
			code = codeRegisterInvalidPassword
		case opReset:
			code = codeResetPasswordInvalidPassword
		}
		return &problem{status: http.StatusBadRequest, detail: codeReason{Code: code, Reason: pw.Reason}}
	case errors.As(err, &rej):
		return codeProblem(rej.Code)
	case errors.As(err, &badEmail):
		return unprocessable(validationError{
			Type: "value_error", Loc: []any{"body", "email"},
			Msg: "value is not a valid email address: " + badEmail.Reason, Ctx: map[string]any{"reason": badEmail.Reason},
		})
	case errors.Is(err, user.ErrAlreadyExists) && op == opRegister:
		return codeProblem(codeRegisterUserAlreadyExists)
	case errors.Is(err, user.ErrAlreadyExists) && op == opUpdate:
		return codeProblem(codeUpdateUserEmailAlreadyExists)
	case errors.Is(err, user.ErrInvalidCredentials):
		return codeProblem(codeLoginBadCredentials)
	case errors.Is(err, user.ErrNotVerified):
		return codeProblem(codeLoginUserNotVerified)
	case errors.Is(err, user.ErrBadResetToken):
		return codeProblem(codeResetPasswordBadToken)
	case errors.Is(err, user.ErrBadVerifyToken):
		return codeProblem(codeVerifyUserBadToken)
	case errors.Is(err, user.ErrAlreadyVerified):
		return codeProblem(codeVerifyUserAlreadyVerified)
	case errors.Is(err, user.ErrNotFound):
		return newProblem(http.StatusNotFound)
	case errors.Is(err, errStateUndecodable):
		return codeProblem(codeAccessTokenDecodeError)
	case errors.Is(err, errStateExpired):
		return codeProblem(codeAccessTokenAlreadyExpired)
	case errors.Is(err, errInvalidState):
		return codeProblem(codeOAuthInvalidState)
	case errors.Is(err, errStateOtherUser), errors.Is(err, oauth.ErrMissingCode), errors.Is(err, oauth.ErrIssuerMismatch):
		return newProblem(http.StatusBadRequest)
	case errors.Is(err, oauth.ErrNoEmail), errors.Is(err, user.ErrOAuthNoEmail):
		return codeProblem(codeOAuthNotAvailableEmail)
	case errors.Is(err, user.ErrOAuthUserAlreadyExists):
		return codeProblem(codeOAuthUserAlreadyExists)
	case errors.Is(err, user.ErrLastSignInMethod):
		return codeProblem(codeOAuthLastSignInMethod)
	case errors.As(err, &providerErr) && providerErr.Code != "" && !errors.Is(err, errProviderFailed):
		// The provider refused and said why (access_denied when the user
		// declined, invalid_grant for a code used twice): its code is the
		// detail, as in FastAPI Users, when it is one (RFC 6749 section
		// 4.1.2.1 limits the characters).
		if !validScope(providerErr.Code) || len(providerErr.Code) > 64 {
			return newProblem(http.StatusBadRequest)
		}
		return codeProblem(providerErr.Code)
	case errors.Is(err, errProviderFailed):
		a.log.LogAttrs(r.Context(), slog.LevelError, "identity provider failed",
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		return newProblem(http.StatusBadGateway)
	case errors.Is(err, auth.ErrBusy):
		// The hashing pool is saturated: tell the client when to come back
		// rather than queueing without bound (OWASP Denial of Service Cheat
		// Sheet).
		p := newProblem(http.StatusServiceUnavailable)
		p.retryAfter = time.Second
		var busy *auth.BusyError
		if errors.As(err, &busy) && busy.RetryAfter > p.retryAfter {
			p.retryAfter = busy.RetryAfter
		}
		return p
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away or the host's deadline passed; nobody reads
		// this answer, but it must not look like our failure.
		p := newProblem(http.StatusServiceUnavailable)
		p.retryAfter = time.Second
		return p
	}
	a.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	return newProblem(http.StatusInternalServerError)
}

// writeError answers err in the contract's format.
func (a *UsersAuth[U]) writeError(w http.ResponseWriter, r *http.Request, op operation, err error) {
	writeProblem(w, a.problemFor(r, op, err))
}

func writeProblem(w http.ResponseWriter, p *problem) {
	if p.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(p.retryAfter.Round(time.Second)/time.Second)))
	}
	body, err := json.Marshal(struct {
		Detail any `json:"detail"`
	}{p.detail})
	if err != nil {
		body = []byte(`{"detail":"Internal Server Error"}`)
		p = newProblem(http.StatusInternalServerError)
	}
	writeJSON(w, p.status, body)
}

var jsonContentType = []string{"application/json"}

// writeJSON writes a complete JSON answer. Assigning the shared header slice
// instead of calling Header().Set saves an allocation per response; the
// slice is never modified.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	w.Write(body)
}

// writeNull answers the four bytes null, the contract's empty JSON body.
func writeNull(w http.ResponseWriter, status int) { writeJSON(w, status, []byte("null")) }

// writeNoContent answers 204 with no body and no content type.
func writeNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
