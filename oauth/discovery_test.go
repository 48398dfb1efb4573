package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
)

// TestDiscoverDevProvider: discovery of the development provider gives a
// usable OpenID Connect provider.
func TestDiscoverDevProvider(t *testing.T) {
	e := newEnv(t, devprovider.Config{}, nil)
	p := e.p
	want := map[string]string{
		"Issuer": e.issuer, "AuthURL": e.issuer + "/authorize", "TokenURL": e.issuer + "/token",
		"UserInfoURL": e.issuer + "/userinfo", "JWKSURL": e.issuer + "/jwks",
	}
	got := map[string]string{"Issuer": p.Issuer, "AuthURL": p.AuthURL, "TokenURL": p.TokenURL, "UserInfoURL": p.UserInfoURL, "JWKSURL": p.JWKSURL}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s = %q, want %q", k, got[k], want[k])
		}
	}
	if p.AuthStyle != oauth2.AuthStyleInHeader || p.Keys == nil || p.Identity != oauth.IdentityOIDC ||
		strings.Join(p.Scopes, " ") != "openid email" {
		t.Errorf("provider = %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}

// TestDiscover covers the documents Discover must refuse.
func TestDiscover(t *testing.T) {
	var srv *httptest.Server
	doc := func(change func(map[string]any)) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			d := map[string]any{
				"issuer":                           srv.URL,
				"authorization_endpoint":           srv.URL + "/authorize",
				"token_endpoint":                   srv.URL + "/token",
				"jwks_uri":                         srv.URL + "/jwks",
				"code_challenge_methods_supported": []string{"S256"},
			}
			if change != nil {
				change(d)
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(d)
		}
	}
	cases := []struct {
		name      string
		serve     func(w http.ResponseWriter)
		wantErr   error
		wantStyle oauth2.AuthStyle
		wantPE    int
	}{
		{name: "minimal document", serve: doc(nil), wantStyle: oauth2.AuthStyleInHeader},
		{name: "client_secret_post only", serve: doc(func(d map[string]any) {
			d["token_endpoint_auth_methods_supported"] = []string{"client_secret_post", "private_key_jwt"}
		}), wantStyle: oauth2.AuthStyleInParams},
		{name: "no secret method", serve: doc(func(d map[string]any) {
			d["token_endpoint_auth_methods_supported"] = []string{"private_key_jwt"}
		}), wantErr: oauth.ErrInvalidProvider},
		{name: "another issuer", serve: doc(func(d map[string]any) { d["issuer"] = "https://evil.example" }), wantErr: oauth.ErrIssuerMismatch},
		{name: "issuer with a trailing slash", serve: doc(func(d map[string]any) { d["issuer"] = srv.URL + "/" }), wantErr: oauth.ErrIssuerMismatch},
		{name: "no jwks_uri", serve: doc(func(d map[string]any) { delete(d, "jwks_uri") }), wantErr: oauth.ErrBadResponse},
		{name: "no token endpoint", serve: doc(func(d map[string]any) { delete(d, "token_endpoint") }), wantErr: oauth.ErrBadResponse},
		{name: "plain http endpoint on a public host", serve: doc(func(d map[string]any) { d["token_endpoint"] = "http://provider.example/token" }), wantErr: oauth.ErrBadResponse},
		{name: "relative endpoint", serve: doc(func(d map[string]any) { d["jwks_uri"] = "/jwks" }), wantErr: oauth.ErrBadResponse},
		{name: "no PKCE S256", serve: doc(func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }), wantErr: oauth.ErrInvalidProvider},
		{name: "only HS256 ID tokens", serve: doc(func(d map[string]any) { d["id_token_signing_alg_values_supported"] = []string{"HS256", "none"} }), wantErr: oauth.ErrInvalidProvider},
		{name: "field of the wrong type", serve: doc(func(d map[string]any) { d["scopes_supported"] = "openid email" }), wantErr: oauth.ErrBadResponse},
		{name: "not JSON", serve: func(w http.ResponseWriter) { w.Write([]byte("<html>")) }, wantErr: oauth.ErrBadResponse},
		{name: "over the size limit", serve: func(w http.ResponseWriter) {
			w.Write([]byte(`{"x":"` + strings.Repeat("a", oauth.MaxResponseBytes) + `"}`))
		}, wantErr: oauth.ErrBadResponse},
		{name: "not found", serve: func(w http.ResponseWriter) { http.NotFound(w, nil) }, wantPE: http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/.well-known/openid-configuration" {
					http.NotFound(w, r)
					return
				}
				tc.serve(w)
			}))
			defer srv.Close()
			p, err := oauth.Discover(context.Background(), srv.URL, "client", "secret")
			if tc.wantPE != 0 {
				var pe *oauth.ProviderError
				if !errors.As(err, &pe) || pe.StatusCode != tc.wantPE {
					t.Fatalf("error = %v, want ProviderError with status %d", err, tc.wantPE)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err == nil && p.AuthStyle != tc.wantStyle {
				t.Errorf("AuthStyle = %v, want %v", p.AuthStyle, tc.wantStyle)
			}
		})
	}
}

// TestDiscoverIssuer: the issuer itself must be https (or loopback http).
func TestDiscoverIssuer(t *testing.T) {
	for _, issuer := range []string{"http://provider.example", "ftp://127.0.0.1", "https://", "not a url", "https://p.example?x=1", "https://p.example#f"} {
		if _, err := oauth.Discover(context.Background(), issuer, "client", "secret"); !errors.Is(err, oauth.ErrInvalidProvider) {
			t.Errorf("Discover(%q) = %v, want ErrInvalidProvider", issuer, err)
		}
	}
}

// TestValidate covers the configuration errors Validate reports.
func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*oauth.Provider)
		ok     bool
	}{
		{name: "Google as built", change: func(*oauth.Provider) {}, ok: true},
		{name: "loopback http", change: func(p *oauth.Provider) { p.TokenURL = "http://127.0.0.1:8080/token" }, ok: true},
		{name: "localhost http", change: func(p *oauth.Provider) { p.TokenURL = "http://localhost:8080/token" }, ok: true},
		{name: "IPv6 loopback http", change: func(p *oauth.Provider) { p.TokenURL = "http://[::1]:8080/token" }, ok: true},
		{name: "no name", change: func(p *oauth.Provider) { p.Name = "" }},
		{name: "upper-case name", change: func(p *oauth.Provider) { p.Name = "Google" }},
		{name: "name with a slash", change: func(p *oauth.Provider) { p.Name = "a/b" }},
		{name: "no client id", change: func(p *oauth.Provider) { p.ClientID = "" }},
		{name: "no auth URL", change: func(p *oauth.Provider) { p.AuthURL = "" }},
		{name: "plain http token URL", change: func(p *oauth.Provider) { p.TokenURL = "http://oauth2.googleapis.com/token" }},
		{name: "URL with user info", change: func(p *oauth.Provider) { p.AuthURL = "https://u:p@accounts.google.com/" }},
		{name: "issuer without JWKS", change: func(p *oauth.Provider) { p.JWKSURL = "" }},
		{name: "no issuer and no userinfo", change: func(p *oauth.Provider) { p.Issuer, p.UserInfoURL = "", "" }},
		{name: "unknown identity source", change: func(p *oauth.Provider) { p.Identity = 7 }},
		{name: "leeway over five minutes", change: func(p *oauth.Provider) { p.Leeway = 6 * 60e9 }},
		{name: "negative timeout", change: func(p *oauth.Provider) { p.Timeout = -1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := oauth.Google("client", "secret")
			tc.change(&p)
			err := p.Validate()
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, oauth.ErrInvalidProvider)) {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
