// Package backend defines authentication backends: a Transport moves a token
// over HTTP (bearer header, cookie) and a Strategy turns a user into a token
// and back (JWT, database tokens, Redis tokens).
package backend

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// MaxTokenLength is the longest token a transport accepts, in bytes. A longer
// header or cookie value counts as no token at all (401).
const MaxTokenLength = 8 << 10

// ErrInvalidToken is returned by Strategy.ReadToken for any token it does not
// accept: malformed, badly signed, expired, of another purpose, or unknown.
var ErrInvalidToken = errors.New("backend: invalid token")

// ErrUnavailable is wrapped by the error of a strategy or token store that
// cannot reach its server (Redis or the database down, a connection lost):
// the HTTP layer answers 503 with Retry-After.
var ErrUnavailable = errors.New("backend: token store unavailable")

// Backend is a named pair of a transport and a strategy. The name appears in
// the routes: POST /auth/{name}/login, /logout and /logout-all, and
// /refresh when Refresh is set.
type Backend struct {
	Name      string
	Transport Transport
	Strategy  Strategy
	// Refresh, when not nil, turns on refresh tokens for this backend: login
	// also issues one, and POST /auth/{name}/refresh exchanges it for a new
	// pair. The transport must be a RefreshTransport. Nil, the default,
	// answers exactly as FastAPI Users does.
	Refresh *RefreshConfig
}

// Transport moves a token between client and server. Implementations are
// safe for concurrent use.
type Transport interface {
	// Token returns the token carried by r, and false if there is none. An
	// empty value, or one longer than MaxTokenLength, counts as none.
	Token(r *http.Request) (string, bool)

	// WriteLogin writes the whole response to a successful login.
	WriteLogin(w http.ResponseWriter, token string) error

	// WriteLogout writes the whole response to a successful logout.
	WriteLogout(w http.ResponseWriter) error

	// CookieBased reports whether browsers attach the token on their own
	// (a cookie), which makes state-changing requests subject to CSRF
	// protection.
	CookieBased() bool
}

// Strategy issues, reads and destroys tokens. Implementations are safe for
// concurrent use.
type Strategy interface {
	// ReadToken returns the id of the user the token was issued for. It
	// returns ErrInvalidToken (possibly wrapped) for any token it does not
	// accept; any other error is an infrastructure failure.
	ReadToken(ctx context.Context, token string) (uuid.UUID, error)

	// WriteToken issues a new token for u.
	WriteToken(ctx context.Context, u *user.Base) (string, error)

	// DestroyToken ends the token, where the strategy can (a JWT cannot be
	// revoked without server state, so its DestroyToken does nothing).
	DestroyToken(ctx context.Context, token string, u *user.Base) error
}

// Validator is implemented by strategies and transports whose configuration
// can be wrong (a short secret, an unusable key). usersauth.New calls Validate
// and refuses to build with an invalid backend.
type Validator interface {
	Validate() error
}
