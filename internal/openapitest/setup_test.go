package openapitest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/webauthn"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

var secret = apptest.Secret

// config is one configuration of the library the document is tested in.
type config struct {
	name      string
	configure func(*usersauth.Options[*user.User])
}

func refresh() *backend.RefreshConfig {
	return &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 2 * time.Hour}
}

// relyingParty is a WebAuthn relying party for localhost.
func relyingParty() passkey.RelyingParty {
	rp, err := webauthn.New(webauthn.Config{RPID: "localhost", RPName: "Camelot", Origins: []string{"http://localhost:8000"}})
	if err != nil {
		panic(err) // a fixed, valid configuration
	}
	return rp
}

// everything turns on every option that adds routes or answers.
func everything(o *usersauth.Options[*user.User]) {
	o.Limits = nil
	for i := range o.Backends {
		o.Backends[i].Refresh = refresh()
	}
	o.TwoFactor = &usersauth.TwoFactor{Issuer: "Camelot"}
	o.Passkeys = relyingParty()
	o.RequireTwoFactor = func(u *user.User) bool { return u.IsSuperuser }
	o.RequireVerification = true
	o.RequireCurrentPassword = true
	o.IncludeOAuthAccounts = true
	o.OAuth = []usersauth.OAuthProvider{
		{Provider: oauth.GitHub("id", "secret"), Backend: "jwt", RedirectURL: "https://api.camelot.bt/auth/github/callback",
			AssociateRedirectURL: "https://api.camelot.bt/auth/associate/github/callback", AllowedRedirectOrigins: []string{"https://app.camelot.bt"}},
		{Provider: oauth.Google("id", "secret"), Backend: "cookie", RedirectURL: "https://api.camelot.bt/auth/google/callback"},
	}
}

var configs = []config{
	{"one bearer backend", func(o *usersauth.Options[*user.User]) { o.Backends = o.Backends[:1] }},
	{"bearer and cookie", nil},
	{"throttling on", func(o *usersauth.Options[*user.User]) { o.Limits = nil }},
	{"refresh tokens", func(o *usersauth.Options[*user.User]) {
		o.Backends[0].Refresh = refresh()
		o.Backends[1].Refresh = refresh()
	}},
	{"two-factor login", func(o *usersauth.Options[*user.User]) { o.TwoFactor = &usersauth.TwoFactor{Issuer: "Camelot"} }},
	{"passkeys without TOTP", func(o *usersauth.Options[*user.User]) { o.Passkeys = relyingParty() }},
	{"without CSRF protection", func(o *usersauth.Options[*user.User]) { o.DisableCSRFProtection = true }},
	{"everything", everything},
	{"everything under a prefix", func(o *usersauth.Options[*user.User]) { everything(o); o.PathPrefix = "/api" }},
}

// backends are the two backends of the FastAPI Users reference app.
func backends() []backend.Backend {
	return []backend.Backend{
		{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: 3600}), Strategy: backend.JWT(secret, time.Hour)},
	}
}

// newUsersAuth builds a UsersAuth over a memory store with the reference
// app's backends, throttling off unless configure turns it on.
func newUsersAuth[U user.Model](t testing.TB, store *memory.Store[U], configure func(*usersauth.Options[U])) *usersauth.UsersAuth[U] {
	t.Helper()
	opts := usersauth.Options[U]{
		Store:    store,
		Secret:   secret,
		Backends: backends(),
		Hasher:   apptest.NewFastHasher(t, apptest.FastArgon2),
		Limits:   &usersauth.Limits{},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if configure != nil {
		configure(&opts)
	}
	ua, err := usersauth.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ua
}

// load parses a document with kin-openapi and validates it: as OpenAPI
// 3.1 (JSON Schema 2020-12) when it says 3.1, with its examples checked
// against their schemas.
func load(t testing.TB, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation(), openapi3.EnableSchemaPatternValidation()); err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
	return doc
}

// checker validates requests and their answers against a document.
type checker struct {
	t      *testing.T
	router routers.Router
	h      http.Handler
}

func newChecker(t *testing.T, doc *openapi3.T, h http.Handler) *checker {
	t.Helper()
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &checker{t: t, router: r, h: h}
}

// exchange is one request and its answer.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// do serves a request to the handler, then validates the request and the
// answer against the document: the route must be in it, the request's
// parameters and body must fit it (but for a 422, whose request is refused
// by a rule the schema may not state, such as an e-mail's syntax), and the
// answer's status must be one it lists (IncludeResponseStatus), with
// headers and a body of its schema.
func (c *checker) do(method, path string, header http.Header, body []byte, want int) exchange {
	c.t.Helper()
	return c.check(method, path, header, body, want, want != http.StatusUnprocessableEntity)
}

// invalid is do for a request the route answers 422 and the document
// refuses too: the document states the rule the route applies.
func (c *checker) invalid(method, path string, header http.Header, body []byte) exchange {
	c.t.Helper()
	ex := c.check(method, path, header, body, http.StatusUnprocessableEntity, false)
	if err := openapi3filter.ValidateRequest(context.Background(), c.input(method, path, header, body)); err == nil {
		c.t.Errorf("%s %s %s: the route refuses it but the document accepts it", method, path, body)
	}
	return ex
}

func (c *checker) request(method, path string, header http.Header, body []byte) *http.Request {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	return r
}

// input is the validation input of a request: its route in the document,
// which it must have.
func (c *checker) input(method, path string, header http.Header, body []byte) *openapi3filter.RequestValidationInput {
	c.t.Helper()
	req := c.request(method, path, header, body)
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s: not in the document: %v", method, path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
}

func (c *checker) check(method, path string, header http.Header, body []byte, want int, checkRequest bool) exchange {
	c.t.Helper()
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, c.request(method, path, header, body))
	ex := exchange{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if ex.status != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, ex.status, ex.body, want)
	}
	in := c.input(method, path, header, body)
	ctx := context.Background()
	if checkRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			c.t.Errorf("%s %s: the request does not fit the document: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: ex.status, Header: ex.header, Options: in.Options}
	out.SetBodyBytes(ex.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		c.t.Errorf("%s %s: the answer %d %s does not fit the document: %v", method, path, ex.status, ex.body, err)
	}
	return ex
}
