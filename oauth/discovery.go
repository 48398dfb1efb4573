package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// discoveryDocument is the part of an OpenID Provider's metadata we read
// (OpenID Connect Discovery 1.0 section 3, RFC 8414 section 2).
type discoveryDocument struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserInfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	ScopesSupported       []string `json:"scopes_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	IDTokenAlgs           []string `json:"id_token_signing_alg_values_supported"`
}

// Discover builds the Provider of an OpenID Connect issuer from its discovery
// document, GET {issuer}/.well-known/openid-configuration, for the client
// with the given credentials. The document must name exactly issuer as its
// issuer (ErrIssuerMismatch otherwise: OpenID Connect Discovery 1.0 section
// 4.3), give https endpoints (http only on a loopback host), and, when it
// lists them, support PKCE S256 and an ID token algorithm of RS256, ES256 or
// EdDSA.
//
// The Provider reads the identity from the ID token and userinfo, asks for
// the scopes openid and email, authenticates at the token endpoint with
// client_secret_basic when offered (the default of the specification) and
// client_secret_post otherwise, and has its own KeyCache. Its Name is empty:
// set it before use.
func Discover(ctx context.Context, issuer, clientID, clientSecret string) (Provider, error) {
	if err := checkEndpoint(issuer); err != nil {
		return Provider{}, fmt.Errorf("%w: issuer: %v", ErrInvalidProvider, err)
	}
	if u, _ := url.Parse(issuer); u.RawQuery != "" {
		return Provider{}, fmt.Errorf("%w: issuer with a query", ErrInvalidProvider)
	}
	p := Provider{ClientID: clientID, ClientSecret: clientSecret}
	ctx, cancel := p.withClient(ctx)
	defer cancel()
	body, err := getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", "")
	if err != nil {
		return Provider{}, fmt.Errorf("oauth: discovery: %w", err)
	}
	doc, err := parseDiscovery(body, issuer)
	if err != nil {
		return Provider{}, err
	}
	p.Issuer = doc.Issuer
	p.AuthURL = doc.AuthorizationEndpoint
	p.TokenURL = doc.TokenEndpoint
	p.UserInfoURL = doc.UserInfoEndpoint
	p.JWKSURL = doc.JWKSURI
	p.Identity = IdentityOIDC
	p.Keys = new(KeyCache)
	p.Scopes = []string{"openid"}
	if doc.ScopesSupported == nil || slices.Contains(doc.ScopesSupported, "email") {
		p.Scopes = append(p.Scopes, "email")
	}
	switch {
	case clientSecret == "":
		p.AuthStyle = oauth2.AuthStyleInParams // a public client sends its id alone
	case doc.TokenAuthMethods == nil || slices.Contains(doc.TokenAuthMethods, "client_secret_basic"):
		p.AuthStyle = oauth2.AuthStyleInHeader
	case slices.Contains(doc.TokenAuthMethods, "client_secret_post"):
		p.AuthStyle = oauth2.AuthStyleInParams
	default:
		return Provider{}, fmt.Errorf("%w: the issuer offers neither client_secret_basic nor client_secret_post", ErrInvalidProvider)
	}
	return p, nil
}

// parseDiscovery decodes and checks a discovery document for issuer.
func parseDiscovery(body []byte, issuer string) (*discoveryDocument, error) {
	var doc discoveryDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: discovery document is not the expected JSON object", ErrBadResponse)
	}
	if doc.Issuer != issuer {
		return nil, fmt.Errorf("%w: discovery document", ErrIssuerMismatch)
	}
	for _, e := range []struct {
		name, url string
		required  bool
	}{
		{"authorization_endpoint", doc.AuthorizationEndpoint, true},
		{"token_endpoint", doc.TokenEndpoint, true},
		{"jwks_uri", doc.JWKSURI, true},
		{"userinfo_endpoint", doc.UserInfoEndpoint, false},
	} {
		if e.url == "" && !e.required {
			continue
		}
		if e.url == "" {
			return nil, fmt.Errorf("%w: discovery document without %s", ErrBadResponse, e.name)
		}
		if err := checkEndpoint(e.url); err != nil {
			return nil, fmt.Errorf("%w: discovery document: %s: %v", ErrBadResponse, e.name, err)
		}
	}
	if doc.CodeChallengeMethods != nil && !slices.Contains(doc.CodeChallengeMethods, "S256") {
		return nil, fmt.Errorf("%w: the issuer does not support PKCE S256", ErrInvalidProvider)
	}
	if doc.IDTokenAlgs != nil && !slices.ContainsFunc(doc.IDTokenAlgs, func(a string) bool {
		return a == algRS256 || a == algES256 || a == algEdDSA
	}) {
		return nil, fmt.Errorf("%w: the issuer signs ID tokens with no algorithm we accept", ErrInvalidProvider)
	}
	return &doc, nil
}
