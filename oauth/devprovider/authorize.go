package devprovider

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// authorizeParams are the parameters of an authorization request, carried
// from the query to the page's form and back.
var authorizeParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"}

// handleAuthorize serves the authorization endpoint (RFC 6749 section
// 4.1.1): GET shows the login page (or logs in at once with auto=1), POST
// is the page's form.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, "The form could not be read.")
			return
		}
		q = r.PostForm
	}
	for k, v := range q {
		if len(v) > 1 {
			s.errorPage(w, "Parameter "+k+" is repeated.")
			return
		}
	}
	// Until the client and its redirect URI are known good, errors are
	// shown here and never sent to the URI (RFC 6749 section 4.1.2.1):
	// otherwise the provider would redirect anywhere it is told.
	client, known := s.clients[q.Get("client_id")]
	if !known {
		s.errorPage(w, "Unknown client_id.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		s.errorPage(w, "redirect_uri is not one the client registered (exact match required).")
		return
	}
	fail := func(code, description string) {
		s.redirect(w, r, redirectURI, url.Values{"error": {code}, "error_description": {description}, "state": {q.Get("state")}})
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only the authorization code flow (response_type=code) is supported")
		return
	case q.Get("code_challenge_method") != "S256" || !validChallenge(q.Get("code_challenge")):
		fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
		return
	}

	var email string
	var verified, share bool
	switch {
	case r.Method == http.MethodGet && q.Get("auto") != "1":
		s.loginPage(w, q, "")
		return
	case r.Method == http.MethodGet:
		if e := q.Get("dev_error"); e != "" {
			if !validErrorCode(e) {
				fail("invalid_request", "dev_error must be an error code of letters and underscores")
				return
			}
			fail(e, "simulated by the development provider")
			return
		}
		email = q.Get("login_hint")
		verified = q.Get("dev_email_verified") != "false"
		share = q.Get("dev_no_email") != "1"
		if !validEmail(email) {
			fail("invalid_request", "auto=1 needs an e-mail address in login_hint")
			return
		}
	default:
		if q.Get("action") != "allow" {
			fail("access_denied", "the user refused")
			return
		}
		email = strings.TrimSpace(q.Get("email"))
		verified = q.Get("email_verified") == "on"
		share = q.Get("share_email") == "on"
		if !validEmail(email) {
			s.loginPage(w, q, "Type an e-mail address.")
			return
		}
	}
	code, err := s.newCode(&grant{
		clientID:    client.ID,
		redirectURI: redirectURI,
		challenge:   q.Get("code_challenge"),
		nonce:       q.Get("nonce"),
		scope:       q.Get("scope"),
		acct:        newAccount(email, verified, share),
	})
	if err != nil {
		fail("server_error", "no randomness")
		return
	}
	s.redirect(w, r, redirectURI, url.Values{"code": {code}, "state": {q.Get("state")}})
}

// redirect sends the browser back to the client with params added to the
// registered redirect URI's own query, plus iss (RFC 9207) so the client can
// tell which provider answered. An empty state is left out.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		s.errorPage(w, "The registered redirect_uri is not a URL.")
		return
	}
	q := u.Query()
	for k, v := range params {
		if len(v) == 1 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	q.Set("iss", s.cfg.Issuer)
	u.RawQuery = q.Encode()
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther // the browser follows with a GET
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), status)
}

// validChallenge checks an S256 challenge: 43 base64url characters, the
// encoding of a SHA-256 digest.
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_') {
			return false
		}
	}
	return true
}

func validErrorCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// validEmail is a loose check: the provider only needs something shaped like
// an address; the application validates it for real.
func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
