package oauth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"golang.org/x/oauth2"
)

// DefaultTimeout bounds one call that talks to a provider (Exchange, Refresh,
// Discover) when Provider.Timeout is zero: every request it makes, the token
// exchange, key fetch, userinfo and e-mails, must be done by then.
const DefaultTimeout = 30 * time.Second

// DefaultLeeway is the clock skew tolerated on an ID token's exp and iat when
// Provider.Leeway is zero.
const DefaultLeeway = time.Minute

// maxLeeway bounds Provider.Leeway: a larger skew would keep expired ID
// tokens alive in practice.
const maxLeeway = 5 * time.Minute

// IdentitySource says where Exchange reads the account id, the e-mail and
// whether the e-mail is verified.
type IdentitySource int

const (
	// IdentityOIDC reads OpenID Connect claims (sub, email,
	// email_verified): from the verified ID token when Issuer is set, and
	// from the userinfo endpoint when the ID token has no e-mail or there
	// is no Issuer. The userinfo sub must equal the ID token's (OpenID
	// Connect Core 1.0 section 5.3.2).
	IdentityOIDC IdentitySource = iota
	// IdentityGitHub reads GitHub's REST API: the numeric id from
	// UserInfoURL (GET /user), the primary e-mail and its verified flag
	// from EmailsURL (GET /user/emails).
	IdentityGitHub
)

// Provider describes an identity provider and this application's client
// registration with it. It is plain data: build one with GitHub, Google or
// Discover, or write it out; change fields freely before use. A zero field
// means "not used" unless its comment says otherwise. Methods do not modify
// the Provider and are safe for concurrent use.
type Provider struct {
	// Name identifies the provider in routes (/auth/{Name}/authorize):
	// lower-case letters, digits and hyphens. Required.
	Name string

	// ClientID and ClientSecret are the client credentials the provider
	// issued. ClientID is required; an empty ClientSecret makes a public
	// client, which PKCE alone protects.
	ClientID, ClientSecret string

	// AuthURL and TokenURL are the authorization and token endpoints.
	// Required.
	AuthURL, TokenURL string

	// AuthStyle is how the client authenticates at TokenURL: in the
	// Authorization header (client_secret_basic) or in the form
	// (client_secret_post). The zero value tries the header, then the form.
	AuthStyle oauth2.AuthStyle

	// UserInfoURL is the endpoint read with the access token for the
	// user's identity: OpenID Connect userinfo, or GitHub's /user.
	UserInfoURL string

	// EmailsURL is GitHub's list of the user's e-mails (GET /user/emails),
	// for IdentityGitHub.
	EmailsURL string

	// Identity says how the account id and e-mail are read.
	Identity IdentitySource

	// Scopes are requested when AuthCodeURL is given none. With an Issuer,
	// "openid" is always added.
	Scopes []string

	// Issuer makes the provider an OpenID Connect one: the token response
	// must then carry an ID token whose iss is Issuer (or one of
	// IssuerAliases), signed by a key of JWKSURL.
	Issuer string

	// IssuerAliases are other spellings of Issuer the provider writes in
	// ID tokens (Google: "accounts.google.com" besides
	// "https://accounts.google.com").
	IssuerAliases []string

	// JWKSURL is the provider's JSON Web Key Set. Keys are only ever
	// fetched from here, never from a URL named in a token (jku, x5u).
	// Required with Issuer.
	JWKSURL string

	// Keys caches the key set fetched from JWKSURL. Google and Discover
	// set one; copies of a Provider share it. When nil, the key set is
	// fetched on every Exchange.
	Keys *KeyCache

	// Leeway is the clock skew tolerated on ID token times; zero means
	// DefaultLeeway, and at most five minutes is accepted.
	Leeway time.Duration

	// Timeout bounds each Exchange, Refresh and Discover; zero means
	// DefaultTimeout.
	Timeout time.Duration

	// Now gives the current time; nil means time.Now.
	Now func() time.Time
}

// Validate reports whether p can run the authorization code flow. Every
// method calls it; call it at startup to fail early. The error wraps
// ErrInvalidProvider.
func (p *Provider) Validate() error {
	if !validName(p.Name) {
		return fmt.Errorf("%w: name %q is not [a-z0-9-]+", ErrInvalidProvider, p.Name)
	}
	if p.ClientID == "" {
		return fmt.Errorf("%w: %s: no client id", ErrInvalidProvider, p.Name)
	}
	urls := []struct {
		name, url string
		required  bool
	}{
		{"AuthURL", p.AuthURL, true},
		{"TokenURL", p.TokenURL, true},
		{"UserInfoURL", p.UserInfoURL, p.Identity == IdentityGitHub || p.Issuer == ""},
		{"EmailsURL", p.EmailsURL, false},
		{"Issuer", p.Issuer, false},
		{"JWKSURL", p.JWKSURL, p.Issuer != ""},
	}
	for _, u := range urls {
		if u.url == "" {
			if u.required {
				return fmt.Errorf("%w: %s: no %s", ErrInvalidProvider, p.Name, u.name)
			}
			continue
		}
		if err := checkEndpoint(u.url); err != nil {
			return fmt.Errorf("%w: %s: %s: %v", ErrInvalidProvider, p.Name, u.name, err)
		}
	}
	switch p.Identity {
	case IdentityOIDC, IdentityGitHub:
	default:
		return fmt.Errorf("%w: %s: unknown identity source %d", ErrInvalidProvider, p.Name, p.Identity)
	}
	if p.Leeway < 0 || p.Leeway > maxLeeway {
		return fmt.Errorf("%w: %s: leeway outside [0, %v]", ErrInvalidProvider, p.Name, maxLeeway)
	}
	if p.Timeout < 0 {
		return fmt.Errorf("%w: %s: negative timeout", ErrInvalidProvider, p.Name)
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkEndpoint accepts an absolute https URL, or http on a loopback host:
// credentials and tokens never cross a network in clear (RFC 9700 section
// 2.6, RFC 6749 section 3.1), while a provider running on the developer's
// machine still works.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	if u.Host == "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("not an absolute URL without fragment or user info")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("plain http outside loopback")
	}
	return fmt.Errorf("scheme is not https")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Provider) leeway() time.Duration {
	if p.Leeway == 0 {
		return DefaultLeeway
	}
	return p.Leeway
}

// withClient bounds ctx by the provider's timeout and makes sure it carries
// an *http.Client, which x/oauth2 and our own requests then use.
func (p *Provider) withClient(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); !ok || c == nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: timeout})
	}
	return ctx, cancel
}

// httpClient returns the client withClient put in ctx.
func httpClient(ctx context.Context) *http.Client {
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil {
		return c
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// config is the x/oauth2 view of p for one redirect URI.
func (p *Provider) config(redirectURI string, scopes []string) *oauth2.Config {
	if scopes == nil {
		scopes = p.Scopes
	}
	if p.Issuer != "" && !slices.Contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	return &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, AuthStyle: p.AuthStyle},
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}
