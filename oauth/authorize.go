package oauth

import (
	"fmt"
	"net/url"

	"golang.org/x/oauth2"
)

// AuthCodeURL returns the URL of the provider's authorization page for one
// login: response_type=code, the client id, redirectURI, state, the S256
// challenge of pkce and, for an OpenID Connect provider, nonce. scopes nil
// means p.Scopes. opts add parameters such as oauth2.SetAuthURLParam("prompt",
// "select_account").
//
// redirectURI must be an absolute URL without fragment (RFC 6749 section
// 3.1.2), registered with the provider, and given again unchanged to
// Exchange. state must be unguessable and bound to the browser (the caller's
// signed state with its CSRF token). nonce is required when p.Issuer is set.
// The error wraps ErrInvalidProvider.
func (p *Provider) AuthCodeURL(redirectURI, state string, pkce PKCE, nonce string, scopes []string, opts ...oauth2.AuthCodeOption) (string, error) {
	if err := p.checkFlow(redirectURI, pkce, nonce); err != nil {
		return "", err
	}
	if state == "" {
		return "", fmt.Errorf("%w: empty state", ErrInvalidProvider)
	}
	opts = append(opts[:len(opts):len(opts)], oauth2.S256ChallengeOption(pkce.Verifier))
	if nonce != "" {
		opts = append(opts, oauth2.SetAuthURLParam("nonce", nonce))
	}
	return p.config(redirectURI, scopes).AuthCodeURL(state, opts...), nil
}

// checkFlow checks what AuthCodeURL and Exchange share: a usable provider,
// redirect URI, verifier and nonce.
func (p *Provider) checkFlow(redirectURI string, pkce PKCE, nonce string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	u, err := url.Parse(redirectURI)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.RawFragment != "" {
		return fmt.Errorf("%w: redirect URI must be absolute, without fragment", ErrInvalidProvider)
	}
	if err := pkce.Validate(); err != nil {
		return err
	}
	if p.Issuer != "" && nonce == "" {
		return fmt.Errorf("%w: %s is an OpenID Connect provider: a nonce is required", ErrInvalidProvider, p.Name)
	}
	return nil
}

// ParseCallback reads the provider's redirect back to the application
// (RFC 6749 section 4.1.2), whose query is q. It returns the code and the
// state, to be checked by the caller before Exchange; a *ProviderError when
// the provider reports an error (access_denied when the user refused);
// ErrMissingCode when there is neither; and ErrIssuerMismatch when the
// response names an iss (RFC 9207) other than p.Issuer, the sign of a mix-up
// attack in which another provider's code is injected.
//
// A parameter sent twice is refused as ambiguous (RFC 6749 section 3.1).
func (p *Provider) ParseCallback(q url.Values) (code, state string, err error) {
	for _, k := range [...]string{"code", "state", "error", "error_description", "error_uri", "iss"} {
		if len(q[k]) > 1 {
			return "", "", fmt.Errorf("%w: parameter %s repeated", ErrMissingCode, k)
		}
	}
	if iss := q.Get("iss"); iss != "" && p.Issuer != "" && !p.issuerMatches(iss) {
		return "", "", fmt.Errorf("%w: authorization response", ErrIssuerMismatch)
	}
	if e := q.Get("error"); e != "" {
		return "", "", &ProviderError{Code: e, Description: q.Get("error_description"), URI: q.Get("error_uri")}
	}
	code = q.Get("code")
	if code == "" {
		return "", "", ErrMissingCode
	}
	return code, q.Get("state"), nil
}

func (p *Provider) issuerMatches(iss string) bool {
	if iss == p.Issuer {
		return true
	}
	for _, a := range p.IssuerAliases {
		if iss == a {
			return true
		}
	}
	return false
}
