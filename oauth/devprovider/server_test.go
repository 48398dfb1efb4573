package devprovider_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

const (
	appID       = "app"
	appSecret   = "app-secret"
	appRedirect = "http://127.0.0.1:8000/auth/dev/callback"
	otherID     = "other-app"
	publicID    = "public-app"
	verifier    = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge   = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" // RFC 7636 appendix B
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// provider is a running development provider with three clients.
type provider struct {
	*testing.T
	srv    *httptest.Server
	dev    *devprovider.Server
	clock  *clock
	issuer string
}

func start(t *testing.T, path string) *provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	p := &provider{T: t, srv: srv, clock: &clock{t: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)}}
	p.issuer = "http://" + srv.Listener.Addr().String() + path
	dev, err := devprovider.New(devprovider.Config{
		Issuer: p.issuer,
		Now:    p.clock.Now,
		Clients: []devprovider.Client{
			{ID: appID, Secret: appSecret, RedirectURIs: []string{appRedirect, "http://127.0.0.1:8000/other-callback"}},
			{ID: otherID, Secret: "other-secret", RedirectURIs: []string{appRedirect}},
			{ID: publicID, RedirectURIs: []string{appRedirect}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.dev = dev
	srv.Config.Handler = dev
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authQuery is a valid authorization request of the app, changed by kv
// (an empty value deletes the parameter).
func authQuery(kv ...string) url.Values {
	q := url.Values{
		"response_type": {"code"}, "client_id": {appID}, "redirect_uri": {appRedirect}, "scope": {"openid email"},
		"state": {"af0ifjsldkj"}, "nonce": {"n-0S6_WzA2Mj"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
		"login_hint": {"king.arthur@camelot.bt"}, "auto": {"1"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// get sends an authorization request and returns the answer, its body and
// its redirect's query (nil without redirect).
func (p *provider) get(q url.Values) (*http.Response, string, url.Values) {
	p.Helper()
	resp, err := noRedirect.Get(p.issuer + "/authorize?" + q.Encode())
	if err != nil {
		p.Fatal(err)
	}
	return readAnswer(p.T, resp)
}

func (p *provider) post(form url.Values) (*http.Response, string, url.Values) {
	p.Helper()
	resp, err := noRedirect.PostForm(p.issuer+"/authorize", form)
	if err != nil {
		p.Fatal(err)
	}
	return readAnswer(p.T, resp)
}

func readAnswer(t *testing.T, resp *http.Response) (*http.Response, string, url.Values) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return resp, string(body), nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != appRedirect {
		t.Fatalf("redirected to %s", loc)
	}
	return resp, string(body), u.Query()
}

// code logs in with auto=1 and returns the code.
func (p *provider) code(kv ...string) string {
	p.Helper()
	_, _, q := p.get(authQuery(kv...))
	if q.Get("code") == "" {
		p.Fatalf("no code: %v", q)
	}
	return q.Get("code")
}

// token posts form to the token endpoint, with Basic credentials when user
// is not empty, and returns the status and decoded answer.
func (p *provider) token(user, pass string, form url.Values) (int, map[string]any, http.Header) {
	p.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		p.Fatalf("token answer not JSON: %v", err)
	}
	return resp.StatusCode, body, resp.Header
}

func codeForm(code string, kv ...string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appRedirect}, "code_verifier": {verifier}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			f.Del(kv[i])
		} else {
			f.Set(kv[i], kv[i+1])
		}
	}
	return f
}

func (p *provider) userinfo(accessToken string) (int, map[string]any, http.Header) {
	p.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.issuer+"/userinfo", nil)
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body, resp.Header
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
