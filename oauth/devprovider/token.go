package devprovider

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxFormBytes bounds a token request body.
const maxFormBytes = 64 << 10

// handleToken serves the token endpoint (RFC 6749 section 3.2).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form of at most 64 KiB")
		return
	}
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" repeated")
			return
		}
	}
	client, ok := s.authenticateClient(w, r, form)
	if !ok {
		return
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		s.redeemCode(w, client, form)
	case "refresh_token":
		s.redeemRefresh(w, client, form)
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "authorization_code and refresh_token only")
	}
}

// authenticateClient checks the client's credentials: HTTP Basic
// (client_secret_basic) or form fields (client_secret_post), never both
// (RFC 6749 section 2.3.1), or the client id alone for a public client. On
// failure it has answered.
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request, form url.Values) (Client, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		// The Basic credentials are form-encoded first (RFC 6749
		// section 2.3.1).
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "malformed Basic credentials")
			return Client{}, false
		}
		if form.Has("client_secret") || (form.Has("client_id") && form.Get("client_id") != id) {
			oauthError(w, http.StatusBadRequest, "invalid_request", "more than one client authentication method")
			return Client{}, false
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	c, known := s.clients[id]
	// A public client has no secret to present; a confidential one must
	// present its own. Both compare in constant time.
	good := known && subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) == 1
	if !good {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="devprovider"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return Client{}, false
	}
	return c, true
}

// redeemCode serves the authorization_code grant (RFC 6749 section 4.1.3).
func (s *Server) redeemCode(w http.ResponseWriter, client Client, form url.Values) {
	code := form.Get("code")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	g, found := s.codes[code]
	switch {
	case !found:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown authorization code")
		return
	case g.used:
		// A code used twice was stolen, or the first use was: revoke
		// everything it gave (RFC 6749 section 4.1.2).
		s.revokeFamily(code)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "authorization code already used")
		return
	}
	// Any redemption attempt spends the code, so a wrong verifier cannot
	// be retried until one matches.
	g.used = true
	switch {
	case !now.Before(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "authorization code expired")
	case g.clientID != client.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "authorization code issued to another client")
	case form.Get("redirect_uri") != g.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
	case !verifierMatches(form.Get("code_verifier"), g.challenge):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		s.answerTokens(w, client.ID, g.acct, g.scope, code, g.nonce, g.authTime, now, true)
	}
}

// verifierMatches checks a PKCE verifier against an S256 challenge
// (RFC 7636 section 4.6).
func verifierMatches(verifier, challenge string) bool {
	if !validVerifier(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// validVerifier checks RFC 7636 section 4.1: 43 to 128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// redeemRefresh serves the refresh_token grant (RFC 6749 section 6). The
// refresh token is rotated: the one presented stops working (RFC 9700
// section 4.14.2).
func (s *Server) redeemRefresh(w http.ResponseWriter, client Client, form url.Values) {
	rt := form.Get("refresh_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	sess, found := s.refresh[rt]
	if !found || sess.clientID != client.ID || !now.Before(sess.expires) {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or foreign refresh token")
		return
	}
	delete(s.refresh, rt)
	s.answerTokens(w, client.ID, sess.acct, sess.scope, sess.family, "", time.Time{}, now, false)
}

// answerTokens issues and writes a token response (RFC 6749 section 5.1),
// with an ID token after a code grant with the openid scope. The caller
// holds s.mu.
func (s *Server) answerTokens(w http.ResponseWriter, clientID string, acct account, scope, family, nonce string, authTime, now time.Time, withIDToken bool) {
	access, refresh, err := s.issue(clientID, acct, scope, family, now)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "no randomness")
		return
	}
	resp := map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int64(s.cfg.TokenLifetime / time.Second),
		"refresh_token": refresh,
		"scope":         scope,
	}
	if withIDToken && hasScope(scope, "openid") {
		claims := jwt.MapClaims{
			"iss":       s.cfg.Issuer,
			"aud":       clientID,
			"iat":       now.Unix(),
			"exp":       now.Add(s.cfg.TokenLifetime).Unix(),
			"auth_time": authTime.Unix(),
		}
		if nonce != "" {
			claims["nonce"] = nonce
		}
		accountClaims(acct, scope, claims)
		idToken, err := s.keys[len(s.keys)-1].sign(claims)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", "signing failed")
			return
		}
		resp["id_token"] = idToken
	}
	writeJSON(w, http.StatusOK, resp)
}
