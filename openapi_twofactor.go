package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/openapi"
)

// The descriptions of twoFactorUsersRoutes (the login's second step is
// described with the backend's routes, in openapi_auth.go).

func (a *UsersAuth[U]) describeTwoFactorUsers(d *apiDoc, prefix string) {
	if a.twoFactor == nil && a.passkeys == nil {
		return
	}
	limits := a.limiter.limits
	recoveryCodes := d.schema("RecoveryCodes", func() *openapi.Schema {
		return object([]string{"recovery_codes"}, prop("recovery_codes", &openapi.Schema{
			Type: "array", Items: openapi.String(),
			Description: "Ten single-use codes, each standing in for one TOTP code: shown once.",
		}))
	})
	password := func() *openapi.Schema {
		return object([]string{"password"}, prop("password", described(openapi.String(), "The user's password, which a wrong one counts as a failed login of.")))
	}
	// enrol is the answers of an enrolment route: it reads a body, and the
	// users RequireTwoFactor names may call it.
	enrol := func(method string, ok apiResponse, codes []string, throttled bool) []apiResponse {
		r := append([]apiResponse{ok, d.badRequest(codes...), d.unauthorized()}, a.userForbidden(d, method, false, true)...)
		if !throttled {
			return d.bodyAnswers(r)
		}
		return d.bodyAnswers(r, limits.LoginPerAccount, limits.LoginPerAddress)
	}

	d.add(http.MethodGet, prefix+"/me/2fa", &apiOp{
		name: "users:two_factor_status",
		user: true,
		responses: a.userAnswers(d, http.MethodGet, false, true, []apiResponse{
			jsonResponse(http.StatusOK, "The user's second factors.", d.schema("TwoFactorStatus", func() *openapi.Schema {
				return object([]string{"totp", "recovery_codes_left", "passkeys"},
					prop("totp", described(openapi.Boolean(), "Whether an authenticator app is on.")),
					prop("recovery_codes_left", described(openapi.Integer(), "Recovery codes not used yet.")),
					prop("passkeys", described(openapi.Integer(), "Passkeys registered.")))
			})),
		}),
	})
	d.add(http.MethodDelete, prefix+"/{id}/2fa", &apiOp{
		name:        "users:remove_two_factor",
		description: "A superuser removes every second factor of a user who lost them, and ends the user's sessions; 204 also when there was none.",
		user:        true,
		responses: a.userAnswers(d, http.MethodDelete, true, false, []apiResponse{noContent("The user has no second factor now.")},
			d.notFound("The user does not exist.")),
	})
	if a.twoFactor == nil {
		return
	}
	d.add(http.MethodPost, prefix+"/me/2fa/totp", &apiOp{
		name:        "users:begin_totp",
		description: "Starts enrolling an authenticator app (RFC 6238: SHA-1, 6 digits, 30 s): the secret stays pending until confirmed.",
		user:        true,
		fields:      password(),
		responses: enrol(http.MethodPost, jsonResponse(http.StatusOK, "The new secret, for the app or as a QR code of otpauth_url: shown once.",
			d.schema("TOTPEnrolment", func() *openapi.Schema {
				return object([]string{"secret", "otpauth_url"},
					prop("secret", described(openapi.String(), "The shared secret, in base32.")),
					prop("otpauth_url", &openapi.Schema{Type: "string", Format: "uri", Description: "The otpauth:// URL apps read from a QR code."}))
			})), []string{codeTwoFactorBadPass, codeTOTPAlreadyEnabled}, true),
	})
	d.add(http.MethodPost, prefix+"/me/2fa/totp/confirm", &apiOp{
		name:        "users:confirm_totp",
		description: "Turns the pending authenticator app on with its first code, and answers the recovery codes. The user's other sessions end.",
		user:        true,
		fields:      object([]string{"code"}, prop("code", described(openapi.String(), "The app's current code."))),
		responses: enrol(http.MethodPost, jsonResponse(http.StatusOK, "The authenticator app is on.", recoveryCodes),
			[]string{codeTwoFactorBadCode, codeTOTPNotPending, codeTOTPAlreadyEnabled}, false),
	})
	d.add(http.MethodDelete, prefix+"/me/2fa/totp", &apiOp{
		name:        "users:remove_totp",
		description: "Turns the authenticator app off, with the recovery codes it backs up. The user's other sessions end.",
		user:        true,
		fields:      password(),
		responses:   enrol(http.MethodDelete, noContent("The authenticator app is off."), []string{codeTwoFactorBadPass, codeTOTPNotEnabled}, true),
	})
	d.add(http.MethodPost, prefix+"/me/2fa/recovery-codes", &apiOp{
		name:        "users:regenerate_recovery_codes",
		description: "A new set of recovery codes; the old set stops working.",
		user:        true,
		fields:      password(),
		responses: enrol(http.MethodPost, jsonResponse(http.StatusOK, "The new recovery codes.", recoveryCodes),
			[]string{codeTwoFactorBadPass, codeTwoFactorNotEnabled}, true),
	})
}
