package main

import (
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/usersauth/usersauth/passkey/webauthn"
)

// The example's passkeys: the relying party is the host of the page's
// origin, "localhost" by default, and the origin is the address the server
// listens on, so that passkeys work on whatever port it is started. Behind
// a proxy with a public name, -origin names the origin browsers see
// (https://login.example.com); passkeys are then scoped to that host.

// passkeyPage is the page at /passkeys: plain JavaScript calling
// navigator.credentials.create and .get against the library's routes, to
// copy.
//
//go:embed passkeys.html
var passkeyPage []byte

// passkeyOrigin returns the origin passkeys are made for: origin when the
// -origin flag gave one, else http://localhost:<the port addr listens on>.
func passkeyOrigin(origin string, addr net.Addr) string {
	if origin != "" {
		return strings.TrimSuffix(origin, "/")
	}
	port := "8000"
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(tcp.Port)
	}
	return "http://localhost:" + port
}

// newPasskeys returns the relying party of origin: its host is the relying
// party id. webauthn.New refuses an origin browsers would not run passkeys
// on (http anywhere but localhost).
func newPasskeys(origin string) (*webauthn.RelyingParty, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("-origin %q is not an origin (https://host[:port])", origin)
	}
	rp, err := webauthn.New(webauthn.Config{RPID: u.Hostname(), RPName: "usersauth example", Origins: []string{origin}})
	if err != nil {
		return nil, fmt.Errorf("passkeys for %s: %w", origin, err)
	}
	return rp, nil
}

// passkeyPageHandler serves the page. Its script and style are inline: the
// Content-Security-Policy allows exactly those (by their SHA-256) and
// requests to this origin, nothing else (OWASP Content Security Policy
// Cheat Sheet).
func passkeyPageHandler() (http.Handler, error) {
	script, err := inlineHash(passkeyPage, "script")
	if err != nil {
		return nil, err
	}
	style, err := inlineHash(passkeyPage, "style")
	if err != nil {
		return nil, err
	}
	csp := "default-src 'none'; script-src '" + script + "'; style-src '" + style + "'; connect-src 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		w.Write(passkeyPage)
	}), nil
}
