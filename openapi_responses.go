package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/openapi"
)

// errorExample is what the document says of one detail a route answers:
// a summary, and the detail itself when it is not the bare code (a code
// with a reason, the second step's ticket).
type errorExample struct {
	summary string
	detail  any // nil: the code itself
}

// Details that are not a contract code: a reason phrase, or the form
// reader's answer to a body it cannot parse.
const (
	detailBadRequest = "Bad Request"
	detailBadForm    = "There was an error parsing the body"
)

// passwordReason is the reason of the examples of a password-policy
// refusal: the default policy's.
const passwordReason = "Password should be at least 8 characters"

// errorExamples describe every detail the routes' 400s (and the 403 of
// RequireTwoFactor) answer. A route's description names the details it
// answers; TestOpenAPIErrorCodes checks that each has an entry here and
// that every code of the error tables is in the document of a
// configuration that answers it.
var errorExamples = map[string]errorExample{
	codeRegisterUserAlreadyExists:    {summary: "A user with this e-mail already exists."},
	codeRegisterInvalidPassword:      {summary: "The password policy refused the password.", detail: map[string]string{"code": codeRegisterInvalidPassword, "reason": passwordReason}},
	codeLoginBadCredentials:          {summary: "Unknown e-mail, wrong password or inactive user: the same answer for all three."},
	codeLoginUserNotVerified:         {summary: "The password is right but the user has not verified the e-mail, which Options.RequireVerification requires."},
	codeUpdateUserEmailAlreadyExists: {summary: "Another user has this e-mail."},
	codeUpdateUserInvalidPassword:    {summary: "The password policy refused the new password.", detail: map[string]string{"code": codeUpdateUserInvalidPassword, "reason": passwordReason}},
	codeUpdateUserBadCurrentPassword: {summary: "current_password is not the user's password (Options.RequireCurrentPassword); it counts as a failed login."},
	codeResetPasswordBadToken:        {summary: "The token is malformed, expired, already used, or its user is unknown or inactive."},
	codeResetPasswordInvalidPassword: {summary: "The password policy refused the new password.", detail: map[string]string{"code": codeResetPasswordInvalidPassword, "reason": passwordReason}},
	codeVerifyUserBadToken:           {summary: "The token is malformed or expired, its user is unknown, or the e-mail changed since it was issued."},
	codeVerifyUserAlreadyVerified:    {summary: "The user is verified already."},

	codeOAuthNotAvailableEmail:    {summary: "The provider gave no usable e-mail address (or, for a first sign-in, one it did not verify)."},
	codeOAuthUserAlreadyExists:    {summary: "A user with the provider's e-mail exists and the account is not linked to it."},
	codeOAuthInvalidState:         {summary: "The state does not match this browser's CSRF cookie, or was used already."},
	codeAccessTokenDecodeError:    {summary: "The state is missing or is not one of ours."},
	codeAccessTokenAlreadyExpired: {summary: "The state expired: the sign-in took longer than an hour."},
	codeOAuthLastSignInMethod:     {summary: "The provider is the user's last way to sign in: set a password first."},
	codeAccessDeniedExample:       {summary: "The provider's own error code, here because the user declined (RFC 6749 section 4.1.2.1)."},

	codeLogin2FARequired: {summary: "The password is right and the user has a second factor: complete the sign-in at POST /auth/{backend}/login/2fa with the ticket.",
		detail: map[string]any{"code": codeLogin2FARequired, "ticket": "<opaque ticket>", "methods": []string{"totp", "recovery_code"}}},
	codeLogin2FABadCode:       {summary: "The code is wrong, malformed or used already; the ticket survives a few tries."},
	codeLogin2FABadTicket:     {summary: "The ticket is unknown, expired, used, or out of tries: sign in again."},
	codeTwoFactorBadPass:      {summary: "The password is wrong; it counts as a failed login."},
	codeTwoFactorBadCode:      {summary: "The code from the authenticator app is wrong."},
	codeTOTPAlreadyEnabled:    {summary: "The user has an authenticator app already: remove it first."},
	codeTOTPNotPending:        {summary: "No enrolment is pending: start with POST /users/me/2fa/totp."},
	codeTOTPNotEnabled:        {summary: "The user has no authenticator app."},
	codeTwoFactorNotEnabled:   {summary: "The user has no second factor."},
	codeLoginPasskeyFailed:    {summary: "The passkey was refused: unknown, of another user, a bad signature, a replayed challenge, or an inactive user."},
	codeRegisterPasskeyFailed: {summary: "The browser's answer does not register: a wrong origin or relying party, a replayed or expired challenge."},
	codeRegisterPasskeyLimit:  {summary: "The user has the most passkeys allowed (user.MaxPasskeys): delete one first."},
	codeTwoFactorRequired:     {summary: "Options.RequireTwoFactor names this user, who must enrol a second factor first (POST /users/me/2fa/totp)."},

	detailBadRequest:    {summary: "The request is refused without a code of its own."},
	detailBadForm:       {summary: "The form body cannot be parsed."},
	codeTooManyRequests: {summary: "Throttled: the limit of this route was reached."},

	"Unauthorized":             {summary: "No token, a token that is not valid, or an inactive user."},
	"Forbidden":                {summary: "The user may not do this."},
	"Not Found":                {summary: "Not found."},
	"Request Entity Too Large": {summary: "The body is too large."},
	"Service Unavailable":      {summary: "A dependency cannot serve now."},
	"Bad Gateway":              {summary: "The identity provider failed."},
}

// codeAccessDeniedExample stands for the provider's error codes, which a
// callback answers as they come.
const codeAccessDeniedExample = "access_denied"

// examplesOf are the ErrorModel examples of details.
func examplesOf(details []string) openapi.Map[*openapi.Example] {
	var m openapi.Map[*openapi.Example]
	for _, code := range details {
		ex, ok := errorExamples[code]
		if !ok {
			ex = errorExample{summary: code}
		}
		detail := ex.detail
		if detail == nil {
			detail = code
		}
		m.Set(code, &openapi.Example{Summary: ex.summary, Value: map[string]any{"detail": detail}})
	}
	return m
}

// errorContent is an ErrorModel body with the examples of details.
func (d *apiDoc) errorContent(details ...string) openapi.Map[*openapi.MediaType] {
	var c openapi.Map[*openapi.MediaType]
	c.Set("application/json", &openapi.MediaType{Schema: d.errorModel(), Examples: examplesOf(details)})
	return c
}

// badRequest is the 400 of a route answering details.
func (d *apiDoc) badRequest(details ...string) apiResponse {
	return apiResponse{http.StatusBadRequest, &openapi.Response{Description: "Bad Request", Content: d.errorContent(details...)}}
}

// unauthorized is the 401 of a route that needs a user.
func (d *apiDoc) unauthorized() apiResponse {
	return apiResponse{http.StatusUnauthorized, d.sharedResponse("Unauthorized", func() *openapi.Response {
		return &openapi.Response{Description: "No valid token, or the user is inactive.", Content: d.errorContent("Unauthorized")}
	})}
}

// why403 is what a route's 403 may mean.
type why403 struct {
	superuser bool // the route is a superuser's
	verified  bool // Options.RequireVerification
	crossSite bool // a cookie backend's state change, under the CSRF check
	twoFactor bool // Options.RequireTwoFactor applies to the route
}

// forbidden is the 403 of a route for the reasons w holds, or false when
// it never answers 403.
func (d *apiDoc) forbidden(w why403) (apiResponse, bool) {
	var reasons []string
	if w.superuser {
		reasons = append(reasons, "the user is not a superuser")
	}
	if w.verified {
		reasons = append(reasons, "the user is not verified (Options.RequireVerification)")
	}
	if w.crossSite {
		reasons = append(reasons, "the cookie came with a cross-origin request (CSRF protection)")
	}
	details := []string{}
	if len(reasons) > 0 {
		details = append(details, "Forbidden")
	}
	if w.twoFactor {
		details = append(details, codeTwoFactorRequired)
	}
	if len(details) == 0 {
		return apiResponse{}, false
	}
	desc := "Forbidden"
	if len(reasons) > 0 {
		desc = "Forbidden: " + joinOr(reasons) + "."
	}
	content := d.errorContent(details...)
	if len(reasons) > 0 {
		ex, _ := content[0].Value.Examples.Get("Forbidden")
		ex.Summary = capitalize(joinOr(reasons)) + "."
	}
	return apiResponse{http.StatusForbidden, &openapi.Response{Description: desc, Content: content}}, true
}

// notFound is a route's 404.
func (d *apiDoc) notFound(what string) apiResponse {
	return apiResponse{http.StatusNotFound, &openapi.Response{Description: what, Content: d.errorContent("Not Found")}}
}

// tooLarge is the 413 of a route that reads a body.
func (d *apiDoc) tooLarge() apiResponse {
	return apiResponse{http.StatusRequestEntityTooLarge, d.sharedResponse("RequestEntityTooLarge", func() *openapi.Response {
		return &openapi.Response{Description: "The body is larger than 64 KiB (MaxBodyBytes).", Content: d.errorContent("Request Entity Too Large")}
	})}
}

// unprocessable is the 422 of a route that validates its input.
func (d *apiDoc) unprocessable() apiResponse {
	var c openapi.Map[*openapi.MediaType]
	c.Set("application/json", &openapi.MediaType{Schema: d.validationError()})
	return apiResponse{http.StatusUnprocessableEntity, &openapi.Response{Description: "Validation Error", Content: c}}
}

// retryAfter is the Retry-After header of 429 and 503 answers.
func retryAfter() openapi.Map[*openapi.Header] {
	var h openapi.Map[*openapi.Header]
	h.Set("Retry-After", &openapi.Header{Description: "Whole seconds to wait before trying again, at least 1.", Required: true, Schema: openapi.Integer()})
	return h
}

// tooManyRequests is the 429 of a throttled route.
func (d *apiDoc) tooManyRequests() apiResponse {
	return apiResponse{http.StatusTooManyRequests, d.sharedResponse("TooManyRequests", func() *openapi.Response {
		return &openapi.Response{
			Description: "Throttled (Options.Limits): nothing was done; come back after Retry-After.",
			Headers:     retryAfter(),
			Content:     d.errorContent(codeTooManyRequests),
		}
	})}
}

// unavailable is the 503 of every route: a store, Redis or the hashing
// pool cannot serve now.
func (d *apiDoc) unavailable() apiResponse {
	return apiResponse{http.StatusServiceUnavailable, d.sharedResponse("ServiceUnavailable", func() *openapi.Response {
		return &openapi.Response{
			Description: "A store, the token store or the password hashing pool cannot serve now; come back after Retry-After.",
			Headers:     retryAfter(),
			Content:     d.errorContent("Service Unavailable"),
		}
	})}
}

// jsonResponse is a JSON answer of schema s.
func jsonResponse(status int, description string, s *openapi.Schema) apiResponse {
	var c openapi.Map[*openapi.MediaType]
	c.Set("application/json", &openapi.MediaType{Schema: s})
	return apiResponse{status, &openapi.Response{Description: description, Content: c}}
}

// nullResponse is the contract's empty JSON answer: the four bytes null.
func nullResponse(status int, description string) apiResponse {
	return jsonResponse(status, description, &openapi.Schema{Type: "null"})
}

// noContent is a 204 without a body.
func noContent(description string) apiResponse {
	return apiResponse{http.StatusNoContent, &openapi.Response{Description: description}}
}

// joinOr joins phrases as "a, b or c".
func joinOr(phrases []string) string {
	switch len(phrases) {
	case 0:
		return ""
	case 1:
		return phrases[0]
	}
	out := phrases[0]
	for _, p := range phrases[1 : len(phrases)-1] {
		out += ", " + p
	}
	return out + " or " + phrases[len(phrases)-1]
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
