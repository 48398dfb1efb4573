package usersauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/user"
)

// OAuthProvider configures sign-in with one identity provider: the routes
// GET /auth/{name}/authorize and /callback, and, with AssociateRedirectURL,
// GET /auth/associate/{name}/authorize and /callback, where name is
// Provider.Name.
type OAuthProvider struct {
	// Provider is the identity provider: oauth.GitHub, oauth.Google, or
	// oauth.Discover for any OpenID Connect issuer. Its Name names the
	// routes.
	Provider oauth.Provider

	// Backend names the backend (Options.Backends) whose strategy issues
	// the token of a successful sign-in and whose transport answers with
	// it, as its login route does. Required.
	Backend string

	// RedirectURL is the absolute callback URL registered at the provider,
	// where the provider sends the browser back: this library's
	// /auth/{name}/callback, or a frontend page that passes the query on to
	// it. Required, and never derived from the request's Host header, which
	// a client chooses (RFC 9700 section 4.1). https, or http on a loopback
	// host.
	RedirectURL string

	// AssociateRedirectURL is the callback URL registered for linking an
	// account to the signed-in user (/auth/associate/{name}/callback). The
	// association routes exist only when it is set.
	AssociateRedirectURL string

	// AssociateByEmail lets a sign-in with an account not linked yet be
	// linked to the existing user with the same e-mail, instead of being
	// refused with OAUTH_USER_ALREADY_EXISTS. Only when the provider says
	// it verified the e-mail, and only to a user whose own e-mail is
	// verified: whoever registered an unverified address may not own it
	// (ours: FastAPI Users links whenever the option is on).
	AssociateByEmail bool

	// IsVerifiedByDefault marks users created by a sign-in as verified,
	// when the provider says it verified the e-mail (ours: FastAPI Users
	// does not ask the provider).
	IsVerifiedByDefault bool

	// StateSecret signs the state of the authorization requests and keys
	// the derivation of their PKCE verifiers and OpenID Connect nonces; nil
	// means Options.Secret. At least MinSecretLength bytes. Give FastAPI
	// Users' state secret to accept the states it issued.
	StateSecret []byte

	// AllowedRedirectOrigins are the origins (scheme://host[:port]) a
	// client may ask, with ?redirect_to= on the authorize route, to be sent
	// back to after the callback. Compared exactly (scheme and host
	// case-insensitively, default ports omitted); empty means no
	// redirect_to is accepted.
	AllowedRedirectOrigins []string

	// CSRFCookieName is the name of the cookie bound to the state; ""
	// means "fastapiusersoauthcsrf", FastAPI Users' name. A "__Host-" name
	// keeps a sibling subdomain from setting the cookie (RFC 6265bis
	// section 4.1.3), which double-submit cookies otherwise cannot prevent
	// (OWASP CSRF Prevention Cheat Sheet).
	CSRFCookieName string
}

// StateStore records the OAuth states already used, so that each works once
// (RFC 9700 section 4.7: a state must not be replayable). The default keeps
// them in memory, which suffices for one instance; several instances behind
// one load balancer share one, such as sqlstore's DB.OAuthStates.
// Implementations are safe for concurrent use.
type StateStore interface {
	// Use records key until expires and reports whether this is its first
	// use. Of concurrent calls with one key, exactly one gets true. key is
	// a hex SHA-256 digest, never a secret.
	Use(ctx context.Context, key string, expires time.Time) (first bool, err error)
}

// DefaultCSRFCookieName is FastAPI Users' name of the OAuth CSRF cookie.
const DefaultCSRFCookieName = "fastapiusersoauthcsrf"

// StateLifetime is how long an authorization request's state is accepted,
// as in FastAPI Users.
const StateLifetime = time.Hour

// reservedProviderNames are the path segments under /auth/ of the fixed
// routes: a provider may not take one.
var reservedProviderNames = map[string]bool{
	"associate": true, "register": true, "forgot-password": true, "reset-password": true,
	"request-verify-token": true, "verify": true,
}

// oauthSetup is the OAuth part of a UsersAuth.
type oauthSetup struct {
	providers       []*oauthRoute
	states          StateStore
	includeAccounts bool
	rand            io.Reader
	now             func() time.Time
}

// oauthRoute is one configured provider, checked and ready.
type oauthRoute struct {
	provider             oauth.Provider
	backend              *backend.Backend
	backendIndex         int // in UsersAuth.backends, for writeLogin
	redirectURL          string
	associateRedirectURL string
	associateByEmail     bool
	isVerifiedByDefault  bool
	stateTokens          auth.PurposeToken
	deriveKey            []byte // PKCE verifiers and nonces are derived with it
	origins              redirectOrigins
	cookieName           string
}

// newOAuth checks the OAuth options. It returns nil when OAuth is not
// configured.
func newOAuth[U user.Model](opts *Options[U], backends []backend.Backend, manager *user.Manager[U]) (*oauthSetup, error) {
	if len(opts.OAuth) == 0 && !opts.IncludeOAuthAccounts {
		return nil, nil
	}
	if !manager.SupportsOAuth() {
		return nil, errors.New("usersauth: OAuth needs a store that keeps OAuth accounts (user.OAuthStore)")
	}
	o := &oauthSetup{states: opts.OAuthStates, includeAccounts: opts.IncludeOAuthAccounts, rand: opts.Rand, now: opts.Now}
	if o.now == nil {
		o.now = time.Now
	}
	if o.states == nil {
		o.states = newMemoryStates(o.now, DefaultMaxStates)
	}
	seen := map[string]bool{}
	for i := range opts.OAuth {
		route, err := newOAuthRoute(&opts.OAuth[i], opts, backends)
		if err != nil {
			return nil, fmt.Errorf("usersauth: OAuth provider %d (%q): %w", i, opts.OAuth[i].Provider.Name, err)
		}
		name := route.provider.Name
		if seen[name] {
			return nil, fmt.Errorf("usersauth: two OAuth providers are named %q", name)
		}
		seen[name] = true
		o.providers = append(o.providers, route)
	}
	return o, nil
}

func newOAuthRoute[U user.Model](p *OAuthProvider, opts *Options[U], backends []backend.Backend) (*oauthRoute, error) {
	if err := p.Provider.Validate(); err != nil {
		return nil, err
	}
	name := p.Provider.Name
	if reservedProviderNames[name] {
		return nil, fmt.Errorf("the name %q is taken by a fixed route", name)
	}
	r := &oauthRoute{
		provider:             p.Provider,
		redirectURL:          p.RedirectURL,
		associateRedirectURL: p.AssociateRedirectURL,
		associateByEmail:     p.AssociateByEmail,
		isVerifiedByDefault:  p.IsVerifiedByDefault,
		cookieName:           p.CSRFCookieName,
	}
	for i := range backends {
		if backends[i].Name == name {
			return nil, fmt.Errorf("the name %q is a backend's: /auth/%s/ would serve both", name, name)
		}
		if backends[i].Name == p.Backend {
			r.backend, r.backendIndex = &backends[i], i
		}
	}
	if r.backend == nil {
		return nil, fmt.Errorf("no backend named %q", p.Backend)
	}
	if err := checkCallbackURL(p.RedirectURL); err != nil {
		return nil, fmt.Errorf("RedirectURL: %w", err)
	}
	if p.AssociateRedirectURL != "" {
		if err := checkCallbackURL(p.AssociateRedirectURL); err != nil {
			return nil, fmt.Errorf("AssociateRedirectURL: %w", err)
		}
	}
	secret := p.StateSecret
	if secret == nil {
		secret = opts.Secret
	}
	r.stateTokens = auth.PurposeToken{Secret: secret, Audience: auth.OAuthStateAudience, Lifetime: StateLifetime, Now: opts.Now}
	if err := r.stateTokens.Validate(); err != nil {
		return nil, fmt.Errorf("StateSecret: %w", err)
	}
	// The state secret signs states; a key derived from it, never the
	// secret itself, derives the verifiers (one key, one purpose: NIST SP
	// 800-57 Part 1 section 5.2).
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("usersauth oauth pkce and nonce derivation"))
	r.deriveKey = m.Sum(nil)
	var err error
	if r.origins, err = parseOrigins(p.AllowedRedirectOrigins); err != nil {
		return nil, fmt.Errorf("AllowedRedirectOrigins: %w", err)
	}
	if r.cookieName == "" {
		r.cookieName = DefaultCSRFCookieName
	}
	if err := (&http.Cookie{Name: r.cookieName, Value: "x", Path: "/"}).Valid(); err != nil {
		return nil, fmt.Errorf("CSRFCookieName: %w", err)
	}
	return r, nil
}

// checkCallbackURL accepts an absolute URL without fragment or user info:
// https, or http on a loopback host, so that codes never cross a network in
// clear (RFC 9700 section 2.6).
func checkCallbackURL(raw string) error {
	if raw == "" {
		return errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return errors.New("not an absolute URL without fragment or user info")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || net.ParseIP(h).IsLoopback() {
			return nil
		}
		return errors.New("plain http outside loopback")
	}
	return errors.New("scheme is not https")
}

// oauthRoute returns the configured provider with that name, or nil.
func (o *oauthSetup) route(name string) *oauthRoute {
	if o == nil {
		return nil
	}
	for _, r := range o.providers {
		if r.provider.Name == name {
			return r
		}
	}
	return nil
}
