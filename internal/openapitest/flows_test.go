package openapitest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

var (
	jsonHeader = http.Header{"Content-Type": {"application/json"}}
	formHeader = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
)

func form(fields ...string) []byte {
	v := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	return []byte(v.Encode())
}

// decode reads a JSON object answer.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return m
}

func bearerHeader(t *testing.T, loginBody []byte) http.Header {
	t.Helper()
	return http.Header{"Authorization": {"Bearer " + decode(t, loginBody)["access_token"].(string)}}
}

func withJSON(h http.Header) http.Header {
	c := h.Clone()
	c.Set("Content-Type", "application/json")
	return c
}

// cookieHeader is the Cookie header of a cookie login's answer.
func cookieHeader(t *testing.T, ex exchange) http.Header {
	t.Helper()
	for _, c := range (&http.Response{Header: ex.header}).Cookies() {
		if c.Name == "fastapiusersauth" {
			return http.Header{"Cookie": {c.Name + "=" + c.Value}}
		}
	}
	t.Fatalf("no session cookie in %v", ex.header)
	return nil
}

// tokens receives what the mail hooks were handed.
type tokens struct{ reset, verify chan string }

func (tk tokens) wait(t *testing.T, c chan string) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the hook was not called")
		return ""
	}
}

// TestFlowsValidate runs the main flows over the real routes, one request
// after another as a client makes them, and checks each request and its
// answer against the document (openapi3filter, every answer's status
// required to be listed): registration, both logins and their failures,
// the current user, changes, verification, password reset, refresh
// tokens, logout and logout-all, a superuser's management, two-factor
// enrolment and login, the OAuth authorize route and throttling.
func TestFlowsValidate(t *testing.T) {
	store := memory.New[*user.User]()
	clk := strategytest.NewClock(time.Now()) // settable, for TOTP codes that work once per step
	tk := tokens{reset: make(chan string, 1), verify: make(chan string, 1)}
	ua := newUsersAuth(t, store, func(o *usersauth.Options[*user.User]) {
		o.Backends[0].Refresh = refresh()
		o.TwoFactor = &usersauth.TwoFactor{Issuer: "Camelot"}
		o.Now = clk.Now
		o.Limits = &usersauth.Limits{ForgotPassword: throttle.Rule{Limit: 2, Window: time.Hour}}
		o.Hooks = user.Hooks[*user.User]{
			AfterForgotPassword: func(_ context.Context, _ *user.User, token string) error { tk.reset <- token; return nil },
			AfterRequestVerify:  func(_ context.Context, _ *user.User, token string) error { tk.verify <- token; return nil },
		}
		o.OAuth = []usersauth.OAuthProvider{{
			Provider: oauth.GitHub("id", "secret"), Backend: "jwt", RedirectURL: "https://api.camelot.bt/auth/github/callback",
			AllowedRedirectOrigins: []string{"https://app.camelot.bt"},
		}}
	})
	doc := load(t, ua.OpenAPI())
	c := newChecker(t, doc, mount(ua))
	ctx := context.Background()

	// Registration and login.
	arthur := decode(t, c.do("POST", "/auth/register", jsonHeader, []byte(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`), 201).body)["id"].(string)
	c.do("POST", "/auth/register", jsonHeader, []byte(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`), 400)
	c.do("POST", "/auth/register", jsonHeader, []byte(`{"email":"king.arthur@camelot.bt","password":"short"}`), 400)
	c.do("POST", "/auth/register", jsonHeader, []byte(`{"email":"not an address","password":"guinevere"}`), 422)
	c.invalid("POST", "/auth/register", jsonHeader, []byte(`{"email":"lancelot@camelot.bt"}`))
	c.invalid("POST", "/auth/register", jsonHeader, []byte(`{"email":`))
	login := c.do("POST", "/auth/jwt/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "guinevere"), 200)
	if decode(t, login.body)["refresh_token"] == nil {
		t.Fatalf("no refresh token: %s", login.body)
	}
	bearer := bearerHeader(t, login.body)
	c.do("POST", "/auth/jwt/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "excalibur"), 400)
	c.invalid("POST", "/auth/jwt/login", jsonHeader, []byte(`{"username":"king.arthur@camelot.bt","password":"guinevere"}`))
	c.invalid("POST", "/auth/jwt/login", formHeader, form("username", "king.arthur@camelot.bt"))
	c.do("POST", "/auth/jwt/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "guinevere", "grant_type", "password"), 200)
	cookie := cookieHeader(t, c.do("POST", "/auth/cookie/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "guinevere"), 204))

	// The current user.
	c.do("GET", "/users/me", bearer, nil, 200)
	c.do("GET", "/users/me", cookie, nil, 200)
	c.do("GET", "/users/me", nil, nil, 401)
	c.do("PATCH", "/users/me", withJSON(bearer), []byte(`{}`), 200)
	c.do("PATCH", "/users/me", withJSON(bearer), []byte(`{"password":"short"}`), 400)
	c.do("PATCH", "/users/me", withJSON(bearer), []byte(`{"is_superuser":true,"password":null}`), 200)
	c.do("PATCH", "/users/me", withJSON(bearer), []byte(`{"email":"arthur@camelot.bt"}`), 200)
	c.do("PATCH", "/users/me", jsonHeader, []byte(`{}`), 401)
	crossSite := withJSON(cookie)
	crossSite.Set("Sec-Fetch-Site", "cross-site")
	c.do("PATCH", "/users/me", crossSite, []byte(`{}`), 403)

	// Verification and reset.
	c.do("POST", "/auth/request-verify-token", jsonHeader, []byte(`{"email":"arthur@camelot.bt"}`), 202)
	verifyToken := tk.wait(t, tk.verify)
	c.do("POST", "/auth/verify", jsonHeader, []byte(`{"token":"`+verifyToken+`"}`), 200)
	c.do("POST", "/auth/verify", jsonHeader, []byte(`{"token":"`+verifyToken+`"}`), 400)
	c.invalid("POST", "/auth/verify", jsonHeader, []byte(`{}`))

	// Refresh tokens: form and JSON.
	refreshToken := decode(t, login.body)["refresh_token"].(string)
	next := c.do("POST", "/auth/jwt/refresh", formHeader, form("grant_type", "refresh_token", "refresh_token", refreshToken), 200)
	c.do("POST", "/auth/jwt/refresh", jsonHeader, []byte(`{"refresh_token":"`+decode(t, next.body)["refresh_token"].(string)+`"}`), 200)
	c.do("POST", "/auth/jwt/refresh", formHeader, form("refresh_token", "not-a-token"), 401)
	c.invalid("POST", "/auth/jwt/refresh", formHeader, nil)

	// A superuser.
	lancelot := decode(t, c.do("POST", "/auth/register", jsonHeader, []byte(`{"email":"lancelot@camelot.bt","password":"guinevere"}`), 201).body)["id"].(string)
	if _, err := store.Update(ctx, uuid.MustParse(lancelot), func(u *user.User) error { u.IsSuperuser = true; return nil }); err != nil {
		t.Fatal(err)
	}
	super := bearerHeader(t, c.do("POST", "/auth/jwt/login", formHeader, form("username", "lancelot@camelot.bt", "password", "guinevere"), 200).body)
	c.do("GET", "/users/"+arthur, super, nil, 200)
	c.do("GET", "/users/"+uuid.NewString(), super, nil, 404)
	c.do("GET", "/users/not-a-uuid", super, nil, 404)
	c.do("GET", "/users/"+lancelot, bearer, nil, 403)
	c.do("PATCH", "/users/"+arthur, withJSON(super), []byte(`{"is_verified":true,"email":"king.arthur@camelot.bt"}`), 200)
	c.do("PATCH", "/users/"+arthur, withJSON(super), []byte(`{"email":"lancelot@camelot.bt"}`), 400)
	c.invalid("PATCH", "/users/"+arthur, withJSON(super), []byte(`{"is_active":null}`))

	// Two-factor login.
	c.do("POST", "/auth/register", jsonHeader, []byte(`{"email":"percival@camelot.bt","password":"guinevere"}`), 201)
	percival := bearerHeader(t, c.do("POST", "/auth/jwt/login", formHeader, form("username", "percival@camelot.bt", "password", "guinevere"), 200).body)
	c.do("GET", "/users/me/2fa", percival, nil, 200)
	enrol := decode(t, c.do("POST", "/users/me/2fa/totp", withJSON(percival), []byte(`{"password":"guinevere"}`), 200).body)
	c.do("POST", "/users/me/2fa/totp", withJSON(percival), []byte(`{"password":"excalibur"}`), 400)
	code := func() string {
		clk.Advance(totp.Period)
		s, err := totp.Code(enrol["secret"].(string), clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	c.do("POST", "/users/me/2fa/totp/confirm", withJSON(percival), []byte(`{"code":"000000x"}`), 400)
	c.do("POST", "/users/me/2fa/totp/confirm", withJSON(percival), []byte(`{"code":"`+code()+`"}`), 200)
	second := c.do("POST", "/auth/jwt/login", formHeader, form("username", "percival@camelot.bt", "password", "guinevere"), 400)
	ticket := decode(t, second.body)["detail"].(map[string]any)["ticket"].(string)
	c.do("POST", "/auth/jwt/login/2fa", jsonHeader, []byte(`{"ticket":"`+ticket+`","code":"000000"}`), 400)
	percival = bearerHeader(t, c.do("POST", "/auth/jwt/login/2fa", formHeader, form("ticket", ticket, "code", code()), 200).body)
	c.do("POST", "/users/me/2fa/recovery-codes", withJSON(percival), []byte(`{"password":"guinevere"}`), 200)
	c.do("DELETE", "/users/me/2fa/totp", withJSON(percival), []byte(`{"password":"guinevere"}`), 204)
	c.do("DELETE", "/users/me/2fa/totp", withJSON(percival), []byte(`{"password":"guinevere"}`), 400)
	c.do("DELETE", "/users/"+arthur+"/2fa", super, nil, 204)

	// OAuth: the authorize route (the callback needs a provider).
	c.do("GET", "/auth/github/authorize?scopes=read:user&scopes=user:email&redirect_to="+url.QueryEscape("https://app.camelot.bt/signed-in"), nil, nil, 200)
	c.do("GET", "/auth/github/authorize?redirect_to="+url.QueryEscape("https://evil.example/"), nil, nil, 422)
	c.do("GET", "/auth/github/callback?state=x", nil, nil, 400)

	// Reset, which ends every session, and the end of sessions.
	c.do("POST", "/auth/forgot-password", jsonHeader, []byte(`{"email":"king.arthur@camelot.bt"}`), 202)
	resetToken := tk.wait(t, tk.reset)
	c.do("POST", "/auth/reset-password", jsonHeader, []byte(`{"token":"`+resetToken+`","password":"excalibur"}`), 200)
	c.do("POST", "/auth/reset-password", jsonHeader, []byte(`{"token":"`+resetToken+`","password":"excalibur"}`), 400)
	c.do("POST", "/auth/forgot-password", jsonHeader, []byte(`{"email":"nobody@camelot.bt"}`), 202)
	c.do("POST", "/auth/forgot-password", jsonHeader, []byte(`{"email":"nobody@camelot.bt"}`), 429)
	bearer = bearerHeader(t, c.do("POST", "/auth/jwt/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "excalibur"), 200).body)
	cookie = cookieHeader(t, c.do("POST", "/auth/cookie/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "excalibur"), 204))
	c.do("POST", "/auth/cookie/logout", cookie, nil, 204)
	c.do("POST", "/auth/jwt/logout", bearer, nil, 204)
	c.do("POST", "/auth/jwt/logout-all", percival, nil, 204)
	c.do("POST", "/auth/jwt/logout", nil, nil, 401)
	c.do("DELETE", "/users/"+arthur, super, nil, 204)
	c.do("DELETE", "/users/"+arthur, super, nil, 404)
}
