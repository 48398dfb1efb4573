package usersauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/usersauth/usersauth/internal/oauthflow"
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

	// AllowUnverifiedEmail lets a first sign-in create a user with an
	// e-mail the provider says it did not verify, as FastAPI Users does. Off
	// by default (ours): such a sign-up is refused with
	// OAUTH_NOT_AVAILABLE_EMAIL, since whoever controls the provider's
	// account could otherwise claim an address that is not theirs before its
	// owner registers ("pre-account takeover"). Accounts already linked sign
	// in either way.
	AllowUnverifiedEmail bool

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
const DefaultCSRFCookieName = oauthflow.DefaultCSRFCookieName

// StateLifetime is how long an authorization request's state is accepted,
// as in FastAPI Users.
const StateLifetime = oauthflow.StateLifetime

// DefaultMaxStates bounds the in-memory record of used OAuth states: about
// 65 000 sign-ins within a state's lifetime, a few MiB.
const DefaultMaxStates = oauthflow.DefaultMaxStates

// reservedProviderNames are the path segments under /auth/ of the fixed
// routes: a provider may not take one.
var reservedProviderNames = map[string]bool{
	"associate": true, "register": true, "forgot-password": true, "reset-password": true,
	"request-verify-token": true, "verify": true,
}

// oauthSetup is the OAuth part of a UsersAuth.
type oauthSetup struct {
	providers       []*oauthProvider
	states          StateStore
	includeAccounts bool
	rand            io.Reader
}

// oauthProvider is one configured provider, checked and ready: its browser
// flow, the backend its sign-ins get a session of, and how accounts link.
type oauthProvider struct {
	flow                *oauthflow.Flow
	backend             *mounted
	associateByEmail    bool
	isVerifiedByDefault bool
	allowUnverified     bool
}

func (p *oauthProvider) name() string { return p.flow.Provider().Name }

// newOAuth checks the OAuth options. It returns nil when OAuth is not
// configured.
func newOAuth[U user.Model](opts *Options[U], backends []*mounted, manager *user.Manager[U]) (*oauthSetup, error) {
	if len(opts.OAuth) == 0 && !opts.IncludeOAuthAccounts {
		return nil, nil
	}
	if !manager.SupportsOAuth() {
		return nil, errors.New("usersauth: OAuth needs a store that keeps OAuth accounts (user.OAuthStore)")
	}
	o := &oauthSetup{states: opts.OAuthStates, includeAccounts: opts.IncludeOAuthAccounts, rand: opts.Rand}
	if o.states == nil {
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		o.states = oauthflow.NewMemoryStates(now, DefaultMaxStates)
	}
	seen := map[string]bool{}
	for i := range opts.OAuth {
		p, err := newOAuthProvider(&opts.OAuth[i], opts, backends)
		if err != nil {
			return nil, fmt.Errorf("usersauth: OAuth provider %d (%q): %w", i, opts.OAuth[i].Provider.Name, err)
		}
		if seen[p.name()] {
			return nil, fmt.Errorf("usersauth: two OAuth providers are named %q", p.name())
		}
		seen[p.name()] = true
		o.providers = append(o.providers, p)
	}
	return o, nil
}

func newOAuthProvider[U user.Model](p *OAuthProvider, opts *Options[U], backends []*mounted) (*oauthProvider, error) {
	if err := p.Provider.Validate(); err != nil {
		return nil, err
	}
	name := p.Provider.Name
	if reservedProviderNames[name] {
		return nil, fmt.Errorf("the name %q is taken by a fixed route", name)
	}
	out := &oauthProvider{associateByEmail: p.AssociateByEmail, isVerifiedByDefault: p.IsVerifiedByDefault, allowUnverified: p.AllowUnverifiedEmail}
	for _, m := range backends {
		if m.Name == name {
			return nil, fmt.Errorf("the name %q is a backend's: /auth/%s/ would serve both", name, name)
		}
		if m.Name == p.Backend {
			out.backend = m
		}
	}
	if out.backend == nil {
		return nil, fmt.Errorf("no backend named %q", p.Backend)
	}
	secret := p.StateSecret
	if secret == nil {
		secret = opts.Secret
	}
	flow, err := oauthflow.New(oauthflow.Config{
		Provider: p.Provider, RedirectURL: p.RedirectURL, AssociateRedirectURL: p.AssociateRedirectURL,
		StateSecret: secret, AllowedRedirectOrigins: p.AllowedRedirectOrigins, CSRFCookieName: p.CSRFCookieName,
		Now: opts.Now,
	})
	if err != nil {
		return nil, err
	}
	out.flow = flow
	return out, nil
}

// provider returns the configured provider with that name, or nil.
func (o *oauthSetup) provider(name string) *oauthProvider {
	if o == nil {
		return nil
	}
	for _, p := range o.providers {
		if p.name() == name {
			return p
		}
	}
	return nil
}
