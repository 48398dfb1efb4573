package backend

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// DefaultCookieName is FastAPI Users' cookie name.
const DefaultCookieName = "fastapiusersauth"

// DefaultRefreshCookieName is the name of the refresh-token cookie of a
// backend with refresh tokens, when CookieOptions.RefreshName is empty.
const DefaultRefreshCookieName = "fastapiusersrefresh"

// CookieOptions configures a CookieTransport. The zero value gives FastAPI
// Users' defaults: fastapiusersauth, Path=/, HttpOnly, Secure, SameSite=Lax,
// no Max-Age (a session cookie) and no Domain.
type CookieOptions struct {
	// Name is the cookie name; "" means DefaultCookieName. A name starting
	// with "__Host-" requires Secure, Path=/ and no Domain, and one
	// starting with "__Secure-" requires Secure, as browsers do of such
	// names (RFC 6265bis section 4.1.3), matched case-insensitively:
	// Validate, hence usersauth.New, refuses options that break the rule.
	Name string
	// MaxAge is the cookie lifetime in seconds; 0 omits Max-Age, so the
	// cookie ends with the browser session. Negative values are invalid.
	MaxAge int
	// Path is the cookie path; "" means "/".
	Path string
	// Domain is the cookie domain; "" omits it (host-only cookie).
	Domain string
	// Insecure drops the Secure attribute. Browsers still accept Secure
	// cookies from http://localhost, so this is rarely needed.
	Insecure bool
	// ScriptAccessible drops HttpOnly, exposing the token to JavaScript
	// (and to any XSS).
	ScriptAccessible bool
	// SameSite is the SameSite attribute; the zero value means Lax (OWASP
	// Session Management Cheat Sheet). SameSiteNoneMode needs Secure.
	SameSite http.SameSite
	// RefreshName is the name of the refresh-token cookie, used when the
	// backend has refresh tokens; "" means DefaultRefreshCookieName. That
	// cookie is always HttpOnly and SameSite=Strict, Secure unless Insecure,
	// shares Domain, and has the refresh route as its Path, so browsers send
	// it nowhere else (OWASP Session Management Cheat Sheet). A "__Host-"
	// name, which requires Path=/ and no Domain, is refused, and a
	// "__Secure-" one with Insecure.
	RefreshName string
}

// CookieTransport carries the token in a cookie. Login sets it, logout
// clears it with the same name, path, domain and flags. Browsers attach it
// on their own, so state-changing cookie requests need CSRF protection
// (CookieBased). A CookieTransport is safe for concurrent use.
type CookieTransport struct {
	opts CookieOptions
}

// Cookie returns a cookie transport for opts, defaults filled in. Options
// that break the "__Host-" and "__Secure-" rules are kept as given and
// refused by Validate, which usersauth.New calls: correcting them silently
// would set another cookie than the host configured (a dropped Domain
// changes which hosts share the session).
func Cookie(opts CookieOptions) *CookieTransport {
	if opts.Name == "" {
		opts.Name = DefaultCookieName
	}
	if opts.Path == "" {
		opts.Path = "/"
	}
	if opts.SameSite == 0 {
		opts.SameSite = http.SameSiteLaxMode
	}
	if opts.RefreshName == "" {
		opts.RefreshName = DefaultRefreshCookieName
	}
	return &CookieTransport{opts: opts}
}

// checkPrefix refuses options under which browsers would drop a cookie
// named name (RFC 6265bis section 4.1.3). Browsers match the prefixes
// case-insensitively (section 5.7), so a differently cased name is held to
// the same rules. which names the cookie in the error.
func (o CookieOptions) checkPrefix(which, name, path string) error {
	switch {
	case hasPrefixFold(name, "__Host-") && o.Domain != "":
		return fmt.Errorf("backend: the %s cookie %q must not have a Domain (a __Host- cookie is host-only)", which, name)
	case hasPrefixFold(name, "__Host-") && path != "/":
		return fmt.Errorf("backend: the %s cookie %q must have Path=/ (a __Host- cookie)", which, name)
	case (hasPrefixFold(name, "__Host-") || hasPrefixFold(name, "__Secure-")) && o.Insecure:
		return fmt.Errorf("backend: the %s cookie %q requires Secure; drop Insecure or the prefix", which, name)
	}
	return nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Options returns the effective options: the given ones, defaults filled
// in.
func (t *CookieTransport) Options() CookieOptions { return t.opts }

// Validate reports options that would produce a cookie browsers drop or
// net/http refuses to write: an invalid name, path or domain, a negative
// MaxAge, SameSite=None without Secure, or a "__Host-" or "__Secure-" name,
// of the access or the refresh cookie, whose rules the options break.
func (t *CookieTransport) Validate() error {
	if err := t.opts.checkPrefix("access", t.opts.Name, t.opts.Path); err != nil {
		return err
	}
	if t.opts.MaxAge < 0 {
		return errors.New("backend: cookie MaxAge is negative")
	}
	if t.opts.SameSite == http.SameSiteNoneMode && t.opts.Insecure {
		return errors.New("backend: cookie SameSite=None requires Secure")
	}
	if t.opts.SameSite < http.SameSiteDefaultMode || t.opts.SameSite > http.SameSiteNoneMode {
		return fmt.Errorf("backend: unknown cookie SameSite mode %d", t.opts.SameSite)
	}
	if err := t.cookie("token", t.opts.MaxAge).Valid(); err != nil {
		return fmt.Errorf("backend: cookie options: %w", err)
	}
	if t.opts.RefreshName == t.opts.Name {
		return errors.New("backend: the refresh cookie needs a name of its own")
	}
	if err := t.opts.checkPrefix("refresh", t.opts.RefreshName, "/"); err != nil {
		return err
	}
	if hasPrefixFold(t.opts.RefreshName, "__Host-") {
		return fmt.Errorf("backend: the refresh cookie %q must not be a __Host- cookie: those need Path=/, and the refresh cookie's path is its route", t.opts.RefreshName)
	}
	if err := t.refreshCookie("token", "/auth/refresh", time.Hour).Valid(); err != nil {
		return fmt.Errorf("backend: refresh cookie options: %w", err)
	}
	return nil
}

// refreshCookie is the refresh-token cookie: HttpOnly whatever
// ScriptAccessible says (no script needs it), SameSite=Strict (only the
// site's own pages refresh), and scoped to the refresh route.
func (t *CookieTransport) refreshCookie(value, path string, maxAge time.Duration) *http.Cookie {
	age := int(maxAge / time.Second) // rounded down: never outlive the token
	switch {
	case maxAge < 0:
		age = -1
	case age == 0:
		age = 1
	}
	return &http.Cookie{
		Name:     t.opts.RefreshName,
		Value:    value,
		Path:     path,
		Domain:   t.opts.Domain,
		MaxAge:   age,
		Secure:   !t.opts.Insecure,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}

func (t *CookieTransport) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     t.opts.Name,
		Value:    value,
		Path:     t.opts.Path,
		Domain:   t.opts.Domain,
		MaxAge:   maxAge,
		Secure:   !t.opts.Insecure,
		HttpOnly: !t.opts.ScriptAccessible,
		SameSite: t.opts.SameSite,
	}
}

// Token returns the value of the first cookie with the configured name, as
// http.Request.Cookie would (surrounding double quotes removed, cookies with
// invalid bytes skipped), but without building every cookie of the request.
// An empty value or one longer than MaxTokenLength means no token.
func (t *CookieTransport) Token(r *http.Request) (string, bool) {
	return cookieToken(r, t.opts.Name)
}

// RefreshToken returns the value of the refresh cookie, read as Token reads
// the access cookie.
func (t *CookieTransport) RefreshToken(r *http.Request) (string, bool) {
	return cookieToken(r, t.opts.RefreshName)
}

func cookieToken(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			cookieName, value, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(cookieName) != name {
				continue
			}
			value, ok := cookieValue(value)
			if !ok {
				continue
			}
			if value == "" || len(value) > MaxTokenLength {
				return "", false
			}
			return value, true
		}
	}
	return "", false
}

// cookieValue applies net/http's parsing of a cookie value: one pair of
// surrounding double quotes is removed, and a value with a byte outside
// RFC 6265's cookie-octet set (plus space, which net/http tolerates) is
// invalid.
func cookieValue(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return "", false
		}
	}
	return raw, true
}

// WriteLogin answers 204 and sets the cookie to token, with Cache-Control:
// no-store so that no shared cache keeps the session cookie (OWASP Session
// Management Cheat Sheet, "Web Content Caching").
func (t *CookieTransport) WriteLogin(w http.ResponseWriter, token string) error {
	http.SetCookie(w, t.cookie(token, t.opts.MaxAge))
	w.Header().Del("Content-Type")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// WriteLogout answers 204 and clears the cookie: same name, path, domain and
// flags, an empty value and Max-Age=0.
func (t *CookieTransport) WriteLogout(w http.ResponseWriter) error {
	http.SetCookie(w, t.cookie("", -1))
	w.Header().Del("Content-Type")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// WriteLoginRefresh answers like WriteLogin, and also sets the refresh
// cookie (see CookieOptions.RefreshName) at the refresh route's path, for
// as long as the refresh token works.
func (t *CookieTransport) WriteLoginRefresh(w http.ResponseWriter, access string, refresh RefreshGrant) error {
	http.SetCookie(w, t.refreshCookie(refresh.Token, refresh.Path, refresh.MaxAge))
	return t.WriteLogin(w, access)
}

// WriteLogoutRefresh answers like WriteLogout, and also clears the refresh
// cookie set at refreshPath.
func (t *CookieTransport) WriteLogoutRefresh(w http.ResponseWriter, refreshPath string) error {
	http.SetCookie(w, t.refreshCookie("", refreshPath, -1))
	return t.WriteLogout(w)
}

// CookieBased reports true: browsers send the cookie on their own, so
// state-changing requests need CSRF protection.
func (t *CookieTransport) CookieBased() bool { return true }
