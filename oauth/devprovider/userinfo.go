package devprovider

import (
	"net/http"
	"strings"
)

// handleUserInfo answers the claims of the account a bearer access token was
// issued for (OpenID Connect Core 1.0 section 5.3). A missing, unknown or
// expired token is 401 with a Bearer challenge (RFC 6750 section 3).
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	token, ok := bearerToken(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devprovider"`)
		oauthError(w, http.StatusUnauthorized, "invalid_request", "bearer access token required")
		return
	}
	s.mu.Lock()
	sess, found := s.access[token]
	if found && !s.cfg.Now().Before(sess.expires) {
		found = false
	}
	s.mu.Unlock()
	if !found {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devprovider", error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	writeJSON(w, http.StatusOK, accountClaims(sess.acct, sess.scope, map[string]any{}))
}

// bearerToken returns the token of an Authorization: Bearer header; the
// scheme is case-insensitive (RFC 9110 section 11.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// accountClaims adds to claims the account's sub and, when it is shared and
// the scope asks for it, its e-mail claims.
func accountClaims(acct account, scope string, claims map[string]any) map[string]any {
	claims["sub"] = acct.sub
	if acct.share && hasScope(scope, "email") {
		claims["email"] = acct.email
		claims["email_verified"] = acct.verified
	}
	return claims
}

func hasScope(scope, want string) bool {
	for _, s := range strings.Fields(scope) {
		if s == want {
			return true
		}
	}
	return false
}
