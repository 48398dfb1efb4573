// Package webauthn is the relying party of package passkey on
// github.com/go-webauthn/webauthn: New builds a passkey.RelyingParty from a
// Config, the relying party id, name and exact origins, never anything read
// from a request. A host imports it to turn passkeys on; a host that does
// not links no WebAuthn library, since the root package and the domain
// name only package passkey's interface.
//
//	rp, err := webauthn.New(webauthn.Config{
//		RPID:    "example.com",
//		RPName:  "Camelot",
//		Origins: []string{"https://example.com"},
//	})
//	opts.Passkeys = rp // usersauth.Options
//
// The Finish methods verify what WebAuthn Level 3 sections 7.1 and 7.2 ask
// and report each refusal with package passkey's sentinel errors, whose
// text never quotes the browser's answer. Choices the specification leaves
// to the relying party:
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
//     fail the ceremony) with a *passkey.CloneError the caller logs.
//     Passkeys that sync between devices keep their counter at zero and
//     are unaffected.
//   - The user handle is the 16 bytes of the user's id, a random UUID with
//     no personal data in it (section 14.6.1).
//   - Session data is an unsigned JSON envelope with its own expiry, kept
//     by the caller on the server; it never travels through the browser.
package webauthn
