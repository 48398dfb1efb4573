package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Authenticator is a virtual WebAuthn authenticator of a tab (the DevTools
// protocol's WebAuthn domain): the browser answers navigator.credentials
// with it instead of a real device, without any prompt.
type Authenticator struct {
	ctx context.Context
	ID  webauthn.AuthenticatorID
}

// AddAuthenticator adds to the tab of ctx a virtual platform authenticator
// as a passkey provider is one: CTAP 2.1 over the internal transport, with
// resident (discoverable) keys, user verification that succeeds, and user
// presence confirmed at once.
func AddAuthenticator(t testing.TB, ctx context.Context) *Authenticator {
	t.Helper()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		Fatal(t, "WebAuthn.enable", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		Fatal(t, "WebAuthn.addVirtualAuthenticator", err)
	}
	return &Authenticator{ctx: ctx, ID: res.AuthenticatorID}
}

// Credentials returns the credentials the authenticator holds, with their
// user handles and signature counters.
func (a *Authenticator) Credentials(t testing.TB) []*webauthn.Credential {
	t.Helper()
	res, err := chromedp.Call(a.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: a.ID})
	if err != nil {
		Fatal(t, "WebAuthn.getCredentials", err)
	}
	return res.Credentials
}

// Clear removes every credential from the authenticator, as a user who
// deletes a passkey on the device does.
func (a *Authenticator) Clear(t testing.TB) {
	t.Helper()
	if _, err := chromedp.Call(a.ctx, webauthn.ClearCredentials, webauthn.ClearCredentialsParams{AuthenticatorID: a.ID}); err != nil {
		Fatal(t, "WebAuthn.clearCredentials", err)
	}
}
