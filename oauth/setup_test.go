package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
)

const (
	clientID     = "usersauth-app"
	clientSecret = "app-secret-0123456789"
	// redirectURI is never reached: the tests read the provider's
	// redirect instead of following it.
	redirectURI = "http://127.0.0.1:1/auth/dev/callback"
)

// stateSecret is the server secret PKCE verifiers and nonces are derived from.
var stateSecret = []byte("derivation-secret-for-tests-only-0123456789")

// clock is a settable clock shared by the provider and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a development provider on 127.0.0.1 and a client discovered from it.
type env struct {
	srv    *httptest.Server
	dev    *devprovider.Server
	clock  *clock
	issuer string
	p      oauth.Provider
}

// newEnv starts a development provider; wrap, when not nil, stands in front
// of it (a misbehaving provider).
func newEnv(t testing.TB, cfg devprovider.Config, wrap func(*devprovider.Server) http.Handler) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	e := &env{srv: srv, clock: newClock(), issuer: "http://" + srv.Listener.Addr().String()}
	cfg.Issuer = e.issuer
	cfg.Now = e.clock.Now
	if cfg.Clients == nil {
		cfg.Clients = []devprovider.Client{{ID: clientID, Secret: clientSecret, RedirectURIs: []string{redirectURI}}}
	}
	dev, err := devprovider.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.dev = dev
	srv.Config.Handler = dev
	if wrap != nil {
		srv.Config.Handler = wrap(dev)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	e.p, err = oauth.Discover(context.Background(), e.issuer, clientID, clientSecret)
	if err != nil {
		t.Fatal(err)
	}
	e.p.Name = "dev"
	e.p.Now = e.clock.Now
	return e
}

// flow is one authorization in progress: what the callback recomputes.
type flow struct {
	pkce  oauth.PKCE
	nonce string
	state string
}

func newFlow(t testing.TB, csrf string) flow {
	t.Helper()
	pkce, err := oauth.DerivePKCE(stateSecret, csrf)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := oauth.DeriveNonce(stateSecret, csrf)
	if err != nil {
		t.Fatal(err)
	}
	return flow{pkce: pkce, nonce: nonce, state: "state-" + csrf}
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// authorize runs the browser's part: it opens the authorization URL with
// login_hint and auto=1 (plus params) and returns the callback's query.
func authorize(t testing.TB, p *oauth.Provider, f flow, email string, params map[string]string) url.Values {
	t.Helper()
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("auto", "1"), oauth2.SetAuthURLParam("login_hint", email)}
	for k, v := range params {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	u, err := p.AuthCodeURL(redirectURI, f.state, f.pkce, f.nonce, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorization answered %d, want a redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	return loc.Query()
}

// code runs authorize and ParseCallback, and checks the state came back.
func code(t testing.TB, p *oauth.Provider, f flow, email string, params map[string]string) string {
	t.Helper()
	c, state, err := p.ParseCallback(authorize(t, p, f, email, params))
	if err != nil {
		t.Fatalf("ParseCallback: %v", err)
	}
	if state != f.state {
		t.Fatalf("state = %q, want %q", state, f.state)
	}
	return c
}
