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

func (a *UsersAuth[U]) describeRegister(d *apiDoc, prefix string) {
	responses := []apiResponse{
		jsonResponse(http.StatusCreated, "The new user.", a.userRead(d)),
		d.badRequest(codeRegisterUserAlreadyExists, codeRegisterInvalidPassword),
		d.tooLarge(),
		d.unprocessable(),
	}
	responses = d.throttled(responses, a.limiter.limits.Register)
	d.add(http.MethodPost, prefix+"/register", &apiOp{
		name: "register:register",
		description: "Creates an active, unverified user. The password is checked before the e-mail's uniqueness. " +
			"is_active, is_superuser, is_verified and id are ignored.",
		body:      jsonBody(a.userCreate(d)),
		responses: append(responses, d.unavailable()),
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
		responses: append(d.throttled([]apiResponse{
			nullResponse(http.StatusAccepted, "Accepted, whatever the e-mail."),
			d.tooLarge(),
			d.unprocessable(),
		}, limits.ForgotPassword), d.unavailable()),
	})
	d.add(http.MethodPost, prefix+"/reset-password", &apiOp{
		name:        "reset:reset_password",
		description: "Sets a new password with the token the AfterForgotPassword hook received; every session of the user ends.",
		fields:      object([]string{"token", "password"}, prop("token", openapi.String()), prop("password", openapi.String())),
		responses: append(d.throttled([]apiResponse{
			nullResponse(http.StatusOK, "The password is changed."),
			d.badRequest(codeResetPasswordBadToken, codeResetPasswordInvalidPassword),
			d.tooLarge(),
			d.unprocessable(),
		}, limits.ResetPassword), d.unavailable()),
	})
}

func (a *UsersAuth[U]) describeVerify(d *apiDoc, prefix string) {
	limits := a.limiter.limits
	d.add(http.MethodPost, prefix+"/request-verify-token", &apiOp{
		name: "verify:request-token",
		description: "Answers 202 null whatever the e-mail (unknown, inactive and verified users alike), and hands a " +
			"verification token to the AfterRequestVerify hook off the request path.",
		fields: emailFields(),
		responses: append(d.throttled([]apiResponse{
			nullResponse(http.StatusAccepted, "Accepted, whatever the e-mail."),
			d.tooLarge(),
			d.unprocessable(),
		}, limits.RequestVerify), d.unavailable()),
	})
	d.add(http.MethodPost, prefix+"/verify", &apiOp{
		name:        "verify:verify",
		description: "Marks the user of the token verified.",
		fields:      object([]string{"token"}, prop("token", openapi.String())),
		responses: append(d.throttled([]apiResponse{
			jsonResponse(http.StatusOK, "The verified user.", a.userRead(d)),
			d.badRequest(codeVerifyUserBadToken, codeVerifyUserAlreadyVerified),
			d.tooLarge(),
			d.unprocessable(),
		}, limits.Verify), d.unavailable()),
	})
}
