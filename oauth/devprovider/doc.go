// Package devprovider is an OpenID Connect provider for development and
// tests.
//
// NOT FOR PRODUCTION. IT AUTHENTICATES NOBODY: whoever reaches its
// authorization page logs in as any e-mail address they type, verified or
// not as they choose. Its keys and grants live in memory and die with the
// process. Run it on a loopback address only, never behind a public name.
//
// What it does implement faithfully is the protocol a real provider speaks,
// so an OAuth client can be tested end to end over real HTTP:
//
//   - discovery at /.well-known/openid-configuration (OpenID Connect
//     Discovery 1.0), with authorization_response_iss_parameter_supported
//     (RFC 9207);
//   - /authorize: the authorization code flow (RFC 6749 section 4.1) with
//     PKCE S256 required (RFC 7636), exact redirect URI match against the
//     client's registered list, and an HTML page where one types an e-mail,
//     ticks "e-mail verified" and submits, or refuses;
//   - /token: the authorization_code grant (single-use codes with a short
//     expiry; a replayed code revokes what it issued, RFC 6749 section
//     4.1.2) and the refresh_token grant (rotating refresh tokens), with
//     client_secret_basic, client_secret_post, or none for a public client;
//   - /jwks: the public half of a signing key generated at start (ES256 or
//     RS256), and of the previous one after RotateKey;
//   - /userinfo: the claims of a bearer access token.
//
// Account ids (sub) are stable per e-mail address, across restarts too.
//
// Tests skip the page with query parameters on the authorization request:
// login_hint=<e-mail> and auto=1 log in at once. With them, dev_error=<code>
// answers that error instead (dev_error=access_denied: the user refused),
// dev_email_verified=false makes the e-mail unverified, and dev_no_email=1
// leaves the e-mail out of the ID token and userinfo.
package devprovider
