package backend

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// RefreshConfig turns on refresh tokens for a backend (Backend.Refresh):
// login also issues a refresh token, and POST /auth/{name}/refresh exchanges
// it for a new access token and a new refresh token. Store, Lifetime and
// MaxLifetime are required; the zero value of the others has a sensible
// meaning.
type RefreshConfig struct {
	// Store keeps the refresh tokens' digests.
	Store RefreshStore
	// Lifetime is how long one refresh token can be exchanged after it is
	// issued (the idle timeout): a client that does not refresh for that
	// long logs in again.
	Lifetime time.Duration
	// MaxLifetime is how long a family of refresh tokens lasts from the
	// login, however often it is refreshed (the absolute timeout, OWASP
	// Session Management Cheat Sheet).
	MaxLifetime time.Duration
	// Path is the URL path of the backend's refresh route as clients see
	// it, the Path of a cookie transport's refresh cookie, so that browsers
	// send that cookie to the refresh route only. Empty means
	// "/auth/{name}/refresh", where usersauth's Mount and Handler serve it;
	// set it when the auth router is mounted under another prefix.
	Path string
	// Now gives the current time; nil means time.Now.
	Now func() time.Time
	// Rand is the source of the tokens' bytes; nil means crypto/rand. It
	// must be safe for concurrent use.
	Rand io.Reader
}

// RefreshGrant is a refresh token handed to a client, with what a transport
// needs to deliver it.
type RefreshGrant struct {
	// Token is the refresh token: 32 random bytes in unpadded base64url.
	Token string
	// ExpiresAt is when it stops working.
	ExpiresAt time.Time
	// MaxAge is the time from issue to ExpiresAt, for a cookie's Max-Age.
	MaxAge time.Duration
	// Path is the URL path of the refresh route, for a cookie's Path.
	Path string
}

// ErrInvalidRefreshToken is returned, possibly wrapped, for any refresh token
// that is not accepted: malformed, unknown, expired, revoked, or reused
// (then as a *RefreshReuseError).
var ErrInvalidRefreshToken = errors.New("backend: invalid refresh token")

// RefreshReuseError reports a refresh token presented after it was exchanged
// already: either its holder or someone who stole it is replaying it, and
// the server cannot tell which, so the whole family was revoked (RFC 9700
// section 4.14.2). It wraps ErrInvalidRefreshToken. The ids are for the
// security log.
type RefreshReuseError struct {
	UserID, FamilyID uuid.UUID
}

func (e *RefreshReuseError) Error() string {
	return "backend: refresh token reused; its family is revoked"
}

// Unwrap returns ErrInvalidRefreshToken and auth.ErrRefreshTokenReused.
func (e *RefreshReuseError) Unwrap() []error {
	return []error{ErrInvalidRefreshToken, auth.ErrRefreshTokenReused}
}

// Refusals of Check: they carry nothing of the token, so one value serves
// every call.
var (
	errRefreshMalformed = fmt.Errorf("%w: not an opaque token", ErrInvalidRefreshToken)
	errRefreshUnknown   = fmt.Errorf("%w: unknown or revoked", ErrInvalidRefreshToken)
	errRefreshExpired   = fmt.Errorf("%w: %w", ErrInvalidRefreshToken, auth.ErrTokenExpired)
)

// Refresher issues, checks, rotates and revokes the refresh tokens of one
// backend, over its RefreshStore. usersauth builds one per backend with
// refresh tokens; a host uses one directly only for jobs such as Purge.
//
// Rotation with reuse detection (RFC 9700 section 4.14.2): each exchange
// marks the presented token as used and issues its successor, in one atomic
// store operation. A used token presented again, within its lifetime,
// revokes its family: the thief's copy and the legitimate client's newest
// token alike, so the user logs in again. Two concurrent exchanges of one
// token count as reuse: a client must serialise its refreshes.
//
// Each family is a session a user can list and end (SessionKeeper): its id
// is the family id, it began at the login and was last used at its latest
// refresh, and every token of it carries where the login came from.
//
// A Refresher is safe for concurrent use, and is a Revoker (RevokeUser).
type Refresher struct {
	err         error
	store       RefreshStore
	lifetime    time.Duration
	maxLifetime time.Duration
	path        string
	now         func() time.Time
	rand        io.Reader
}

var (
	_ Revoker       = (*Refresher)(nil)
	_ Validator     = (*Refresher)(nil)
	_ SessionKeeper = (*Refresher)(nil)
)

// NewRefresher returns a Refresher for cfg. The configuration is checked
// here; if it is unusable, Validate reports why and every other method
// returns that error.
func NewRefresher(cfg RefreshConfig) *Refresher {
	r := &Refresher{store: cfg.Store, lifetime: cfg.Lifetime, maxLifetime: cfg.MaxLifetime, path: cfg.Path, now: cfg.Now, rand: cfg.Rand}
	if r.now == nil {
		r.now = time.Now
	}
	if r.rand == nil {
		r.rand = rand.Reader
	}
	switch {
	case cfg.Store == nil:
		r.err = errors.New("backend: refresh tokens: no RefreshStore")
	case cfg.Lifetime <= 0:
		r.err = errors.New("backend: refresh tokens: Lifetime must be positive")
	case cfg.MaxLifetime <= 0:
		r.err = errors.New("backend: refresh tokens: MaxLifetime must be positive")
	case !validCookiePath(cfg.Path):
		r.err = errors.New("backend: refresh tokens: Path must be empty or an absolute URL path usable as a cookie path")
	}
	if v, ok := cfg.Store.(Validator); ok && r.err == nil {
		if err := v.Validate(); err != nil {
			r.err = fmt.Errorf("backend: refresh tokens: %w", err)
		}
	}
	return r
}

// validCookiePath reports whether p is empty or an absolute path that a
// cookie's Path attribute can hold (RFC 6265 section 4.1.1: any CHAR but
// controls and ';').
func validCookiePath(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// Validate reports whether the configuration is usable: a store (valid, if
// it is a Validator), positive lifetimes and a usable path.
func (r *Refresher) Validate() error { return r.err }

// Store returns the refresher's store.
func (r *Refresher) Store() RefreshStore { return r.store }

// Path returns the configured path of the refresh route.
func (r *Refresher) Path() string { return r.path }

// expiry is when a token issued at now in a family started at family stops
// working.
func (r *Refresher) expiry(now, family time.Time) time.Time {
	idle, absolute := now.Add(r.lifetime), family.Add(r.maxLifetime)
	if absolute.Before(idle) {
		return absolute
	}
	return idle
}

func (r *Refresher) grant(token string, now, expires time.Time) RefreshGrant {
	return RefreshGrant{Token: token, ExpiresAt: expires, MaxAge: expires.Sub(now), Path: r.path}
}

// Issue starts a new family for the user (a login) and returns its first
// token. The family's id is LoginFrom(ctx).SessionID, so that the access
// token of the same login names it, or a new one; its origin is the
// Login's.
func (r *Refresher) Issue(ctx context.Context, userID uuid.UUID) (RefreshGrant, error) {
	if r.err != nil {
		return RefreshGrant{}, r.err
	}
	token, err := auth.RandomToken(r.rand)
	if err != nil {
		return RefreshGrant{}, fmt.Errorf("backend: refresh tokens: %w", err)
	}
	login := LoginFrom(ctx)
	family := login.SessionID
	if family == uuid.Nil {
		if family, err = uuid.NewRandomFromReader(r.rand); err != nil {
			return RefreshGrant{}, fmt.Errorf("backend: refresh tokens: new family id: %w", err)
		}
	}
	now := r.now()
	rt := auth.RefreshToken{
		Digest: auth.TokenDigest(token), FamilyID: family, UserID: userID,
		CreatedAt: now, FamilyCreatedAt: now, ExpiresAt: r.expiry(now, now), Origin: login.Origin,
	}
	if err := r.store.CreateRefreshToken(ctx, rt); err != nil {
		// auth.ErrRefreshTokenExists means the random source repeats itself.
		return RefreshGrant{}, fmt.Errorf("backend: refresh tokens: storing a token: %w", err)
	}
	return r.grant(token, now, rt.ExpiresAt), nil
}

// Check returns the stored record of a refresh token that may be exchanged:
// known, unused, and within both its own and its family's lifetime by the
// refresher's clock. Any other token gives an error wrapping
// ErrInvalidRefreshToken; a used one revokes its family first and gives a
// *RefreshReuseError. A failing store gives its error, wrapped.
func (r *Refresher) Check(ctx context.Context, token string) (auth.RefreshToken, error) {
	if r.err != nil {
		return auth.RefreshToken{}, r.err
	}
	if !auth.IsRandomToken(token) {
		return auth.RefreshToken{}, errRefreshMalformed
	}
	digest := auth.TokenDigest(token)
	rt, err := r.store.GetRefreshToken(ctx, digest)
	if errors.Is(err, auth.ErrRefreshTokenNotFound) {
		return auth.RefreshToken{}, errRefreshUnknown
	}
	if err != nil {
		return auth.RefreshToken{}, fmt.Errorf("backend: refresh tokens: reading a token: %w", err)
	}
	if !digestsEqual(rt.Digest, digest) {
		return auth.RefreshToken{}, errRefreshUnknown
	}
	if r.expired(rt, r.now()) {
		// Past its lifetime a token is refused as expired, used or not:
		// reuse is detected for as long as the token could have worked.
		return auth.RefreshToken{}, errRefreshExpired
	}
	if rt.Used {
		return auth.RefreshToken{}, r.reused(ctx, rt)
	}
	return rt, nil
}

// expired applies the configured lifetimes as well as the stored expiry, so
// that shortening them takes effect on tokens issued before.
func (r *Refresher) expired(rt auth.RefreshToken, now time.Time) bool {
	return !now.Before(rt.ExpiresAt) || !now.Before(rt.CreatedAt.Add(r.lifetime)) ||
		!now.Before(rt.FamilyCreatedAt.Add(r.maxLifetime))
}

// reused revokes the family of a reused token. If that fails, the failure is
// returned rather than a 401: the revocation did not happen, and must not
// pass silently.
func (r *Refresher) reused(ctx context.Context, rt auth.RefreshToken) error {
	if _, err := r.store.DeleteRefreshFamily(context.WithoutCancel(ctx), rt.FamilyID); err != nil {
		return fmt.Errorf("backend: refresh tokens: revoking a reused token's family: %w", err)
	}
	return &RefreshReuseError{UserID: rt.UserID, FamilyID: rt.FamilyID}
}

// Rotate exchanges old, a record Check returned, for its successor in the
// same family, and returns the successor. If old was exchanged meanwhile
// (a concurrent refresh, or a replay racing the client) the family is
// revoked and the error is a *RefreshReuseError; if it was revoked
// meanwhile, the error wraps ErrInvalidRefreshToken.
func (r *Refresher) Rotate(ctx context.Context, old auth.RefreshToken) (RefreshGrant, error) {
	if r.err != nil {
		return RefreshGrant{}, r.err
	}
	token, err := auth.RandomToken(r.rand)
	if err != nil {
		return RefreshGrant{}, fmt.Errorf("backend: refresh tokens: %w", err)
	}
	now := r.now()
	next := auth.RefreshToken{
		Digest: auth.TokenDigest(token), FamilyID: old.FamilyID, UserID: old.UserID,
		CreatedAt: now, FamilyCreatedAt: old.FamilyCreatedAt, ExpiresAt: r.expiry(now, old.FamilyCreatedAt),
		Origin: old.Origin,
	}
	err = r.store.RotateRefreshToken(ctx, old.Digest, next)
	switch {
	case errors.Is(err, auth.ErrRefreshTokenReused):
		return RefreshGrant{}, r.reused(ctx, old)
	case errors.Is(err, auth.ErrRefreshTokenNotFound):
		return RefreshGrant{}, errRefreshUnknown
	case err != nil:
		return RefreshGrant{}, fmt.Errorf("backend: refresh tokens: rotating a token: %w", err)
	}
	return r.grant(token, now, next.ExpiresAt), nil
}

// Revoke ends the family of a refresh token (logout with the refresh token
// at hand) if it belongs to userID, and reports whether it did. A token
// that is malformed, unknown or another user's is not an error: nothing is
// done.
func (r *Refresher) Revoke(ctx context.Context, token string, userID uuid.UUID) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if !auth.IsRandomToken(token) {
		return false, nil
	}
	digest := auth.TokenDigest(token)
	rt, err := r.store.GetRefreshToken(ctx, digest)
	if errors.Is(err, auth.ErrRefreshTokenNotFound) || (err == nil && (!digestsEqual(rt.Digest, digest) || rt.UserID != userID)) {
		return false, nil
	}
	if err == nil {
		_, err = r.store.DeleteRefreshFamily(ctx, rt.FamilyID)
	}
	if err != nil {
		return false, fmt.Errorf("backend: refresh tokens: revoking a family: %w", err)
	}
	return true, nil
}

// RevokeFamily ends one family, as found in a record Check returned.
func (r *Refresher) RevokeFamily(ctx context.Context, familyID uuid.UUID) error {
	if r.err != nil {
		return r.err
	}
	if _, err := r.store.DeleteRefreshFamily(ctx, familyID); err != nil {
		return fmt.Errorf("backend: refresh tokens: revoking a family: %w", err)
	}
	return nil
}

// RevokeUser ends every refresh token of the user, as Revoker describes.
func (r *Refresher) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	if r.err != nil {
		return r.err
	}
	if _, err := r.store.DeleteUserRefreshTokens(ctx, userID); err != nil {
		return fmt.Errorf("backend: refresh tokens: revoking a user's tokens: %w", err)
	}
	return nil
}

// RevokeUserExcept ends every refresh token of the user but those of the
// family keep.ID, as SessionKeeper describes.
func (r *Refresher) RevokeUserExcept(ctx context.Context, userID uuid.UUID, keep user.CurrentSession) error {
	if r.err != nil {
		return r.err
	}
	if _, err := r.store.DeleteUserRefreshTokensExcept(ctx, userID, keep.ID); err != nil {
		return fmt.Errorf("backend: refresh tokens: revoking a user's other tokens: %w", err)
	}
	return nil
}

// UserSessions returns a part for each token of the user that may still be
// exchanged, as SessionKeeper describes: its family is the session, begun
// at the login, last used when that token was issued, expiring with it.
func (r *Refresher) UserSessions(ctx context.Context, userID uuid.UUID) ([]user.Session, error) {
	if r.err != nil {
		return nil, r.err
	}
	tokens, err := r.store.UserRefreshTokens(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("backend: refresh tokens: listing a user's tokens: %w", err)
	}
	now := r.now()
	list := make([]user.Session, 0, len(tokens))
	for _, rt := range tokens {
		if rt.Used || r.expired(rt, now) {
			continue
		}
		list = append(list, RefreshSession(rt, r.expiry(rt.CreatedAt, rt.FamilyCreatedAt)))
	}
	return list, nil
}

// RefreshSession is the part of a session a refresh token that may still
// be exchanged is: its family, from the login to expires, last used when
// the token was issued.
func RefreshSession(rt auth.RefreshToken, expires time.Time) user.Session {
	if rt.ExpiresAt.Before(expires) {
		expires = rt.ExpiresAt
	}
	return user.Session{
		ID: rt.FamilyID, Backend: rt.Origin.Backend, CreatedAt: rt.FamilyCreatedAt, LastUsedAt: rt.CreatedAt, ExpiresAt: expires,
		ClientAddr: rt.Origin.ClientAddr, UserAgent: rt.Origin.UserAgent, Refresh: true,
	}
}

// EndSession ends the family sessionID if it is the user's, as
// SessionKeeper describes.
func (r *Refresher) EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	tokens, err := r.store.UserRefreshTokens(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("backend: refresh tokens: listing a user's tokens: %w", err)
	}
	for _, rt := range tokens {
		if rt.FamilyID == sessionID {
			if _, err := r.store.DeleteRefreshFamily(ctx, sessionID); err != nil {
				return true, fmt.Errorf("backend: refresh tokens: ending a session: %w", err)
			}
			return true, nil
		}
	}
	return false, nil
}

// Purge deletes the tokens that have expired, by the refresher's clock, and
// returns how many it deleted. Check refuses them anyway; Purge keeps the
// store from growing. Call it periodically, or use StartPurge.
func (r *Refresher) Purge(ctx context.Context) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.store.DeleteRefreshTokensExpiredBefore(ctx, r.now())
	if err != nil {
		return n, fmt.Errorf("backend: refresh tokens: purging expired tokens: %w", err)
	}
	return n, nil
}

// StartPurge calls Purge every interval in a new goroutine until ctx is
// done, and returns a channel closed when that goroutine has returned, as
// DatabaseStrategy.StartPurge does.
func (r *Refresher) StartPurge(ctx context.Context, every time.Duration, onError func(error)) <-chan struct{} {
	return startPurge(ctx, every, r.Purge, onError)
}
