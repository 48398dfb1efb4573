// Package oauth is the client side of OAuth 2.0 and OpenID Connect login: it
// sends a user to an identity provider, exchanges the code the provider sends
// back for tokens, and tells who the user is there (an account id, an e-mail
// and whether the provider verified that e-mail).
//
// A Provider is plain data: endpoints, client credentials, default scopes and
// where the identity is read from. GitHub and Google return ready-made ones;
// Discover builds one from an OpenID Connect issuer's discovery document.
// The protocol runs on golang.org/x/oauth2, with the current practice of
// RFC 9700 (OAuth 2.0 Security Best Current Practice) always on:
//
//   - PKCE with S256 on every authorization (RFC 7636): AuthCodeURL refuses
//     to build a URL without a verifier;
//   - the redirect URI given to AuthCodeURL must be given again, byte for
//     byte, to Exchange;
//   - for an OpenID Connect provider (Issuer set), the token response must
//     carry an ID token, which is verified (OpenID Connect Core 1.0 section
//     3.1.3.7) before anything in it or in the userinfo answer is trusted:
//     signature by a key of the configured JWKS only, its algorithm taken
//     from the key and limited to RS256, ES256 and EdDSA; iss, aud, azp,
//     exp, iat and nonce checked;
//   - every answer from a provider is read through a size limit, and every
//     exchange runs under a timeout.
//
// The package keeps no state between calls except the key cache a Provider
// may point to, and stores nothing: DerivePKCE and DeriveNonce compute the
// per-authorization secrets from a server secret and the CSRF token the
// state carries, so the callback can recompute them.
//
// HTTP requests use the *http.Client stored in the context under
// oauth2.HTTPClient, as golang.org/x/oauth2 does, or a client with
// DefaultTimeout when there is none.
package oauth
