// Package oauthflow is the browser side of OAuth sign-in, as FastAPI Users
// (v15) runs it: the signed state of an authorization request and the CSRF
// cookie it is bound to, the PKCE verifier and nonce derived from it, the
// allow-list of frontend redirects, the record of states already used, and
// the strict parsing of the authorize and callback query strings. The root
// package's handlers call it; the protocol itself (the code exchange, ID
// tokens) is the oauth package's.
package oauthflow

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/oauth"
)

// The state of an authorization request is FastAPI Users' (v15): an HS256
// token with the audience fastapi-users:oauth-state, an hour's exp, a
// csrftoken claim equal to a cookie set by the authorize route (the
// double-submit pattern that closes CVE-2025-68481: a state alone, taken from
// another browser, is refused), and sub, the user, for an association. Ours
// adds the provider's name (so a state works only with the provider it was
// made for, RFC 9700 section 4.4) and the frontend redirect. The csrftoken is
// also what the PKCE verifier and the nonce are derived from, so nothing is
// stored between authorize and callback.

// Claims of the state token.
const (
	claimCSRF     = "csrftoken"
	claimProvider = "oauth_name"
	claimRedirect = "redirect_to"
)

// DefaultCSRFCookieName is FastAPI Users' name of the CSRF cookie.
const DefaultCSRFCookieName = "fastapiusersoauthcsrf"

// StateLifetime is how long an authorization request's state is accepted,
// as in FastAPI Users.
const StateLifetime = time.Hour

// Errors of the state check; the root maps them to the contract's codes.
var (
	// ErrStateUndecodable: not a state token of ours (bad signature,
	// malformed, another purpose): ACCESS_TOKEN_DECODE_ERROR.
	ErrStateUndecodable = errors.New("oauthflow: OAuth state cannot be decoded")
	// ErrStateExpired: a genuine state past its exp:
	// ACCESS_TOKEN_ALREADY_EXPIRED.
	ErrStateExpired = errors.New("oauthflow: OAuth state expired")
	// ErrInvalidState: the state is not bound to this browser (CSRF cookie
	// missing, repeated or different; no csrftoken in the state), was made
	// for another provider, or was used already: OAUTH_INVALID_STATE.
	ErrInvalidState = errors.New("oauthflow: OAuth state invalid or used")
	// ErrStateOtherUser: an association state made for another user, or
	// for a sign-in: 400 Bad Request.
	ErrStateOtherUser = errors.New("oauthflow: OAuth state made for another user")
)

// StateStore records the states already used; see usersauth.StateStore.
type StateStore interface {
	Use(ctx context.Context, key string, expires time.Time) (first bool, err error)
}

// Config is what a Flow is made of: one provider's configuration.
type Config struct {
	Provider oauth.Provider
	// RedirectURL and AssociateRedirectURL (optional) are the absolute
	// callback URLs registered at the provider.
	RedirectURL, AssociateRedirectURL string
	// StateSecret signs states and keys the derivation of verifiers; at
	// least auth.MinSecretLength bytes.
	StateSecret []byte
	// AllowedRedirectOrigins are the origins redirect_to may name.
	AllowedRedirectOrigins []string
	// CSRFCookieName; "" means DefaultCSRFCookieName.
	CSRFCookieName string
	// Now is the clock of the states; nil means time.Now.
	Now func() time.Time
}

// Flow is one provider's browser flow, checked and ready. It is safe for
// concurrent use.
type Flow struct {
	provider             oauth.Provider
	redirectURL          string
	associateRedirectURL string
	stateTokens          auth.PurposeToken
	deriveKey            []byte // PKCE verifiers and nonces are derived with it
	origins              Origins
	cookieName           string
}

// New checks cfg and returns its Flow.
func New(cfg Config) (*Flow, error) {
	if err := cfg.Provider.Validate(); err != nil {
		return nil, err
	}
	f := &Flow{
		provider:             cfg.Provider,
		redirectURL:          cfg.RedirectURL,
		associateRedirectURL: cfg.AssociateRedirectURL,
		cookieName:           cfg.CSRFCookieName,
	}
	if err := CheckCallbackURL(cfg.RedirectURL); err != nil {
		return nil, fmt.Errorf("RedirectURL: %w", err)
	}
	if cfg.AssociateRedirectURL != "" {
		if err := CheckCallbackURL(cfg.AssociateRedirectURL); err != nil {
			return nil, fmt.Errorf("AssociateRedirectURL: %w", err)
		}
	}
	f.stateTokens = auth.PurposeToken{Secret: cfg.StateSecret, Audience: auth.OAuthStateAudience, Lifetime: StateLifetime, Now: cfg.Now}
	if err := f.stateTokens.Validate(); err != nil {
		return nil, fmt.Errorf("StateSecret: %w", err)
	}
	// The state secret signs states; a key derived from it, never the
	// secret itself, derives the verifiers (one key, one purpose: NIST SP
	// 800-57 Part 1 section 5.2).
	m := hmac.New(sha256.New, cfg.StateSecret)
	m.Write([]byte("usersauth oauth pkce and nonce derivation"))
	f.deriveKey = m.Sum(nil)
	var err error
	if f.origins, err = ParseOrigins(cfg.AllowedRedirectOrigins); err != nil {
		return nil, fmt.Errorf("AllowedRedirectOrigins: %w", err)
	}
	if f.cookieName == "" {
		f.cookieName = DefaultCSRFCookieName
	}
	if err := (&http.Cookie{Name: f.cookieName, Value: "x", Path: "/"}).Valid(); err != nil {
		return nil, fmt.Errorf("CSRFCookieName: %w", err)
	}
	return f, nil
}

// Provider is the flow's identity provider.
func (f *Flow) Provider() oauth.Provider { return f.provider }

// RedirectURL is the sign-in callback URL registered at the provider.
func (f *Flow) RedirectURL() string { return f.redirectURL }

// AssociateRedirectURL is the association callback URL, "" when the
// association routes are off.
func (f *Flow) AssociateRedirectURL() string { return f.associateRedirectURL }

// RedirectsAllowed reports whether the authorize route takes ?redirect_to=:
// some origin is allowed.
func (f *Flow) RedirectsAllowed() bool { return len(f.origins) > 0 }

// CSRFCookieName is the name of the cookie the state is bound to.
func (f *Flow) CSRFCookieName() string { return f.cookieName }

// CheckCallbackURL accepts an absolute URL without fragment or user info:
// https, or http on a loopback host, so that codes never cross a network in
// clear (RFC 9700 section 2.6).
func CheckCallbackURL(raw string) error {
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

// State is a verified state token.
type State struct {
	CSRF     string
	Sub      string
	Provider string   // empty in FastAPI Users' states
	Redirect *url.URL // the frontend redirect, nil without one
	Expires  time.Time
}

// Authorization is what the authorize route answers and sets: the
// provider's URL, and the CSRF cookie's value.
type Authorization struct {
	URL  string
	CSRF string
}

// Authorize mints a state for sub ("" for a sign-in, the user's id for an
// association) and the optional frontend redirect, and returns the
// provider's authorization URL carrying it.
func (f *Flow) Authorize(rand io.Reader, associate bool, sub string, q AuthorizeQuery) (Authorization, error) {
	state, csrf, err := f.MintState(rand, sub, q.Redirect)
	if err != nil {
		return Authorization{}, err
	}
	pkce, nonce, err := f.Derive(csrf)
	if err != nil {
		return Authorization{}, err
	}
	redirectURL := f.redirectURL
	if associate {
		redirectURL = f.associateRedirectURL
	}
	authURL, err := f.provider.AuthCodeURL(redirectURL, state, pkce, nonce, q.Scopes)
	if err != nil {
		return Authorization{}, err
	}
	return Authorization{URL: authURL, CSRF: csrf}, nil
}

// MintState returns a new CSRF token and the state carrying it, for sub ("" for
// a sign-in) and the optional frontend redirect.
func (f *Flow) MintState(rand io.Reader, sub string, redirect *url.URL) (state, csrf string, err error) {
	if csrf, err = auth.RandomToken(rand); err != nil {
		return "", "", err
	}
	claims := []auth.Claim{{Name: claimCSRF, Value: csrf}}
	if sub != "" {
		claims = append(claims, auth.Claim{Name: "sub", Value: sub})
	}
	claims = append(claims, auth.Claim{Name: claimProvider, Value: f.provider.Name})
	if redirect != nil {
		claims = append(claims, auth.Claim{Name: claimRedirect, Value: redirect.String()})
	}
	state, err = f.stateTokens.Sign(claims...)
	return state, csrf, err
}

// readState verifies a state token. Its signature and expiry come first
// (ErrStateUndecodable, ErrStateExpired); a genuine state whose provider or
// redirect claim does not fit this flow is ErrInvalidState, returned with
// the state but no redirect.
func (f *Flow) readState(token string) (State, error) {
	claims, err := f.stateTokens.Parse(token)
	if errors.Is(err, auth.ErrTokenExpired) {
		return State{}, ErrStateExpired
	}
	if err != nil {
		return State{}, ErrStateUndecodable
	}
	var st State
	exp, _ := claims["exp"].(float64)
	st.Expires = time.Unix(int64(exp), 0)
	st.CSRF, _ = claims[claimCSRF].(string)
	st.Sub, _ = claims["sub"].(string)
	if v, ok := claims[claimProvider]; ok {
		if st.Provider, ok = v.(string); !ok || st.Provider != f.provider.Name {
			return st, ErrInvalidState
		}
	}
	if v, ok := claims[claimRedirect]; ok {
		raw, _ := v.(string)
		// Checked again: the allow-list may have changed since.
		if st.Redirect, err = f.origins.Target(raw); err != nil {
			return st, ErrInvalidState
		}
	}
	return st, nil
}

// checkCSRF compares the state's csrftoken with the CSRF cookie, in
// constant time. Exactly one cookie of that name must be there: a second one
// is what a sibling subdomain would plant.
func (f *Flow) checkCSRF(r *http.Request, st State) error {
	cookies := r.CookiesNamed(f.cookieName)
	if len(cookies) != 1 || st.CSRF == "" ||
		subtle.ConstantTimeCompare([]byte(cookies[0].Value), []byte(st.CSRF)) != 1 {
		return ErrInvalidState
	}
	return nil
}

// CSRFCookie is the cookie the authorize route sets to value, and a callback
// clears with maxAge -1: HttpOnly, Secure, SameSite=Lax (sent on the
// provider's top-level redirect back), Path=/, for the state's lifetime, as
// FastAPI Users writes it. Browsers accept Secure cookies from
// http://localhost too.
func (f *Flow) CSRFCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: f.cookieName, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// Derive returns the PKCE verifier and, for an OpenID Connect provider, the
// nonce of the authorization whose state carries csrf.
func (f *Flow) Derive(csrf string) (oauth.PKCE, string, error) {
	pkce, err := oauth.DerivePKCE(f.deriveKey, csrf)
	if err != nil || f.provider.Issuer == "" {
		return pkce, "", err
	}
	nonce, err := oauth.DeriveNonce(f.deriveKey, csrf)
	return pkce, nonce, err
}

// Callback is a provider's redirect back, as far as it was checked.
type Callback struct {
	// Code is the authorization code, set when every check passed.
	Code string
	// State is the verified state.
	State State
	// Redirect is the state's frontend redirect once the state is known
	// genuine, where a failure is then reported; nil otherwise.
	Redirect *url.URL
	// CSRFMatched reports that the state matched this browser's CSRF
	// cookie: only then may the answer clear the cookie. A stray or forged
	// callback must not break the genuine one of the same sign-in.
	CSRFMatched bool
}

// ErrReplayed is returned, wrapping ErrInvalidState, for a genuine state that
// was used before: the caller logs it as a security event.
var ErrReplayed = fmt.Errorf("%w: replayed", ErrInvalidState)

// ReadCallback checks the provider's redirect back in the contract's order:
// the provider's error or a missing code, the state's signature and expiry,
// the CSRF cookie, the provider, for an association the user (userID not
// nil), and last, that the state was not used before, which records its use
// in states.
func (f *Flow) ReadCallback(r *http.Request, states StateStore, userID *uuid.UUID) (Callback, error) {
	q, err := ParseCallbackQuery(r.URL.RawQuery)
	if err != nil {
		return Callback{}, err
	}
	code, _, cbErr := f.provider.ParseCallback(q)
	st, stErr := State{}, ErrStateUndecodable
	if raw := q.Get("state"); raw != "" {
		st, stErr = f.readState(raw)
	}
	cb := Callback{State: st, Redirect: st.Redirect}
	switch {
	case cbErr != nil:
		return cb, cbErr
	case stErr != nil:
		return cb, stErr
	}
	if err := f.checkCSRF(r, st); err != nil {
		return cb, err
	}
	cb.CSRFMatched = true
	if userID != nil {
		if sub, err := uuid.Parse(st.Sub); err != nil || sub != *userID {
			return cb, ErrStateOtherUser
		}
	}
	first, err := states.Use(r.Context(), auth.TokenDigest(st.CSRF), st.Expires)
	if err != nil {
		return cb, err
	}
	if !first {
		return cb, ErrReplayed
	}
	cb.Code = code
	return cb, nil
}
