package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/openapi"
)

// The descriptions of oauth_routes.go's routes: each provider's sign-in
// and association routes, and the users router's unlink route.

func (a *UsersAuth[U]) describeAllOAuth(d *apiDoc, auth string) {
	if a.oauth == nil {
		return
	}
	for _, p := range a.oauth.providers {
		a.describeOAuth(d, auth+"/"+p.name(), p)
		if p.flow.AssociateRedirectURL() != "" {
			a.describeAssociate(d, auth+"/associate/"+p.name(), p)
		}
	}
}

// authorizeParams are the query of both authorize routes.
func authorizeParams(p *oauthProvider) []*openapi.Parameter {
	params := []*openapi.Parameter{{
		Name: "scopes", In: "query",
		Description: "The scopes to ask the provider for, repeated (?scopes=a&scopes=b); absent: the provider's defaults.",
		Schema:      &openapi.Schema{Type: "array", Items: openapi.String(), MaxItems: new(32)},
	}}
	if p.flow.RedirectsAllowed() {
		params = append(params, &openapi.Parameter{
			Name: "redirect_to", In: "query",
			Description: "Where the callback sends the browser back to (303), on an origin of AllowedRedirectOrigins.",
			Schema:      &openapi.Schema{Type: "string", Format: "uri"},
		})
	}
	return params
}

// callbackParams are the query of both callbacks, as the provider sends it
// (RFC 6749 section 4.1.2, RFC 9207's iss), and the CSRF cookie the
// authorize route set.
func callbackParams(p *oauthProvider) []*openapi.Parameter {
	var params []*openapi.Parameter
	for _, q := range []struct{ name, desc string }{
		{"code", "The authorization code."},
		{"state", "The state of the authorize route's URL."},
		{"error", "The provider's error code, instead of a code."},
		{"error_description", ""},
		{"error_uri", ""},
		{"iss", "The provider's issuer (RFC 9207), checked when sent."},
	} {
		params = append(params, &openapi.Parameter{Name: q.name, In: "query", Description: q.desc, Schema: openapi.String()})
	}
	return append(params, &openapi.Parameter{
		Name: p.flow.CSRFCookieName(), In: "cookie",
		Description: "The CSRF cookie the authorize route set, which the state must match; the browser sends it.",
		Schema:      openapi.String(),
	})
}

// authorizeSuccess is the answer of both authorize routes.
func (a *UsersAuth[U]) authorizeSuccess(d *apiDoc, p *oauthProvider) apiResponse {
	r := jsonResponse(http.StatusOK, "The URL to send the browser to.", d.schema("OAuth2AuthorizeResponse", func() *openapi.Schema {
		return object([]string{"authorization_url"}, prop("authorization_url", &openapi.Schema{Type: "string", Format: "uri"}))
	}))
	r.r.Headers.Set("Set-Cookie", &openapi.Header{
		Description: "The CSRF cookie " + p.flow.CSRFCookieName() + " the state is bound to (HttpOnly, Secure, SameSite=Lax, an hour).",
		Required:    true, Schema: openapi.String(),
	})
	return r
}

// redirected is the 303 of a callback whose state carries a redirect_to.
func redirected(p *oauthProvider, what string) []apiResponse {
	if !p.flow.RedirectsAllowed() {
		return nil
	}
	var h openapi.Map[*openapi.Header]
	h.Set("Location", &openapi.Header{Description: "The redirect_to of the authorize route.", Required: true, Schema: &openapi.Schema{Type: "string", Format: "uri"}})
	return []apiResponse{{http.StatusSeeOther, &openapi.Response{Description: what, Headers: h}}}
}

// callbackFailures are the details of a callback's 400, the codes of the
// state and of the provider first.
func callbackFailures(more ...string) []string {
	return append([]string{detailBadRequest, codeAccessTokenDecodeError, codeAccessTokenAlreadyExpired, codeOAuthInvalidState,
		codeOAuthNotAvailableEmail, codeAccessDeniedExample}, more...)
}

// providerFailed is the 502 of a provider that did not answer as the
// protocol says.
func (d *apiDoc) providerFailed() apiResponse {
	return apiResponse{http.StatusBadGateway, &openapi.Response{
		Description: "The provider could not be reached, or answered what the protocol does not allow.",
		Content:     d.errorContent("Bad Gateway"),
	}}
}

func (a *UsersAuth[U]) describeOAuth(d *apiDoc, prefix string, p *oauthProvider) {
	name := "oauth:" + p.name() + "." + p.backend.Name + "."
	d.add(http.MethodGet, prefix+"/authorize", &apiOp{
		name:        name + "authorize",
		description: "The provider's authorization URL for a sign-in, and the CSRF cookie its state is bound to.",
		params:      authorizeParams(p),
		responses:   []apiResponse{a.authorizeSuccess(d, p), d.unprocessable()},
	})
	failures := callbackFailures(codeOAuthUserAlreadyExists, codeLoginBadCredentials)
	if a.manager.RequiresVerification() {
		failures = append(failures, codeLoginUserNotVerified)
	}
	if a.twoFactor != nil {
		failures = append(failures, codeLogin2FARequired)
	}
	responses := append([]apiResponse{a.loginSuccess(d, p.backend)},
		redirected(p, "To redirect_to, with the session: the backend's cookies, or the tokens in the fragment "+
			"(#access_token=...&token_type=bearer); a failure as ?error=<detail>.")...)
	responses = append(responses, d.badRequest(failures...))
	responses = d.throttled(responses, a.limiter.limits.OAuthCallback)
	d.add(http.MethodGet, prefix+"/callback", &apiOp{
		name: name + "callback",
		description: "Where the provider sends the browser back: signs the user in, creating the user on a first sign-in, " +
			"and answers as the login of backend " + p.backend.Name + ".",
		params:    callbackParams(p),
		responses: append(responses, d.providerFailed(), d.unavailable()),
	})
}

func (a *UsersAuth[U]) describeAssociate(d *apiDoc, prefix string, p *oauthProvider) {
	name := "oauth-associate:" + p.name() + "."
	d.add(http.MethodGet, prefix+"/authorize", &apiOp{
		name:        name + "authorize",
		description: "The provider's authorization URL for linking an account to the signed-in user.",
		user:        true,
		params:      authorizeParams(p),
		responses:   a.userAnswers(d, http.MethodGet, false, false, []apiResponse{a.authorizeSuccess(d, p)}, d.unprocessable()),
	})
	responses := append([]apiResponse{jsonResponse(http.StatusOK, "The user, with the account linked.", a.userRead(d))},
		redirected(p, "To redirect_to, the account linked; a failure as ?error=<detail>.")...)
	responses = append(responses, d.badRequest(callbackFailures(codeOAuthUserAlreadyExists)...), d.unauthorized())
	responses = append(responses, a.userForbidden(d, http.MethodGet, false, false)...)
	responses = d.throttled(responses, a.limiter.limits.OAuthCallback)
	d.add(http.MethodGet, prefix+"/callback", &apiOp{
		name: name + "callback",
		description: "Where the provider sends the browser back: links the account to the signed-in user, who must be " +
			"the one the state was made for (Bad Request otherwise).",
		user:      true,
		params:    callbackParams(p),
		responses: append(responses, d.providerFailed(), d.unavailable()),
	})
}

// describeOAuthUsers describes the users router's unlink route.
func (a *UsersAuth[U]) describeOAuthUsers(d *apiDoc, prefix string) {
	if a.oauth == nil || len(a.oauth.providers) == 0 {
		return
	}
	d.add(http.MethodDelete, prefix+"/me/oauth/{provider}", &apiOp{
		name:        "users:unlink_oauth",
		description: "Unlinks the signed-in user's accounts at the provider.",
		user:        true,
		responses: a.userAnswers(d, http.MethodDelete, false, false,
			[]apiResponse{noContent("Unlinked."), d.badRequest(codeOAuthLastSignInMethod)},
			d.notFound("The user has no account at this provider.")),
	})
}
