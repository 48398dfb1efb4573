package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
)

// TestFlow runs the whole authorization code flow against the development
// provider over HTTP, with both ways of authenticating the client.
func TestFlow(t *testing.T) {
	cases := []struct {
		name         string
		email        string
		params       map[string]string
		wantVerified bool
		wantErr      error
	}{
		{name: "verified e-mail", email: "king.arthur@camelot.bt", wantVerified: true},
		{name: "unverified e-mail", email: "lancelot@camelot.bt", params: map[string]string{"dev_email_verified": "false"}},
		{name: "no e-mail", email: "merlin@camelot.bt", params: map[string]string{"dev_no_email": "1"}, wantErr: oauth.ErrNoEmail},
	}
	styles := []struct {
		name  string
		style oauth2.AuthStyle
	}{{"client_secret_basic", oauth2.AuthStyleInHeader}, {"client_secret_post", oauth2.AuthStyleInParams}}
	e := newEnv(t, devprovider.Config{}, nil)
	for _, st := range styles {
		for _, tc := range cases {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				p := e.p
				p.AuthStyle = st.style
				f := newFlow(t, "csrf-"+tc.name)
				c := code(t, &p, f, tc.email, tc.params)
				tok, id, err := p.Exchange(context.Background(), c, redirectURI, f.pkce, f.nonce)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Exchange error = %v, want %v", err, tc.wantErr)
				}
				if tok == nil || tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
					t.Fatalf("token = %+v, want access, refresh and ID tokens", tok)
				}
				if want := e.clock.Now().Add(devprovider.DefaultTokenLifetime); !tok.Expiry.Equal(want) {
					t.Errorf("Expiry = %v, want %v (by the provider's clock)", tok.Expiry, want)
				}
				if id.AccountID == "" {
					t.Error("no account id")
				}
				wantEmail := tc.email
				if tc.wantErr != nil {
					wantEmail = ""
				}
				if id.Email != wantEmail || id.EmailVerified != tc.wantVerified {
					t.Errorf("identity = %+v, want e-mail %q verified %v", id, wantEmail, tc.wantVerified)
				}
			})
		}
	}
}

// TestAccountIDStable: one e-mail is one account id, login after login,
// whatever the case of the address; another e-mail is another id.
func TestAccountIDStable(t *testing.T) {
	e := newEnv(t, devprovider.Config{}, nil)
	login := func(email string) string {
		f := newFlow(t, "csrf-"+email)
		_, id, err := e.p.Exchange(context.Background(), code(t, &e.p, f, email, nil), redirectURI, f.pkce, f.nonce)
		if err != nil {
			t.Fatal(err)
		}
		return id.AccountID
	}
	first := login("king.arthur@camelot.bt")
	if again := login("King.Arthur@camelot.bt"); again != first {
		t.Errorf("second login got account %q, first %q", again, first)
	}
	if other := login("guinevere@camelot.bt"); other == first {
		t.Error("two addresses share an account id")
	}
}

// TestProviderErrors: the provider's refusals surface as *ProviderError with
// its code.
func TestProviderErrors(t *testing.T) {
	e := newEnv(t, devprovider.Config{}, nil)
	ctx := context.Background()
	exchangeErr := func(t *testing.T, mutate func(*oauth.Provider, *flow) (code, redirect string)) error {
		p := e.p
		f := newFlow(t, "csrf-"+t.Name())
		c, redirect := mutate(&p, &f)
		_, _, err := p.Exchange(ctx, c, redirect, f.pkce, f.nonce)
		return err
	}
	cases := []struct {
		name       string
		err        func(t *testing.T) error
		wantCode   string
		wantStatus int
	}{
		{
			name: "access denied at the authorization page",
			err: func(t *testing.T) error {
				f := newFlow(t, "csrf-denied")
				_, _, err := e.p.ParseCallback(authorize(t, &e.p, f, "mordred@camelot.bt", map[string]string{"dev_error": "access_denied"}))
				return err
			},
			wantCode: "access_denied",
		},
		{
			name: "PKCE verifier does not match",
			err: func(t *testing.T) error {
				return exchangeErr(t, func(p *oauth.Provider, f *flow) (string, string) {
					c := code(t, p, *f, "mordred@camelot.bt", nil)
					f.pkce = newFlow(t, "another-csrf").pkce
					return c, redirectURI
				})
			},
			wantCode: "invalid_grant", wantStatus: http.StatusBadRequest,
		},
		{
			name: "redirect URI differs",
			err: func(t *testing.T) error {
				return exchangeErr(t, func(p *oauth.Provider, f *flow) (string, string) {
					return code(t, p, *f, "mordred@camelot.bt", nil), redirectURI + "/other"
				})
			},
			wantCode: "invalid_grant", wantStatus: http.StatusBadRequest,
		},
		{
			name: "code expired",
			err: func(t *testing.T) error {
				return exchangeErr(t, func(p *oauth.Provider, f *flow) (string, string) {
					c := code(t, p, *f, "mordred@camelot.bt", nil)
					e.clock.Advance(devprovider.DefaultCodeLifetime + time.Second)
					return c, redirectURI
				})
			},
			wantCode: "invalid_grant", wantStatus: http.StatusBadRequest,
		},
		{
			name: "unknown code",
			err: func(t *testing.T) error {
				return exchangeErr(t, func(p *oauth.Provider, f *flow) (string, string) { return "made-up", redirectURI })
			},
			wantCode: "invalid_grant", wantStatus: http.StatusBadRequest,
		},
		{
			name: "wrong client secret",
			err: func(t *testing.T) error {
				return exchangeErr(t, func(p *oauth.Provider, f *flow) (string, string) {
					c := code(t, p, *f, "mordred@camelot.bt", nil)
					p.ClientSecret = "not-the-secret"
					p.AuthStyle = oauth2.AuthStyleInParams
					return c, redirectURI
				})
			},
			wantCode: "invalid_client", wantStatus: http.StatusUnauthorized,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			var pe *oauth.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *ProviderError", err)
			}
			if pe.Code != tc.wantCode || pe.StatusCode != tc.wantStatus {
				t.Errorf("ProviderError = %+v, want code %q status %d", pe, tc.wantCode, tc.wantStatus)
			}
		})
	}
}

// TestCodeReplay: a code redeems once; its replay is refused and revokes
// the tokens it gave (RFC 6749 section 4.1.2).
func TestCodeReplay(t *testing.T) {
	e := newEnv(t, devprovider.Config{}, nil)
	ctx := context.Background()
	f := newFlow(t, "csrf-replay")
	c := code(t, &e.p, f, "king.arthur@camelot.bt", nil)
	tok, _, err := e.p.Exchange(ctx, c, redirectURI, f.pkce, f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	if got := userinfoStatus(t, e, tok.AccessToken); got != http.StatusOK {
		t.Fatalf("userinfo with the fresh token: %d", got)
	}
	_, _, err = e.p.Exchange(ctx, c, redirectURI, f.pkce, f.nonce)
	var pe *oauth.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		t.Fatalf("replayed code: %v, want invalid_grant", err)
	}
	if got := userinfoStatus(t, e, tok.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("userinfo with a token of a replayed code: %d, want 401", got)
	}
}

func userinfoStatus(t *testing.T, e *env, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRefresh: a refresh token gives a new access token once; the provider
// rotates it.
func TestRefresh(t *testing.T) {
	e := newEnv(t, devprovider.Config{}, nil)
	ctx := context.Background()
	f := newFlow(t, "csrf-refresh")
	tok, _, err := e.p.Exchange(ctx, code(t, &e.p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	fresh, err := e.p.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.IDToken != "" {
		t.Errorf("refreshed token %+v: want new access and refresh tokens, no ID token", fresh)
	}
	if want := e.clock.Now().Add(devprovider.DefaultTokenLifetime); !fresh.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", fresh.Expiry, want)
	}
	if got := userinfoStatus(t, e, fresh.AccessToken); got != http.StatusOK {
		t.Errorf("userinfo with the refreshed token: %d", got)
	}
	_, err = e.p.Refresh(ctx, tok.RefreshToken)
	var pe *oauth.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" {
		t.Errorf("reused refresh token: %v, want invalid_grant", err)
	}
}

// TestParseCallback covers the callback's query: code, error, iss (RFC 9207).
func TestParseCallback(t *testing.T) {
	p := oauth.Google("id", "secret")
	cases := []struct {
		name     string
		query    string
		wantCode string
		wantErr  error
		wantPE   string
	}{
		{name: "code and state", query: "code=abc&state=xyz", wantCode: "abc"},
		{name: "code with the right iss", query: "code=abc&state=xyz&iss=https%3A%2F%2Faccounts.google.com", wantCode: "abc"},
		{name: "code from another issuer", query: "code=abc&state=xyz&iss=https%3A%2F%2Fevil.example", wantErr: oauth.ErrIssuerMismatch},
		{name: "error", query: "error=access_denied&error_description=no&state=xyz", wantPE: "access_denied"},
		{name: "error from another issuer", query: "error=access_denied&iss=https%3A%2F%2Fevil.example", wantErr: oauth.ErrIssuerMismatch},
		{name: "nothing", query: "state=xyz", wantErr: oauth.ErrMissingCode},
		{name: "empty code", query: "code=&state=xyz", wantErr: oauth.ErrMissingCode},
		{name: "code twice", query: "code=a&code=b&state=xyz", wantErr: oauth.ErrMissingCode},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			c, state, err := p.ParseCallback(q)
			if tc.wantPE != "" {
				var pe *oauth.ProviderError
				if !errors.As(err, &pe) || pe.Code != tc.wantPE {
					t.Fatalf("error = %v, want ProviderError %q", err, tc.wantPE)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err == nil && (c != tc.wantCode || state != "xyz") {
				t.Errorf("code, state = %q, %q", c, state)
			}
		})
	}
}

// TestAuthCodeURL: the URL carries everything the flow needs, and the
// security parameters are not optional.
func TestAuthCodeURL(t *testing.T) {
	p := oauth.Google("the-client", "secret")
	f := newFlow(t, "csrf")
	u, err := p.AuthCodeURL(redirectURI, f.state, f.pkce, f.nonce, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, p.AuthURL+"?") {
		t.Fatalf("URL %s is not on the authorization endpoint", u)
	}
	q, _ := url.ParseQuery(u[len(p.AuthURL)+1:])
	want := map[string]string{
		"response_type": "code", "client_id": "the-client", "redirect_uri": redirectURI, "state": f.state,
		"code_challenge": f.pkce.Challenge(), "code_challenge_method": "S256", "nonce": f.nonce, "scope": "openid email",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("code_verifier") || strings.Contains(u, f.pkce.Verifier) {
		t.Error("the verifier leaked into the authorization URL")
	}

	u, _ = p.AuthCodeURL(redirectURI, f.state, f.pkce, f.nonce, []string{"profile"})
	if q, _ := url.ParseQuery(u[len(p.AuthURL)+1:]); q.Get("scope") != "openid profile" {
		t.Errorf("scope = %q, want openid added to the given scopes", q.Get("scope"))
	}

	bad := []struct {
		name, redirect, state, nonce string
		pkce                         oauth.PKCE
	}{
		{name: "no verifier", redirect: redirectURI, state: "s", nonce: "n"},
		{name: "short verifier", redirect: redirectURI, state: "s", nonce: "n", pkce: oauth.PKCE{Verifier: "abc"}},
		{name: "verifier outside the alphabet", redirect: redirectURI, state: "s", nonce: "n", pkce: oauth.PKCE{Verifier: strings.Repeat("a", 42) + "+"}},
		{name: "no state", redirect: redirectURI, nonce: "n", pkce: f.pkce},
		{name: "no nonce for OpenID", redirect: redirectURI, state: "s", pkce: f.pkce},
		{name: "relative redirect", redirect: "/callback", state: "s", nonce: "n", pkce: f.pkce},
		{name: "redirect with fragment", redirect: redirectURI + "#x", state: "s", nonce: "n", pkce: f.pkce},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := p.AuthCodeURL(tc.redirect, tc.state, tc.pkce, tc.nonce, nil); !errors.Is(err, oauth.ErrInvalidProvider) {
				t.Errorf("error = %v, want ErrInvalidProvider", err)
			}
		})
	}
}

// TestKeyRotation: an ID token signed by a key the cached set lacks makes
// the client fetch the set again, but not more than once per MinRefresh.
func TestKeyRotation(t *testing.T) {
	e := newEnv(t, devprovider.Config{}, nil)
	ctx := context.Background()
	login := func() error {
		f := newFlow(t, "csrf-rotation")
		_, _, err := e.p.Exchange(ctx, code(t, &e.p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce)
		return err
	}
	if err := login(); err != nil {
		t.Fatal(err)
	}
	if err := login(); err != nil {
		t.Fatal(err)
	}
	if n := e.p.Keys.Fetches(); n != 1 {
		t.Fatalf("%d key set fetches for two logins, want 1", n)
	}
	if err := e.dev.RotateKey(); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Second)
	if err := login(); !errors.Is(err, oauth.ErrInvalidIDToken) {
		t.Fatalf("login with a new key within MinRefresh: %v, want ErrInvalidIDToken", err)
	}
	if n := e.p.Keys.Fetches(); n != 1 {
		t.Fatalf("%d fetches: the unknown kid was fetched for before MinRefresh", n)
	}
	e.clock.Advance(oauth.DefaultKeyMinRefresh)
	if err := login(); err != nil {
		t.Fatalf("login after the rotation: %v", err)
	}
	if n := e.p.Keys.Fetches(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	e.clock.Advance(oauth.DefaultKeyMaxAge)
	if err := login(); err != nil {
		t.Fatal(err)
	}
	if n := e.p.Keys.Fetches(); n != 3 {
		t.Fatalf("%d fetches after MaxAge, want 3", n)
	}
}

// TestNoKeyCache: a Provider without a KeyCache still verifies, fetching the
// key set each time.
func TestNoKeyCache(t *testing.T) {
	e := newEnv(t, devprovider.Config{Algorithm: "RS256"}, nil)
	p := e.p
	p.Keys = nil
	for i := range 2 {
		f := newFlow(t, "csrf-nocache")
		if _, _, err := p.Exchange(context.Background(), code(t, &p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce); err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
}

// TestPublicClient: a client without secret authenticates by PKCE alone.
func TestPublicClient(t *testing.T) {
	e := newEnv(t, devprovider.Config{Clients: []devprovider.Client{{ID: clientID, RedirectURIs: []string{redirectURI}}}}, nil)
	p, err := oauth.Discover(context.Background(), e.issuer, clientID, "")
	if err != nil {
		t.Fatal(err)
	}
	p.Name, p.Now = "dev", e.clock.Now
	f := newFlow(t, "csrf-public")
	if _, _, err := p.Exchange(context.Background(), code(t, &p, f, "king.arthur@camelot.bt", nil), redirectURI, f.pkce, f.nonce); err != nil {
		t.Fatal(err)
	}
}
