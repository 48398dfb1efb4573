package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/openapi"
)

// The descriptions of passkeyLoginRoutes and passkeyUsersRoutes.

// publicKeyOptions is the WebAuthn options object a route answers, as
// navigator.credentials.create or .get takes it (its members are the
// WebAuthn specification's, base64url where it has binary).
func publicKeyOptions(description string) *openapi.Schema {
	return &openapi.Schema{Type: "object", Description: description, AdditionalProperties: &openapi.Schema{}}
}

// credentialSchema is a PublicKeyCredential as the browser gives it, in
// JSON (its toJSON(): id, rawId, type, response, ...).
func credentialSchema() *openapi.Schema {
	return &openapi.Schema{Type: "object", Description: "The PublicKeyCredential the browser answered, as its toJSON() gives it.", AdditionalProperties: &openapi.Schema{}}
}

// describePasskeyLogin describes POST {prefix}/passkey/begin and /finish of
// m.
func (a *UsersAuth[U]) describePasskeyLogin(d *apiDoc, prefix string, m *mounted, name string) {
	if a.passkeys == nil {
		return
	}
	limits := a.limiter.limits
	var csrf []apiResponse
	if r, ok := d.forbidden(why403{crossSite: a.csrf != nil && m.Transport.CookieBased()}); ok {
		csrf = []apiResponse{r}
	}
	begin := append([]apiResponse{
		jsonResponse(http.StatusOK, "The ticket and the options of navigator.credentials.get.", d.schema("PasskeyLoginOptions", func() *openapi.Schema {
			return object([]string{"ticket", "publicKey"},
				prop("ticket", described(openapi.String(), "Sent back with the credential, to /passkey/finish or, for a second step, to /login/2fa.")),
				prop("publicKey", publicKeyOptions("PublicKeyCredentialRequestOptions.")))
		})),
		d.badRequest(codeLogin2FABadTicket),
	}, csrf...)
	d.add(http.MethodPost, prefix+"/passkey/begin", &apiOp{
		name: name + "passkey_begin",
		description: "Without a ticket (no body, or {}), a passwordless sign-in with a discoverable credential; with the " +
			"ticket of a LOGIN_2FA_REQUIRED answer, a passkey as the second step, the options naming the user's passkeys.",
		fields:       object(nil, prop("ticket", described(openapi.String(), "The ticket of a LOGIN_2FA_REQUIRED answer."))),
		fieldsIn:     jsonIn,
		optionalBody: true,
		responses:    d.bodyAnswers(begin, limits.PasskeyBegin),
	})
	finish := append([]apiResponse{a.loginSuccess(d, m), d.badRequest(codeLoginPasskeyFailed)}, csrf...)
	d.add(http.MethodPost, prefix+"/passkey/finish", &apiOp{
		name:        name + "passkey_finish",
		description: "Completes a passwordless sign-in: the answer is this backend's login answer. Anything wrong is LOGIN_PASSKEY_FAILED.",
		fields:      object([]string{"ticket", "credential"}, prop("ticket", openapi.String()), prop("credential", credentialSchema())),
		responses:   d.bodyAnswers(finish, limits.LoginPerAccount, limits.LoginPerAddress),
	})
}

// describePasskeyUsers describes the signed-in user's passkey routes.
func (a *UsersAuth[U]) describePasskeyUsers(d *apiDoc, prefix string) {
	if a.passkeys == nil {
		return
	}
	mine := func(method string, ok apiResponse, more ...apiResponse) []apiResponse {
		return a.userAnswers(d, method, false, true, []apiResponse{ok}, more...)
	}
	passkey := func(required []string) *openapi.Schema {
		s := object(required,
			prop("id", uuidString()),
			prop("name", openapi.String()),
			prop("created_at", &openapi.Schema{Type: "string", Format: "date-time"}))
		return s
	}
	d.add(http.MethodPost, prefix+"/me/passkeys/begin", &apiOp{
		name:         "users:begin_passkey_registration",
		description:  "The options of navigator.credentials.create for a new passkey of the signed-in user. The body is optional and ignored.",
		user:         true,
		fields:       object(nil),
		fieldsIn:     jsonIn,
		optionalBody: true,
		responses: mine(http.MethodPost, jsonResponse(http.StatusOK, "The creation options.", object([]string{"publicKey"},
			prop("publicKey", publicKeyOptions("PublicKeyCredentialCreationOptions.")))), d.tooLarge(), d.unprocessable()),
	})
	d.add(http.MethodPost, prefix+"/me/passkeys/finish", &apiOp{
		name:        "users:finish_passkey_registration",
		description: "Registers the passkey the browser created; the user's other sessions end.",
		user:        true,
		fields: object([]string{"credential"}, prop("credential", credentialSchema()),
			prop("name", described(openapi.Nullable(openapi.String()), "A name the user recognises it by."))),
		responses: mine(http.MethodPost, jsonResponse(http.StatusCreated, "The new passkey.", d.schema("PasskeyRead", func() *openapi.Schema {
			return passkey([]string{"id", "name", "created_at"})
		})), d.badRequest(codeRegisterPasskeyFailed, codeRegisterPasskeyLimit), d.tooLarge(), d.unprocessable()),
	})
	d.add(http.MethodGet, prefix+"/me/passkeys", &apiOp{
		name: "users:passkeys",
		user: true,
		responses: mine(http.MethodGet, jsonResponse(http.StatusOK, "The user's passkeys, oldest first.", &openapi.Schema{
			Type: "array", Items: d.schema("PasskeyListed", func() *openapi.Schema {
				s := passkey([]string{"id", "name", "created_at", "last_used_at"})
				s.Properties.Set("last_used_at", described(openapi.Nullable(&openapi.Schema{Type: "string", Format: "date-time"}), "Null until its first sign-in."))
				return s
			}),
		})),
	})
	d.add(http.MethodDelete, prefix+"/me/passkeys/{id}", &apiOp{
		name:        "users:delete_passkey",
		description: "Deletes one of the user's passkeys; the user's other sessions end.",
		user:        true,
		responses:   mine(http.MethodDelete, noContent("Deleted."), d.notFound("No passkey of the user has this id.")),
	})
}
