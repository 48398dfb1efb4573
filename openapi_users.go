package usersauth

import (
	"net/http"
)

// The descriptions of usersRoutes (its two-factor and OAuth routes are
// described with their concern, in openapi_twofactor.go and
// openapi_oauth.go).

func (a *UsersAuth[U]) describeUsers(d *apiDoc, prefix string) {
	userRead := a.userRead(d)
	me := func(method string, enrolling bool, ok apiResponse, more ...apiResponse) []apiResponse {
		return a.userAnswers(d, method, false, enrolling, []apiResponse{ok}, more...)
	}
	admin := func(method string, ok apiResponse, more ...apiResponse) []apiResponse {
		return a.userAnswers(d, method, true, false, []apiResponse{ok}, append([]apiResponse{d.notFound("The user does not exist.")}, more...)...)
	}

	d.add(http.MethodGet, prefix+"/me", &apiOp{
		name:      "users:current_user",
		user:      true,
		responses: me(http.MethodGet, true, jsonResponse(http.StatusOK, "The signed-in user.", userRead)),
	})

	update := []string{codeUpdateUserEmailAlreadyExists, codeUpdateUserInvalidPassword}
	patchMe := &apiOp{
		name: "users:patch_current_user",
		description: "Changes the signed-in user's e-mail, password or the host's own fields; is_active, is_superuser, " +
			"is_verified, id and the fields only a superuser sets are ignored. {} changes nothing. A new password " +
			"ends every other session of the user.",
		user: true,
		body: jsonBody(a.userUpdate(d)),
	}
	if a.requireCurrentPassword {
		update = append(update, codeUpdateUserBadCurrentPassword)
		patchMe.description += " A change of e-mail or password must carry current_password."
	}
	more := []apiResponse{d.badRequest(update...), d.tooLarge(), d.unprocessable()}
	if a.requireCurrentPassword {
		more = d.throttled(more, a.limiter.limits.LoginPerAccount, a.limiter.limits.LoginPerAddress)
	}
	patchMe.responses = me(http.MethodPatch, false, jsonResponse(http.StatusOK, "The updated user.", userRead), more...)
	d.add(http.MethodPatch, prefix+"/me", patchMe)

	d.add(http.MethodGet, prefix+"/{id}", &apiOp{
		name:        "users:user",
		description: "A superuser's view of any user. The caller is checked before the lookup, so that others never learn which ids exist.",
		user:        true,
		responses:   admin(http.MethodGet, jsonResponse(http.StatusOK, "The user.", userRead)),
	})
	d.add(http.MethodPatch, prefix+"/{id}", &apiOp{
		name: "users:patch_user",
		description: "A superuser's change of any user, the flags and the superuser-only fields included. Changing the " +
			"password or deactivating the user ends every session of the user.",
		user: true,
		body: jsonBody(a.userUpdate(d)),
		responses: admin(http.MethodPatch, jsonResponse(http.StatusOK, "The updated user.", userRead),
			d.badRequest(codeUpdateUserEmailAlreadyExists, codeUpdateUserInvalidPassword), d.tooLarge(), d.unprocessable()),
	})
	d.add(http.MethodDelete, prefix+"/{id}", &apiOp{
		name:        "users:delete_user",
		description: "A superuser deletes a user; every session of the user ends.",
		user:        true,
		responses:   admin(http.MethodDelete, noContent("Deleted.")),
	})
	a.describeListUsers(d, prefix)
	a.describeSessions(d, prefix)
	a.describeTwoFactorUsers(d, prefix)
	a.describePasskeyUsers(d, prefix)
	a.describeOAuthUsers(d, prefix)
}
