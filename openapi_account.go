package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/openapi"
	"github.com/usersauth/usersauth/throttle"
)

// The descriptions of registerRoutes, resetRoutes and verifyRoutes.

// throttled appends the 429 of a route limited by rule, when the rule is
// on.
func (d *apiDoc) throttled(responses []apiResponse, rules ...throttle.Rule) []apiResponse {
	for _, r := range rules {
		if !r.Unlimited() {
			return append(responses, d.tooManyRequests())
		}
	}
	return responses
}

// bodyAnswers are the answers of a route that reads a body: responses, then
// the 413 and 422 of the body, the 429 of rules when one is on, and the 503
// of every route.
func (d *apiDoc) bodyAnswers(responses []apiResponse, rules ...throttle.Rule) []apiResponse {
	responses = append(responses, d.tooLarge(), d.unprocessable())
	return append(d.throttled(responses, rules...), d.unavailable())
}

func (a *UsersAuth[U]) describeRegister(d *apiDoc, prefix string) {
	d.add(http.MethodPost, prefix+"/register", &apiOp{
		name: "register:register",
		description: "Creates an active, unverified user. The password is checked before the e-mail's uniqueness. " +
			"is_active, is_superuser, is_verified and id are ignored.",
		body: jsonBody(a.userCreate(d)),
		responses: d.bodyAnswers([]apiResponse{
			jsonResponse(http.StatusCreated, "The new user.", a.userRead(d)),
			d.badRequest(codeRegisterUserAlreadyExists, codeRegisterInvalidPassword),
		}, a.limiter.limits.Register),
	})
}

// emailFields are the body {email} of forgot-password and
// request-verify-token.
func emailFields() *openapi.Schema { return object([]string{"email"}, prop("email", email())) }

func (a *UsersAuth[U]) describeReset(d *apiDoc, prefix string) {
	limits := a.limiter.limits
	d.add(http.MethodPost, prefix+"/forgot-password", &apiOp{
		name: "reset:forgot_password",
		description: "Answers 202 null whatever the e-mail (unknown and inactive users alike), and hands a reset token " +
			"to the AfterForgotPassword hook off the request path.",
		fields: emailFields(),
		responses: d.bodyAnswers([]apiResponse{
			nullResponse(http.StatusAccepted, "Accepted, whatever the e-mail."),
		}, limits.ForgotPassword),
	})
	d.add(http.MethodPost, prefix+"/reset-password", &apiOp{
		name:        "reset:reset_password",
		description: "Sets a new password with the token the AfterForgotPassword hook received; every session of the user ends.",
		fields:      object([]string{"token", "password"}, prop("token", openapi.String()), prop("password", openapi.String())),
		responses: d.bodyAnswers([]apiResponse{
			nullResponse(http.StatusOK, "The password is changed."),
			d.badRequest(codeResetPasswordBadToken, codeResetPasswordInvalidPassword),
		}, limits.ResetPassword),
	})
}

func (a *UsersAuth[U]) describeVerify(d *apiDoc, prefix string) {
	limits := a.limiter.limits
	d.add(http.MethodPost, prefix+"/request-verify-token", &apiOp{
		name: "verify:request-token",
		description: "Answers 202 null whatever the e-mail (unknown, inactive and verified users alike), and hands a " +
			"verification token to the AfterRequestVerify hook off the request path.",
		fields: emailFields(),
		responses: d.bodyAnswers([]apiResponse{
			nullResponse(http.StatusAccepted, "Accepted, whatever the e-mail."),
		}, limits.RequestVerify),
	})
	d.add(http.MethodPost, prefix+"/verify", &apiOp{
		name:        "verify:verify",
		description: "Marks the user of the token verified.",
		fields:      object([]string{"token"}, prop("token", openapi.String())),
		responses: d.bodyAnswers([]apiResponse{
			jsonResponse(http.StatusOK, "The verified user.", a.userRead(d)),
			d.badRequest(codeVerifyUserBadToken, codeVerifyUserAlreadyVerified),
		}, limits.Verify),
	})
}
