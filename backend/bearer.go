package backend

import (
	"encoding/json"
	"net/http"
	"strings"
)

// BearerTransport carries the token in the Authorization header
// ("Authorization: Bearer <token>", RFC 6750 section 2.1). Login answers with
// the token in a JSON body; logout only acknowledges, since the client holds
// the token. A BearerTransport is safe for concurrent use.
type BearerTransport struct {
	// TokenURL is the login route relative to the API root, e.g.
	// "auth/jwt/login". It is not used to serve requests: FastAPI Users
	// publishes it as the tokenUrl of the OAuth2 password flow in its OpenAPI
	// schema, and a host generating such a schema reads it from here.
	TokenURL string
}

// Bearer returns a bearer transport whose login route is tokenURL.
func Bearer(tokenURL string) *BearerTransport { return &BearerTransport{TokenURL: tokenURL} }

// Token returns the token of an "Authorization: Bearer <token>" header. Like
// FastAPI's get_authorization_scheme_param it splits the first header value
// at its first space and compares the scheme case-insensitively; everything
// after that space is the token. An empty token, one longer than
// MaxTokenLength, or another scheme means no token. Token does not allocate.
func (t *BearerTransport) Token(r *http.Request) (string, bool) {
	values := r.Header["Authorization"]
	if len(values) == 0 {
		return "", false
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !isBearer(scheme) || token == "" || len(token) > MaxTokenLength {
		return "", false
	}
	return token, true
}

// isBearer compares ASCII letters only, as Python's str.lower does for the
// characters of "bearer" (no non-ASCII letter lower-cases to one of them).
func isBearer(scheme string) bool {
	const want = "bearer"
	if len(scheme) != len(want) {
		return false
	}
	for i := 0; i < len(want); i++ {
		if scheme[i]|0x20 != want[i] {
			return false
		}
	}
	return true
}

type bearerResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// bearerRefreshResponse is the login answer with a refresh token, keys in
// the order of RFC 6749 section 5.1's example.
type bearerRefreshResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
}

var (
	_ RefreshTransport = (*BearerTransport)(nil)
	_ RefreshTransport = (*CookieTransport)(nil)
)

// WriteLogin answers 200 {"access_token": token, "token_type": "bearer"}
// with Cache-Control: no-store, as a token response must not be cached
// (RFC 6749 section 5.1).
func (t *BearerTransport) WriteLogin(w http.ResponseWriter, token string) error {
	return writeTokenJSON(w, bearerResponse{AccessToken: token, TokenType: "bearer"})
}

// WriteLoginRefresh answers 200 {"access_token", "token_type": "bearer",
// "refresh_token"}, the access token response of RFC 6749 section 5.1; a
// client that knows only FastAPI Users' two keys ignores the third.
func (t *BearerTransport) WriteLoginRefresh(w http.ResponseWriter, access string, refresh RefreshGrant) error {
	return writeTokenJSON(w, bearerRefreshResponse{AccessToken: access, TokenType: "bearer", RefreshToken: refresh.Token})
}

func writeTokenJSON(w http.ResponseWriter, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// WriteLogout answers 204 with no body and no content type.
func (t *BearerTransport) WriteLogout(w http.ResponseWriter) error {
	w.Header().Del("Content-Type")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// WriteLogoutRefresh answers 204 like WriteLogout: the client drops its
// refresh token itself.
func (t *BearerTransport) WriteLogoutRefresh(w http.ResponseWriter, _ string) error {
	return t.WriteLogout(w)
}

// RefreshToken returns false: a bearer client sends its refresh token in the
// body of the refresh request.
func (t *BearerTransport) RefreshToken(*http.Request) (string, bool) { return "", false }

// CookieBased reports false: browsers do not attach bearer tokens on their
// own, so bearer requests need no CSRF protection.
func (t *BearerTransport) CookieBased() bool { return false }
