package usersauth

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

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

// Errors of the state check, mapped to the contract's codes in errors.go.
var (
	// errStateUndecodable: not a state token of ours (bad signature,
	// malformed, another purpose): ACCESS_TOKEN_DECODE_ERROR.
	errStateUndecodable = errors.New("usersauth: OAuth state cannot be decoded")
	// errStateExpired: a genuine state past its exp:
	// ACCESS_TOKEN_ALREADY_EXPIRED.
	errStateExpired = errors.New("usersauth: OAuth state expired")
	// errInvalidState: the state is not bound to this browser (CSRF cookie
	// missing, repeated or different; no csrftoken in the state), was made
	// for another provider, or was used already: OAUTH_INVALID_STATE.
	errInvalidState = errors.New("usersauth: OAuth state invalid or used")
	// errStateOtherUser: an association state made for another user, or
	// for a sign-in: 400 Bad Request.
	errStateOtherUser = errors.New("usersauth: OAuth state made for another user")
)

// oauthState is a verified state token.
type oauthState struct {
	csrf     string
	sub      string
	provider string   // empty in FastAPI Users' states
	redirect *url.URL // the frontend redirect, nil without one
	expires  time.Time
}

// mintState returns a new CSRF token and the state carrying it.
func (p *oauthRoute) mintState(rand io.Reader, sub string, redirect *url.URL) (state, csrf string, err error) {
	if csrf, err = auth.RandomToken(rand); err != nil {
		return "", "", err
	}
	claims := map[string]any{claimCSRF: csrf, claimProvider: p.provider.Name}
	if sub != "" {
		claims["sub"] = sub
	}
	if redirect != nil {
		claims[claimRedirect] = redirect.String()
	}
	state, err = p.stateTokens.Sign(claims)
	return state, csrf, err
}

// readState verifies a state token. Its signature and expiry come first
// (errStateUndecodable, errStateExpired); a genuine state whose provider or
// redirect claim does not fit this route is errInvalidState, returned with
// the state but no redirect.
func (p *oauthRoute) readState(token string) (oauthState, error) {
	claims, err := p.stateTokens.Parse(token)
	if errors.Is(err, auth.ErrTokenExpired) {
		return oauthState{}, errStateExpired
	}
	if err != nil {
		return oauthState{}, errStateUndecodable
	}
	var st oauthState
	exp, _ := claims["exp"].(float64)
	st.expires = time.Unix(int64(exp), 0)
	st.csrf, _ = claims[claimCSRF].(string)
	st.sub, _ = claims["sub"].(string)
	if v, ok := claims[claimProvider]; ok {
		if st.provider, ok = v.(string); !ok || st.provider != p.provider.Name {
			return st, errInvalidState
		}
	}
	if v, ok := claims[claimRedirect]; ok {
		raw, _ := v.(string)
		// Checked again: the allow-list may have changed since.
		if st.redirect, err = p.origins.target(raw); err != nil {
			return st, errInvalidState
		}
	}
	return st, nil
}

// checkCSRF compares the state's csrftoken with the CSRF cookie, in
// constant time. Exactly one cookie of that name must be there: a second one
// is what a sibling subdomain would plant.
func (p *oauthRoute) checkCSRF(r *http.Request, st oauthState) error {
	cookies := r.CookiesNamed(p.cookieName)
	if len(cookies) != 1 || st.csrf == "" ||
		subtle.ConstantTimeCompare([]byte(cookies[0].Value), []byte(st.csrf)) != 1 {
		return errInvalidState
	}
	return nil
}

// csrfCookie is the cookie the authorize route sets to value, and the
// callback clears with maxAge -1: HttpOnly, Secure, SameSite=Lax (sent on the
// provider's top-level redirect back), Path=/, for the state's lifetime, as
// FastAPI Users writes it. Browsers accept Secure cookies from
// http://localhost too.
func (p *oauthRoute) csrfCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: p.cookieName, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// derive returns the PKCE verifier and, for an OpenID Connect provider, the
// nonce of the authorization whose state carries csrf.
func (p *oauthRoute) derive(csrf string) (oauth.PKCE, string, error) {
	pkce, err := oauth.DerivePKCE(p.deriveKey, csrf)
	if err != nil || p.provider.Issuer == "" {
		return pkce, "", err
	}
	nonce, err := oauth.DeriveNonce(p.deriveKey, csrf)
	return pkce, nonce, err
}
