package usersauth

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/openapi"
)

// The descriptions of authRoutes (and twoFactorLoginRoutes), and the
// security schemes of the backends.

// describeSecurity gives each backend's transport its security scheme,
// under FastAPI's names: OAuth2PasswordBearer for a bearer transport (the
// password flow, with the transport's TokenURL), APIKeyCookie for a cookie
// transport. Backends whose schemes are the same share one; a second one of
// a kind is named after its backend. A transport of the host's own has no
// scheme: the document cannot know how it carries tokens.
func (a *UsersAuth[U]) describeSecurity(d *apiDoc) {
	seen := map[string]string{} // scheme JSON -> name
	for _, m := range a.backends {
		base, s := securityScheme(m, a.prefix)
		if s == nil {
			continue
		}
		// The same credential in the same place is one scheme, whichever
		// backend's login sets it.
		bare := *s
		bare.Description = ""
		key, _ := json.Marshal(bare)
		name, ok := seen[string(key)]
		if !ok {
			name = base
			if _, taken := d.components.SecuritySchemes.Get(name); taken {
				name = base + "_" + m.Name
			}
			seen[string(key)] = name
			d.components.SecuritySchemes.Set(name, s)
			d.security = append(d.security, map[string][]string{name: {}})
		}
	}
}

// securityScheme is the scheme of m's transport and the name FastAPI gives
// it, or nil for a transport of the host's own; prefix is
// Options.PathPrefix.
func securityScheme(m *mounted, prefix string) (string, *openapi.SecurityScheme) {
	login := "POST " + prefix + "/auth/" + m.Name + "/login"
	switch t := m.Transport.(type) {
	case *backend.BearerTransport:
		flow := &openapi.OAuthFlow{TokenURL: t.TokenURL, Scopes: map[string]string{}}
		if m.refresher != nil {
			// Relative to the API root, like the tokenUrl FastAPI Users
			// publishes.
			flow.RefreshURL = strings.TrimPrefix(m.refresher.Path(), "/")
		}
		return "OAuth2PasswordBearer", &openapi.SecurityScheme{
			Type:        "oauth2",
			Description: "Authorization: Bearer <access_token>, the token of " + login + ".",
			Flows:       &openapi.OAuthFlows{Password: flow},
		}
	case *backend.CookieTransport:
		name := t.Options().Name
		return "APIKeyCookie", &openapi.SecurityScheme{
			Type:        "apiKey",
			Description: "The " + name + " cookie that " + login + " sets.",
			In:          "cookie",
			Name:        name,
		}
	}
	return "", nil
}

// csrfChecked reports whether a cookie-carried session's state changes
// meet the cross-origin check: some backend is cookie-based and the check
// is on.
func (a *UsersAuth[U]) csrfChecked() bool {
	if a.csrf == nil {
		return false
	}
	for _, m := range a.backends {
		if m.Transport.CookieBased() {
			return true
		}
	}
	return false
}

// userForbidden is the 403 of a route that needs a user: an unverified one
// where verification is required, a cross-origin state change with the
// cookie, and a user RequireTwoFactor names but for the routes that let
// them enrol.
func (a *UsersAuth[U]) userForbidden(d *apiDoc, method string, superuser, enrolling bool) []apiResponse {
	r, ok := d.forbidden(why403{
		superuser: superuser,
		verified:  a.manager.RequiresVerification(),
		crossSite: method != http.MethodGet && a.csrfChecked(),
		twoFactor: a.requireTwoFactor != nil && !enrolling,
	})
	if !ok {
		return nil
	}
	return []apiResponse{r}
}

// userAnswers are the answers of a route that needs a user: its own, the
// 401, the 403 of userForbidden, then more and the 503 of every route.
func (a *UsersAuth[U]) userAnswers(d *apiDoc, method string, superuser, enrolling bool, own []apiResponse, more ...apiResponse) []apiResponse {
	r := append(append(own, d.unauthorized()), a.userForbidden(d, method, superuser, enrolling)...)
	return append(append(r, more...), d.unavailable())
}

// loginSuccess is m's answer to a sign-in, the one every way in gives: a
// bearer token (and a refresh token) in JSON, or the cookies.
func (a *UsersAuth[U]) loginSuccess(d *apiDoc, m *mounted) apiResponse {
	switch t := m.Transport.(type) {
	case *backend.BearerTransport:
		return jsonResponse(http.StatusOK, "Signed in: the access token.", d.bearerResponse(m.refresher != nil))
	case *backend.CookieTransport:
		o := t.Options()
		desc := "The session cookie: " + cookieLine(o, "<token>", o.MaxAge) + "."
		if m.refresher != nil {
			desc += " And the refresh cookie " + o.RefreshName + " (HttpOnly, SameSite=Strict), for " + m.refresher.Path() + " only."
		}
		var h openapi.Map[*openapi.Header]
		h.Set("Set-Cookie", &openapi.Header{Description: desc, Required: true, Schema: openapi.String()})
		return apiResponse{http.StatusNoContent, &openapi.Response{Description: "Signed in: the session is in the cookie.", Headers: h}}
	}
	if m.Transport.CookieBased() {
		return noContent("Signed in: the transport's answer.")
	}
	return jsonResponse(http.StatusOK, "Signed in: the transport's answer.", &openapi.Schema{})
}

// cookieLine is the Set-Cookie value of the transport's session cookie,
// as the options make it.
func cookieLine(o backend.CookieOptions, value string, maxAge int) string {
	return (&http.Cookie{
		Name: o.Name, Value: value, Path: o.Path, Domain: o.Domain, MaxAge: maxAge,
		Secure: !o.Insecure, HttpOnly: !o.ScriptAccessible, SameSite: o.SameSite,
	}).String()
}

// logoutSuccess is m's answer to a logout.
func logoutSuccess(m *mounted) apiResponse {
	if t, ok := m.Transport.(*backend.CookieTransport); ok {
		var h openapi.Map[*openapi.Header]
		h.Set("Set-Cookie", &openapi.Header{
			Description: "The session cookie cleared: " + cookieLine(t.Options(), "", -1) + " (and the refresh cookie, with refresh tokens).",
			Required:    true, Schema: openapi.String(),
		})
		return apiResponse{http.StatusNoContent, &openapi.Response{Description: "Signed out.", Headers: h}}
	}
	return noContent("Signed out.")
}

// loginFields are the OAuth2 password form (RFC 6749 section 4.3.2), as
// FastAPI's OAuth2PasswordRequestForm declares it.
func loginFields() *openapi.Schema {
	return object([]string{"username", "password"},
		prop("grant_type", &openapi.Schema{Type: "string", Pattern: "^password$", Description: "Absent, or password."}),
		prop("username", described(openapi.String(), "The e-mail, as registered (compared case-insensitively).")),
		prop("password", openapi.String()),
		prop("scope", &openapi.Schema{Type: "string", Default: "", Description: "Ignored."}),
		prop("client_id", described(openapi.String(), "Ignored.")),
		prop("client_secret", described(openapi.String(), "Ignored.")))
}

func (a *UsersAuth[U]) describeAuth(d *apiDoc, prefix string, m *mounted) {
	limits := a.limiter.limits
	cookieCSRF := a.csrf != nil && m.Transport.CookieBased()
	name := "auth:" + m.Name + "."

	login := []string{codeLoginBadCredentials}
	if a.manager.RequiresVerification() {
		login = append(login, codeLoginUserNotVerified)
	}
	if a.twoFactor != nil || a.passkeys != nil {
		login = append(login, codeLogin2FARequired)
	}
	responses := []apiResponse{a.loginSuccess(d, m), d.badRequest(append(login, detailBadForm)...)}
	if r, ok := d.forbidden(why403{crossSite: cookieCSRF}); ok {
		responses = append(responses, r)
	}
	d.add(http.MethodPost, prefix+"/login", &apiOp{
		name: name + "login",
		description: "The OAuth2 password form with the e-mail as username. The answers to an unknown e-mail, a wrong " +
			"password and an inactive user are the same.",
		fields:    loginFields(),
		fieldsIn:  formIn,
		responses: d.bodyAnswers(responses, limits.LoginPerAccount, limits.LoginPerAddress),
	})

	logout := &apiOp{
		name:        name + "logout",
		description: "Ends the session of the token, which may come through any backend; this backend answers.",
		user:        true,
		responses:   a.userAnswers(d, http.MethodPost, false, true, []apiResponse{logoutSuccess(m)}),
	}
	if m.refresher != nil && !m.Transport.CookieBased() {
		logout.description += " A refresh_token in the body ends its family too."
		logout.fields = object(nil, prop("refresh_token", openapi.String()))
		logout.fieldsIn = formOrJSONIn
		logout.optionalBody = true
	}
	d.add(http.MethodPost, prefix+"/logout", logout)

	d.add(http.MethodPost, prefix+"/logout-all", &apiOp{
		name: name + "logout_all",
		description: "Ends every session of the user, on every device and backend, then answers as logout. JWTs of a " +
			"strategy that is not revocable live until they expire.",
		user:      true,
		responses: a.userAnswers(d, http.MethodPost, false, true, []apiResponse{logoutSuccess(m)}),
	})

	if m.refresher != nil {
		a.describeRefresh(d, prefix, m, name)
	}
	if a.twoFactor != nil || a.passkeys != nil {
		a.describeSecondStep(d, prefix, m, name)
	}
	a.describePasskeyLogin(d, prefix, m, name)
}

// describeRefresh describes POST {prefix}/refresh of m.
func (a *UsersAuth[U]) describeRefresh(d *apiDoc, prefix string, m *mounted, name string) {
	op := &apiOp{
		name: name + "refresh",
		description: "Exchanges a refresh token for a new access token and a new refresh token, answered as a login. " +
			"Each refresh token works once; one presented again ends its family.",
	}
	refused := apiResponse{http.StatusUnauthorized, &openapi.Response{
		Description: "The refresh token is unknown, expired, revoked or spent, or its user may no longer sign in.",
		Content:     d.errorContent("Unauthorized"),
	}}
	if t, ok := m.Transport.(*backend.CookieTransport); ok {
		op.params = []*openapi.Parameter{{
			Name: t.Options().RefreshName, In: "cookie",
			Description: "The refresh cookie login set; the browser sends it on its own.",
			Schema:      openapi.String(),
		}}
	} else {
		op.fields = object([]string{"refresh_token"},
			prop("grant_type", &openapi.Schema{Type: "string", Pattern: "^refresh_token$", Description: "Absent, or refresh_token (RFC 6749 section 6)."}),
			prop("refresh_token", openapi.String()))
		op.fieldsIn = formOrJSONIn
	}
	op.responses = []apiResponse{a.loginSuccess(d, m), refused}
	if r, ok := d.forbidden(why403{verified: a.manager.RequiresVerification(), crossSite: a.csrf != nil && m.Transport.CookieBased()}); ok {
		op.responses = append(op.responses, r)
	}
	if op.fields != nil {
		op.responses = append(op.responses, d.tooLarge(), d.unprocessable())
	}
	op.responses = append(op.responses, d.unavailable())
	d.add(http.MethodPost, prefix+"/refresh", op)
}

// describeSecondStep describes POST {prefix}/login/2fa of m.
func (a *UsersAuth[U]) describeSecondStep(d *apiDoc, prefix string, m *mounted, name string) {
	limits := a.limiter.limits
	codes := []string{codeLogin2FABadCode, codeLogin2FABadTicket, detailBadForm}
	fields := object([]string{"ticket", "code"},
		prop("ticket", described(openapi.String(), "The ticket of the LOGIN_2FA_REQUIRED answer.")),
		prop("code", described(openapi.String(), "A TOTP code (6 digits) or a recovery code.")))
	if a.passkeys != nil {
		codes = append(codes, codeLoginPasskeyFailed)
		fields.Required = []string{"ticket"}
		fields.Properties.Set("credential", described(credentialSchema(),
			"Instead of code, in JSON: the passkey's answer to the options of POST /auth/{backend}/passkey/begin {ticket}."))
	}
	responses := []apiResponse{a.loginSuccess(d, m), d.badRequest(codes...)}
	if r, ok := d.forbidden(why403{crossSite: a.csrf != nil && m.Transport.CookieBased()}); ok {
		responses = append(responses, r)
	}
	d.add(http.MethodPost, prefix+"/login/2fa", &apiOp{
		name: name + "login_2fa",
		description: "Completes a sign-in answered LOGIN_2FA_REQUIRED: the ticket and a code of the authenticator app, " +
			"a recovery code or a passkey's credential. The answer is this backend's login answer.",
		fields:    fields,
		fieldsIn:  formOrJSONIn,
		responses: d.bodyAnswers(responses, limits.LoginPerAccount, limits.LoginPerAddress),
	})
}
