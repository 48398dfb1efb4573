// Package passkey is the contract between usersauth and a WebAuthn relying
// party (Web Authentication Level 3, https://www.w3.org/TR/webauthn-3/):
// the plain values a ceremony takes and returns (User, Credential,
// Ceremony, Assertion, Lookup), the RelyingParty interface that runs the
// ceremonies, and the sentinel errors of every refusal. It imports no
// WebAuthn library, so that the root package and the domain can name
// passkeys without a host that does not use them linking one: the
// implementation on github.com/go-webauthn/webauthn is the sub-package
// passkey/webauthn, which a host imports to turn passkeys on.
//
//	rp, err := webauthn.New(webauthn.Config{RPID: "localhost", RPName: "Camelot", Origins: []string{"http://localhost:8000"}})
//	opts.Passkeys = rp // usersauth.Options
//
// Like oauth, it is a protocol package: it knows no user store, no HTTP
// route and no session. Each ceremony has two steps. A Begin method returns
// a Ceremony: Options, the JSON the page gives to
// navigator.credentials.create or .get, and Session, opaque bytes the
// caller keeps on the server in a single-use, short-lived challenge store.
// The matching Finish method takes those bytes back with the browser's JSON
// answer and returns what to store:
//
//	c, err := rp.BeginRegistration(passkey.User{ID: u.ID, Name: u.Email, Credentials: existing})
//	// store c.Session under a ticket until c.Expires; answer c.Options
//	cred, err := rp.FinishRegistration(u.ID, session, body) // store cred
//
//	c, err := rp.BeginLogin()                               // passwordless
//	a, err := rp.FinishLogin(ctx, session, body, lookup)    // a.UserID signed in
//
//	c, err := rp.BeginLoginFor(passkey.User{ID: u.ID, Credentials: creds}) // second factor
//	a, err := rp.FinishLoginFor(ctx, u.ID, session, body, lookup)
//
// The Finish methods verify what WebAuthn Level 3 sections 7.1 and 7.2 ask
// and report each refusal with its own sentinel error (ErrOrigin,
// ErrChallenge, ErrSignature...), whose text never quotes the browser's
// answer. They check that a session is finished as the ceremony it began as
// and before it expires, but not that it is finished only once: the
// caller's challenge store deletes it as it hands it out.
package passkey
