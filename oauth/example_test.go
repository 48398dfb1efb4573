package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
)

// Example runs a whole login: the authorize step builds the provider's URL,
// the browser logs in there, and the callback step exchanges the code for
// the user's identity. The development provider stands in for Google or
// GitHub.
func Example() {
	const redirectURI = "http://127.0.0.1:8000/auth/dev/callback"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	issuer := "http://" + ln.Addr().String()
	dev, err := devprovider.New(devprovider.Config{
		Issuer:  issuer,
		Clients: []devprovider.Client{{ID: "my-app", Secret: "my-app-secret", RedirectURIs: []string{redirectURI}}},
	})
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: dev}
	go srv.Serve(ln)
	defer srv.Close()

	ctx := context.Background()
	p, err := oauth.Discover(ctx, issuer, "my-app", "my-app-secret")
	if err != nil {
		panic(err)
	}
	p.Name = "dev"

	// Authorize: a fresh CSRF token per login goes in the signed state and
	// in a cookie; the PKCE verifier and the nonce derive from it, so
	// nothing is stored.
	secret := []byte("server-secret-of-at-least-32-bytes!")
	csrf := "eQYaCak-gPV9h6pI51Pau_orcIVP9Ub2WCgZCJDW0Eg"
	pkce, _ := oauth.DerivePKCE(secret, csrf)
	nonce, _ := oauth.DeriveNonce(secret, csrf)
	authURL, err := p.AuthCodeURL(redirectURI, "signed-state-carrying-the-csrf-token", pkce, nonce, nil,
		// The development provider's switch to skip its login page.
		oauth2.SetAuthURLParam("login_hint", "king.arthur@camelot.bt"), oauth2.SetAuthURLParam("auto", "1"))
	if err != nil {
		panic(err)
	}

	// The browser logs in and comes back to the redirect URI.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authURL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	callback, _ := url.Parse(resp.Header.Get("Location"))

	// Callback: check the state and the CSRF cookie (not shown), derive the
	// verifier and nonce again, and exchange the code.
	code, _, err := p.ParseCallback(callback.Query())
	if err != nil {
		panic(err)
	}
	tok, id, err := p.Exchange(ctx, code, redirectURI, pkce, nonce)
	if err != nil {
		panic(err)
	}
	fmt.Println(id.Email, id.EmailVerified, len(id.AccountID) > 0, tok.RefreshToken != "")
	// Output: king.arthur@camelot.bt true true true
}

// ExampleProvider_ParseCallback shows the answer of a user who refused the
// authorization.
func ExampleProvider_ParseCallback() {
	p := oauth.GitHub("Iv1.8a61f9b3a7aba766", "secret")
	q, _ := url.ParseQuery("error=access_denied&error_description=The+user+has+denied+your+application+access.&state=xyz")
	_, _, err := p.ParseCallback(q)
	var pe *oauth.ProviderError
	if errors.As(err, &pe) {
		fmt.Println(pe.Code)
	}
	// Output: access_denied
}

// ExampleDerivePKCE shows the per-login secrets derived from the CSRF token.
func ExampleDerivePKCE() {
	secret := []byte("server-secret-of-at-least-32-bytes!")
	pkce, _ := oauth.DerivePKCE(secret, "eQYaCak-gPV9h6pI51Pau_orcIVP9Ub2WCgZCJDW0Eg")
	again, _ := oauth.DerivePKCE(secret, "eQYaCak-gPV9h6pI51Pau_orcIVP9Ub2WCgZCJDW0Eg")
	fmt.Println(len(pkce.Verifier), pkce == again, pkce.Validate() == nil)
	// Output: 43 true true
}
