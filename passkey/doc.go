// Package passkey is the relying party side of WebAuthn (Web Authentication
// Level 3, https://www.w3.org/TR/webauthn-3/): it registers passkeys and
// verifies sign-ins with them, on github.com/go-webauthn/webauthn. It is a
// protocol package like oauth: it knows no user store, no HTTP route and no
// session; the domain calls it with plain values and stores what it returns.
//
// A RelyingParty is built from a Config: the relying party id and the
// exact origins are configuration, never read from a request. Each
// ceremony has two steps. A Begin method returns a Ceremony: Options, the
// JSON the page gives to navigator.credentials.create or .get, and
// Session, opaque bytes the caller keeps on the server in a single-use,
// short-lived challenge store. The matching Finish method takes those
// bytes back with the browser's JSON answer and returns what to store:
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
// answer. The package checks that a session is finished as the ceremony it
// began as and before it expires, but not that it is finished only once:
// the caller's challenge store deletes it as it hands it out.
//
// Choices the specification leaves to the relying party:
//
//   - Credentials are discoverable (resident key required): one passkey
//     serves passwordless sign-in and the second factor alike.
//   - Attestation is "none", and attestation statements that do come are
//     verified but not judged against authenticator metadata.
//   - User verification is "preferred" unless Config says otherwise; an
//     Assertion reports whether the user was verified.
//   - A signature counter that does not increase, where one of the stored
//     and the received counters is not zero, is refused as a possible
//     clone (section 6.1.1; section 7.2 step 21 lets the relying party
//     fail the ceremony) with a *CloneError the caller logs. Passkeys that
//     sync between devices keep their counter at zero and are unaffected.
//   - The user handle is the 16 bytes of the user's id, a random UUID with
//     no personal data in it (section 14.6.1).
package passkey
