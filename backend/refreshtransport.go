package backend

import "net/http"

// RefreshTransport is implemented by transports that can deliver refresh
// tokens, which a backend with a RefreshConfig needs. BearerTransport and
// CookieTransport are. Implementations are safe for concurrent use.
type RefreshTransport interface {
	Transport

	// WriteLoginRefresh writes the whole response to a login, or to a
	// refresh, that issued an access token and a refresh token.
	WriteLoginRefresh(w http.ResponseWriter, access string, refresh RefreshGrant) error

	// WriteLogoutRefresh writes the whole response to a logout of a backend
	// with refresh tokens. refreshPath is the refresh route's path
	// (RefreshGrant.Path), where a refresh cookie was set.
	WriteLogoutRefresh(w http.ResponseWriter, refreshPath string) error

	// RefreshToken returns the refresh token r carries in the transport
	// itself, and false if there is none: the cookie transport's refresh
	// cookie. A bearer client sends its refresh token in the request body
	// instead, which the refresh route reads.
	RefreshToken(r *http.Request) (string, bool)
}
