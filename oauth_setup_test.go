package usersauth

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// The OAuth tests run the whole flow over real HTTP on 127.0.0.1: a
// development OpenID Connect provider (authorization, token, JWKS and
// userinfo endpoints) in one httptest server, the application in another,
// and a browser that keeps cookies per host and follows nothing on its own.

const (
	devClientID     = "usersauth-test"
	devClientSecret = "usersauth-test-secret"
	frontend        = "https://app.camelot.bt"
)

// oauthEnv is a development provider and an application using it.
type oauthEnv struct {
	t          testing.TB
	dev        *httptest.Server
	app        *httptest.Server
	ua         *UsersAuth[*user.User]
	opts       Options[*user.User] // what ua was built with
	store      user.Store[*user.User]
	mem        *memory.Store[*user.User] // when the store is the memory one
	hasher     *countingHasher
	clock      *strategytest.Clock
	logs       *lockedWriter
	registered atomic.Int64 // AfterRegister calls
	logins     atomic.Int64 // AfterLogin calls
}

// oauthConfig adjusts an environment before its UsersAuth is built.
type oauthConfig struct {
	opts  *Options[*user.User]
	dev   oauth.Provider // the development provider, discovered, named "dev"
	app   string         // the application's base URL
	store user.Store[*user.User]
	// handler serves the application; nil means ua.Mount on a ServeMux.
	handler func(*UsersAuth[*user.User]) http.Handler
}

// provider returns an OAuthProvider for the development provider under
// name, answered by the backend be, with association.
func (c *oauthConfig) provider(name, be string) OAuthProvider {
	p := c.dev
	p.Name = name
	return OAuthProvider{
		Provider:             p,
		Backend:              be,
		RedirectURL:          c.app + "/auth/" + name + "/callback",
		AssociateRedirectURL: c.app + "/auth/associate/" + name + "/callback",
		AllowedRedirectOrigins: []string{
			frontend, "http://localhost:5173",
		},
	}
}

// providerNames are the providers an environment registers at the
// development provider by default; each test configures those it uses.
var providerNames = []string{"dev", "dev2", "devcookie"}

// newOAuthEnv starts a development provider and an application with, by
// default, the provider "dev" answered by the jwt backend, "devcookie" by the
// cookie backend and "dev2" by jwt, over a memory store.
func newOAuthEnv(t testing.TB, configure func(*oauthConfig)) *oauthEnv {
	t.Helper()
	e := &oauthEnv{t: t, clock: strategytest.NewClock(time.Now()), logs: &lockedWriter{}}
	e.app = httptest.NewUnstartedServer(nil)
	appURL := "http://" + e.app.Listener.Addr().String()
	var redirects []string
	for _, n := range providerNames {
		for _, auth := range []string{"/auth", "/api/auth"} { // "/api": the PathPrefix tests
			redirects = append(redirects, appURL+auth+"/"+n+"/callback", appURL+auth+"/associate/"+n+"/callback")
		}
	}
	e.dev = httptest.NewUnstartedServer(nil)
	devURL := "http://" + e.dev.Listener.Addr().String()
	dev, err := devprovider.New(devprovider.Config{
		Issuer:  devURL,
		Clients: []devprovider.Client{{ID: devClientID, Secret: devClientSecret, RedirectURIs: redirects}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.dev.Config.Handler = dev
	e.dev.Start()
	t.Cleanup(e.dev.Close)
	p, err := oauth.Discover(context.Background(), devURL, devClientID, devClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	p.Name = "dev"

	e.mem = memory.New[*user.User]()
	e.hasher = newFastHasher(t, fastArgon2)
	opts := Options[*user.User]{
		// Throttling off: these tests make many requests from one address;
		// the throttling tests turn it on.
		Limits:   &Limits{},
		Secret:   testSecret,
		Backends: testBackends(),
		Hasher:   e.hasher,
		Logger:   slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      e.clock.Now,
		Hooks: user.Hooks[*user.User]{
			AfterRegister: func(context.Context, *user.User) error { e.registered.Add(1); return nil },
			AfterLogin:    func(context.Context, *user.User) error { e.logins.Add(1); return nil },
		},
	}
	cfg := &oauthConfig{opts: &opts, dev: p, app: appURL, store: e.mem}
	opts.OAuth = []OAuthProvider{cfg.provider("dev", "jwt"), cfg.provider("dev2", "jwt"), cfg.provider("devcookie", "cookie")}
	if configure != nil {
		configure(cfg)
	}
	opts.Store = cfg.store
	e.store = cfg.store
	if cfg.store != e.mem {
		e.mem = nil
	}
	e.opts = opts
	e.ua, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.handler != nil {
		e.app.Config.Handler = cfg.handler(e.ua)
	} else {
		mux := http.NewServeMux()
		e.ua.Mount(mux)
		e.app.Config.Handler = mux
	}
	e.app.Start()
	t.Cleanup(e.app.Close)
	return e
}

// browser is a user agent: cookies per host, redirects not followed.
type browser struct {
	t       testing.TB
	client  *http.Client
	mu      sync.Mutex
	cookies map[string]map[string]string // host -> name -> value
	bearer  string                       // sent to the application when set
	appHost string
}

func (e *oauthEnv) browser() *browser {
	u, _ := url.Parse(e.app.URL)
	return &browser{
		t: e.t,
		client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       30 * time.Second,
		},
		cookies: map[string]map[string]string{},
		appHost: u.Host,
	}
}

// reply is an answer the browser got.
type reply = apptest.Response

// get requests rawURL with the cookies of its host (and the bearer token
// for the application) and stores the cookies the answer sets.
func (b *browser) get(rawURL string) reply {
	b.t.Helper()
	return b.do(http.MethodGet, rawURL)
}

func (b *browser) do(method, rawURL string) reply {
	b.t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.doRequest(req)
}

// doRequest sends req with the browser's cookies and stores those the
// answer sets.
func (b *browser) doRequest(req *http.Request) reply {
	b.t.Helper()
	b.mu.Lock()
	for name, value := range b.cookies[req.URL.Host] {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	b.mu.Unlock()
	if b.bearer != "" && req.URL.Host == b.appHost {
		req.Header.Set("Authorization", "Bearer "+b.bearer)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	jar := b.cookies[req.URL.Host]
	if jar == nil {
		jar = map[string]string{}
		b.cookies[req.URL.Host] = jar
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(jar, c.Name)
		} else {
			jar[c.Name] = c.Value
		}
	}
	b.mu.Unlock()
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// appCookie returns the browser's cookie of that name for the application.
func (b *browser) appCookie(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cookies[b.appHost][name]
}

func (b *browser) setAppCookie(name, value string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cookies[b.appHost] == nil {
		b.cookies[b.appHost] = map[string]string{}
	}
	if value == "" {
		delete(b.cookies[b.appHost], name)
		return
	}
	b.cookies[b.appHost][name] = value
}

// authorize calls the authorize route (path is /auth/{name}/authorize or
// the associate one, with its query) and returns the authorization URL.
func (b *browser) authorize(e *oauthEnv, path string) string {
	b.t.Helper()
	r := b.get(e.app.URL + path)
	if r.Status != http.StatusOK {
		b.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	u, _ := r.JSON(b.t)["authorization_url"].(string)
	if u == "" {
		b.t.Fatalf("GET %s: no authorization_url in %s", path, r.Body)
	}
	return u
}

// atProvider signs in at the development provider as email (params add
// its test knobs: dev_email_verified=false, dev_no_email=1,
// dev_error=access_denied) and returns the callback URL it redirects to.
func (b *browser) atProvider(authURL, email string, params ...string) string {
	b.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		b.t.Fatal(err)
	}
	q := u.Query()
	q.Set("auto", "1")
	q.Set("login_hint", email)
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u.RawQuery = q.Encode()
	r := b.get(u.String())
	if r.Status != http.StatusFound {
		b.t.Fatalf("provider answered %d %s, want a redirect", r.Status, r.Body)
	}
	return r.Header.Get("Location")
}

// signIn runs the whole flow through the named provider and returns the
// callback's answer.
func (b *browser) signIn(e *oauthEnv, name, email string, params ...string) reply {
	b.t.Helper()
	return b.get(b.atProvider(b.authorize(e, "/auth/"+name+"/authorize"), email, params...))
}

// userCount counts the stored users among the addresses the tests use (a
// user.Store cannot list).
func (e *oauthEnv) userCount() int {
	e.t.Helper()
	n := 0
	for _, email := range knownEmails {
		if _, err := e.store.GetByEmail(context.Background(), email); err == nil {
			n++
		}
	}
	return n
}

// knownEmails are the addresses the OAuth tests sign in with.
var knownEmails = []string{
	"king.arthur@camelot.bt", "lancelot@camelot.bt", "guinevere@camelot.bt", "merlin@camelot.bt",
	"gawain@camelot.bt", "percival@camelot.bt", "mordred@camelot.bt",
}

func (e *oauthEnv) userByEmail(email string) *user.User {
	e.t.Helper()
	u, err := e.store.GetByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatalf("GetByEmail(%s): %v", email, err)
	}
	return u
}

func (e *oauthEnv) accounts(id uuid.UUID) []user.OAuthAccount {
	e.t.Helper()
	accs, err := e.store.(user.OAuthStore[*user.User]).OAuthAccounts(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return accs
}

// register creates a user with a password through the route and returns it.
func (e *oauthEnv) register(email, password string) *user.User {
	e.t.Helper()
	body := `{"email":"` + email + `","password":"` + password + `"}`
	resp, err := http.Post(e.app.URL+"/auth/register", "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("register %s: %d", email, resp.StatusCode)
	}
	return e.userByEmail(email)
}

// token signs in with a password and returns a bearer token.
func (e *oauthEnv) token(email, password string) string {
	e.t.Helper()
	resp, err := http.PostForm(e.app.URL+"/auth/jwt/login", url.Values{"username": {email}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	if resp.StatusCode != http.StatusOK || v.AccessToken == "" {
		e.t.Fatalf("login %s: %d", email, resp.StatusCode)
	}
	return v.AccessToken
}

// bearerFor issues a jwt-backend token for u without a password.
func (e *oauthEnv) bearerFor(u *user.User) string {
	e.t.Helper()
	tok, err := e.ua.backends[0].Strategy.WriteToken(context.Background(), u.UserBase())
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// set changes a stored user directly.
func (e *oauthEnv) set(id uuid.UUID, change func(b *user.Base)) {
	e.t.Helper()
	if _, err := e.store.Update(context.Background(), id, func(u *user.User) error { change(u.UserBase()); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

// wantDetail checks an error answer's status and detail.
func wantDetail(t testing.TB, r reply, status int, detail string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d %s, want %d %q", r.Status, r.Body, status, detail)
	}
	if got := r.Detail(t); got != detail {
		t.Fatalf("detail %v, want %q", got, detail)
	}
}

func (e *oauthEnv) logText() string {
	return e.logs.String()
}
