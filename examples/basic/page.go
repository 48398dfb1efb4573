package main

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// pageHTML is the example's browser page (page.html): register, sign in with
// the cookie backend (and the second step, for a user with an
// authenticator app), the profile, a change of e-mail, sign out. Plain
// HTML and JavaScript, to copy.
//
//go:embed page.html
var pageHTML []byte

// pageHandler serves the page with headers that keep it from being framed
// or sniffed and a Content-Security-Policy that runs only its own inline
// script and style, by their SHA-256, and lets it reach only its own origin
// (OWASP Content Security Policy Cheat Sheet): an injected script, the
// usual way around a CSRF defence, cannot run. The library's cross-origin
// check refuses cookie-authenticated state changes from other origins; a
// page on this origin needs no CSRF token.
func pageHandler() (http.Handler, error) {
	script, err := inlineHash(pageHTML, "script")
	if err != nil {
		return nil, err
	}
	style, err := inlineHash(pageHTML, "style")
	if err != nil {
		return nil, err
	}
	csp := "default-src 'none'; script-src '" + script + "'; style-src '" + style + "'; connect-src 'self'; " +
		"img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		w.Write(pageHTML)
	}), nil
}

// inlineHash is the CSP source of the one <tag> element of html (page.html
// or passkeys.html): the base64 SHA-256 of its content (CSP Level 3,
// "hash-source").
func inlineHash(html []byte, tag string) (string, error) {
	s := string(html)
	open, close := "<"+tag+">", "</"+tag+">"
	start := strings.Index(s, open)
	end := strings.Index(s, close)
	if start < 0 || end < start || strings.Count(s, open) != 1 {
		return "", fmt.Errorf("an embedded page must hold exactly one <%s> element", tag)
	}
	sum := sha256.Sum256([]byte(s[start+len(open) : end]))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:]), nil
}
