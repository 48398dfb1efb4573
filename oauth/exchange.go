package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Token is what the provider granted: what an OAuth account row keeps to
// call the provider's API on the user's behalf later.
type Token struct {
	// AccessToken authorizes calls to the provider's API.
	AccessToken string
	// TokenType is the provider's token_type, usually "Bearer".
	TokenType string
	// RefreshToken obtains a new access token with Refresh; empty when the
	// provider issued none.
	RefreshToken string
	// Expiry is when AccessToken expires, by the Provider's clock; zero
	// when the provider did not say.
	Expiry time.Time
	// IDToken is the raw OpenID Connect ID token, set by Exchange only
	// after it was verified; a host may keep it as the id_token_hint of a
	// logout. Refresh leaves it empty.
	IDToken string
}

// Identity is who the user is at the provider.
type Identity struct {
	// AccountID is the provider's stable id of the account (OpenID sub,
	// GitHub's numeric id): what an OAuth account is looked up by, never
	// the e-mail, which can change hands.
	AccountID string
	// Email is the account's e-mail address as the provider gave it.
	Email string
	// EmailVerified reports that the provider verified Email. Only then may
	// a login through this provider be linked to an existing user with that
	// address.
	EmailVerified bool
}

// Exchange redeems code, the authorization code of a callback (see
// ParseCallback), at the token endpoint with the PKCE verifier and the very
// redirectURI given to AuthCodeURL, then reads the user's identity. For an
// OpenID Connect provider the ID token is verified first, with nonce, the
// one given to AuthCodeURL, and nothing is trusted before.
//
// Errors: a *ProviderError when the provider refused the code
// (invalid_grant for a code already used, expired, or a verifier that does
// not match); ErrInvalidIDToken; ErrNoEmail, returned together with the
// token and the identity, whose AccountID is set; ErrInvalidProvider for
// bad arguments; ErrBadResponse or a transport error otherwise.
func (p *Provider) Exchange(ctx context.Context, code, redirectURI string, pkce PKCE, nonce string) (*Token, Identity, error) {
	if err := p.checkFlow(redirectURI, pkce, nonce); err != nil {
		return nil, Identity{}, err
	}
	if code == "" {
		return nil, Identity{}, ErrMissingCode
	}
	ctx, cancel := p.withClient(ctx)
	defer cancel()
	ot, err := p.config(redirectURI, nil).Exchange(ctx, code, oauth2.VerifierOption(pkce.Verifier))
	if err != nil {
		return nil, Identity{}, tokenError(err)
	}
	tok := p.token(ot)
	var claims *idClaims
	if p.Issuer != "" {
		raw, _ := ot.Extra("id_token").(string)
		if raw == "" {
			return nil, Identity{}, fmt.Errorf("%w: the token response has none", ErrInvalidIDToken)
		}
		if claims, err = p.verifyIDToken(ctx, raw, nonce); err != nil {
			return nil, Identity{}, err
		}
		tok.IDToken = raw
	}
	var id Identity
	switch p.Identity {
	case IdentityGitHub:
		id, err = p.githubIdentity(ctx, tok.AccessToken)
	default:
		id, err = p.oidcIdentity(ctx, tok.AccessToken, claims)
	}
	if err != nil {
		return nil, Identity{}, err
	}
	if id.Email == "" {
		return tok, id, ErrNoEmail
	}
	return tok, id, nil
}

// Refresh obtains a new access token with refreshToken (RFC 6749 section 6).
// The returned token keeps refreshToken when the provider issued no new one.
// Errors are as for Exchange.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, fmt.Errorf("%w: empty refresh token", ErrInvalidProvider)
	}
	ctx, cancel := p.withClient(ctx)
	defer cancel()
	ot, err := p.config("", nil).TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, tokenError(err)
	}
	return p.token(ot), nil
}

// token converts x/oauth2's token, computing the expiry with p's clock.
func (p *Provider) token(ot *oauth2.Token) *Token {
	t := &Token{AccessToken: ot.AccessToken, TokenType: ot.Type(), RefreshToken: ot.RefreshToken, Expiry: ot.Expiry}
	if ot.ExpiresIn > 0 {
		t.Expiry = p.now().Add(time.Duration(ot.ExpiresIn) * time.Second)
	}
	return t
}

// tokenError turns a token endpoint failure into a *ProviderError. The
// provider's body is dropped: it is not ours to log.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		pe := &ProviderError{Code: re.ErrorCode, Description: re.ErrorDescription, URI: re.ErrorURI}
		if re.Response != nil {
			pe.StatusCode = re.Response.StatusCode
		}
		return pe
	}
	return fmt.Errorf("oauth: token request: %w", err)
}
