package backend

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// TouchInterval is how stale a server-side token's LastUsedAt may get
// before a request with it writes the time again: at most one write per
// session and interval, so that reading a token stays a read.
const TouchInterval = time.Minute

// TouchDue reports whether a read at now of a server-side token created at
// created and last used at lastUsed (zero, or before created: never since
// its creation) should write now as its last use: once it is TouchInterval
// old. Every strategy that records last use decides it here.
func TouchDue(created, lastUsed, now time.Time) bool {
	if lastUsed.Before(created) {
		lastUsed = created
	}
	return now.Sub(lastUsed) >= TouchInterval
}

// Login is what a sign-in tells the strategy issuing its token, and the
// refresher issuing its refresh token, through the context (WithLogin):
// the session they begin and where the client is.
type Login struct {
	// SessionID is the session the token belongs to: the id of the
	// refresh-token family issued with it. uuid.Nil means a session of its
	// own: a server-side token is then its own session
	// (auth.TokenSessionID), a refresher draws a family id, and a JWT
	// carries none, so that it stays byte for byte FastAPI Users'.
	SessionID uuid.UUID
	// Origin is the backend and the client's address and user agent.
	Origin auth.Origin
}

type loginKey struct{}

// WithLogin returns ctx carrying l, cleaned (auth.Origin.Clean), for the
// WriteToken and Refresher.Issue calls of one sign-in. usersauth's sign-in
// path sets it; a strategy that keeps no sessions ignores it.
func WithLogin(ctx context.Context, l Login) context.Context {
	l.Origin = l.Origin.Clean()
	return context.WithValue(ctx, loginKey{}, l)
}

// LoginFrom returns the Login WithLogin put in ctx, or the zero Login.
func LoginFrom(ctx context.Context) Login {
	l, _ := ctx.Value(loginKey{}).(Login)
	return l
}

// TokenInfo is what a strategy read from a token it accepted
// (SessionReader).
type TokenInfo struct {
	// UserID is the user the token was issued to.
	UserID uuid.UUID
	// SessionID is the session the token belongs to; uuid.Nil when it
	// belongs to none that is listed (a JWT without refresh tokens).
	SessionID uuid.UUID

	// What a revocable JWT is checked against its user with (Allows).
	bound bool
	token string
	epoch int64
	sid   string // SessionID in canonical form, "" when the token has none
}

// Allows reports whether u, the stored user the token names, may still use
// it: u must be its user, and a token of a revocable JWT strategy must not
// belong to a session ended one by one (u.EndedSessions), and must carry
// u's TokenEpoch or be u's kept token (u.KeptToken). The kept token's digest
// is computed only when the epoch differs, so a request with any other
// token costs nothing more. It does not allocate but on that path.
func (t TokenInfo) Allows(u *user.Base) bool {
	switch {
	case u == nil || u.ID != t.UserID:
		return false
	case !t.bound:
		return true
	case t.sid != "" && u.SessionEnded(t.sid):
		return false
	case t.epoch == u.TokenEpoch:
		return true
	}
	return u.KeptToken != "" && auth.TokenMatchesDigest(t.token, u.KeptToken)
}

// SessionReader is implemented by strategies that tell, reading a token,
// which session it belongs to and how it is checked against its user:
// JWTStrategy, DatabaseStrategy and redistoken.Strategy. usersauth calls
// ReadSession rather than ReadToken when a strategy implements it, then
// TokenInfo.Allows with the user the token names. ReadSession fails as
// ReadToken does.
type SessionReader interface {
	ReadSession(ctx context.Context, token string) (TokenInfo, error)
}

// SessionKeeper is implemented by what keeps sessions server-side, so that
// they can be listed and ended one by one: DatabaseStrategy,
// redistoken.Strategy and Refresher. usersauth builds the Manager's
// user.SessionStore from the SessionKeepers of its backends. All methods
// are safe for concurrent use; a user without sessions is not an error.
type SessionKeeper interface {
	Revoker

	// UserSessions returns the live sessions of the user, one part per
	// token, which user.Manager merges by id.
	UserSessions(ctx context.Context, userID uuid.UUID) ([]user.Session, error)

	// EndSession ends every token of the user that belongs to the session
	// sessionID, and reports whether there was any.
	EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error)

	// RevokeUserExcept ends every token of the user but keep's: a strategy
	// spares the token whose digest is keep.TokenDigest, a refresher the
	// family keep.ID (none when it is uuid.Nil).
	RevokeUserExcept(ctx context.Context, userID uuid.UUID, keep user.CurrentSession) error
}
