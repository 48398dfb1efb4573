package oauthflow

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// The frontend redirect (ours): the authorize route takes ?redirect_to=<URL>
// on an allowed origin, the signed state carries it, and the callback sends
// the browser there with 303 instead of answering JSON. An open redirect
// (OWASP Unvalidated Redirects and Forwards Cheat Sheet) is impossible by
// construction: the target is parsed strictly, its origin must be one of the
// configured ones exactly, it is checked again at the callback, and the
// Location header is written from the parsed URL, never from the raw input.

// maxRedirectLength bounds a redirect target, in bytes.
const maxRedirectLength = 2048

// Origins is a provider's allow-list: canonical origins.
type Origins map[string]bool

// ErrRedirectNotAllowed reports a redirect target refused by the allow-list
// or malformed; the answer does not say which, nor echo it.
var ErrRedirectNotAllowed = errors.New("redirect target not allowed")

// ParseOrigins reads the configured origins: scheme://host[:port], with no
// path other than "/", no query, fragment or user info.
func ParseOrigins(list []string) (Origins, error) {
	origins := make(Origins, len(list))
	for _, raw := range list {
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.Opaque != "" || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(raw, "#") {
			return nil, fmt.Errorf("%q is not an origin (scheme://host[:port])", raw)
		}
		origin, ok := canonicalOrigin(u)
		if !ok {
			return nil, fmt.Errorf("%q is not an http or https origin with a plain host name", raw)
		}
		origins[origin] = true
	}
	return origins, nil
}

// canonicalOrigin returns u's origin in one spelling: lower-case scheme
// (http or https) and host, the port only when it is not the scheme's
// default. Hosts are limited to ASCII names and IP literals: a lookalike in
// another script must be written as the punycode the allow-list names.
func canonicalOrigin(u *url.URL) (string, bool) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", false
	}
	if strings.Contains(host, ":") {
		ip := net.ParseIP(host)
		if ip == nil || ip.To4() != nil || strings.Contains(host, "%") {
			return "", false
		}
		host = "[" + ip.String() + "]"
	} else if !hostName(host) {
		return "", false
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", false
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", false
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

// hostName reports whether h is made of DNS name characters only.
func hostName(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// target checks raw, a redirect_to value, and returns it parsed, with its
// scheme and host in their canonical spelling. Refused: anything but an
// absolute http(s) URL on an allowed origin; a user-info part
// (https://good@evil); backslashes, which browsers read as slashes; spaces,
// control and non-ASCII characters, which browsers strip or reinterpret; a
// fragment, which the bearer answer uses; and anything longer than 2 KiB.
func (o Origins) Target(raw string) (*url.URL, error) {
	if len(o) == 0 || raw == "" || len(raw) > maxRedirectLength {
		return nil, ErrRedirectNotAllowed
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '\\' || c == '#' {
			return nil, ErrRedirectNotAllowed
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" || u.Fragment != "" {
		return nil, ErrRedirectNotAllowed
	}
	origin, ok := canonicalOrigin(u)
	if !ok || !o[origin] {
		return nil, ErrRedirectNotAllowed
	}
	if p := u.EscapedPath(); p != "" && p[0] != '/' {
		return nil, ErrRedirectNotAllowed
	}
	scheme, host, _ := strings.Cut(origin, "://")
	u.Scheme, u.Host = scheme, host
	return u, nil
}

// WithError returns target with error=code added to its query: where the
// callback sends the browser when the sign-in failed.
func WithError(target *url.URL, code string) string {
	u := *target
	q := u.Query()
	q.Set("error", code)
	u.RawQuery = q.Encode()
	return u.String()
}

// WithTokens returns target with the access token in its fragment, as the
// implicit grant does (RFC 6749 section 4.2.2): a browser sends no fragment
// to any server, nor in a Referer. A backend with refresh tokens adds its
// refresh token there too.
func WithTokens(target *url.URL, access, refresh string) string {
	u := *target
	u.Fragment = ""
	u.RawFragment = ""
	out := u.String() + "#access_token=" + url.QueryEscape(access) + "&token_type=bearer"
	if refresh != "" {
		out += "&refresh_token=" + url.QueryEscape(refresh)
	}
	return out
}

// WithSecondStep returns target with error=code in its query and the login
// ticket and methods of the second step in its fragment, which a browser
// sends to no server and puts in no Referer.
func WithSecondStep(target *url.URL, code, ticket string, methods []string) string {
	u := *target
	u.Fragment, u.RawFragment = "", ""
	frag := url.Values{"ticket": {ticket}, "methods": {strings.Join(methods, ",")}}
	return WithError(&u, code) + "#" + frag.Encode()
}
