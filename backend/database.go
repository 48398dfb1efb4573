package backend

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// DatabaseConfig configures a DatabaseStrategy. Store and Lifetime are
// required; the zero value of the others has a sensible meaning.
type DatabaseConfig struct {
	// Store keeps the tokens' digests.
	Store TokenStore
	// Lifetime is how long a token stays valid after it is issued.
	Lifetime time.Duration
	// Now gives the current time; nil means time.Now.
	Now func() time.Time
	// Rand is the source of the tokens' bytes; nil means crypto/rand. It
	// must be safe for concurrent use.
	Rand io.Reader
}

// DatabaseStrategy issues opaque tokens and keeps them server-side in a
// TokenStore: FastAPI Users' DatabaseStrategy, with the token stored only as
// its SHA-256 digest. Tokens are 32 random bytes in unpadded base64url (43
// characters), as FastAPI Users issues them (OWASP Session Management Cheat
// Sheet: at least 64 bits of entropy from a CSPRNG).
//
// A token is valid from its creation for the configured lifetime, by the
// strategy's clock. Logout deletes it; RevokeUser deletes every token of a
// user. Expired rows are refused when read and are otherwise left in the
// store until Purge removes them: a host calls Purge periodically, or starts
// StartPurge once.
//
// Each token is a session a user can list and end (SessionKeeper): it
// records its session id (the refresh family issued with it, or an id of
// its own, TokenSessionID of its digest), its expiry, where the sign-in came from (LoginFrom), and when
// it was last used, which a read writes when it is TouchInterval old: at
// most one write per token a minute, the other reads stay reads.
//
// Unlike FastAPI Users' table, which holds the tokens themselves, the store
// holds digests, so tokens issued by a FastAPI Users deployment are not
// carried over: their users log in again.
//
// A DatabaseStrategy is safe for concurrent use.
type DatabaseStrategy struct {
	err      error
	store    TokenStore
	lifetime time.Duration
	now      func() time.Time
	rand     io.Reader
}

var (
	_ Strategy      = (*DatabaseStrategy)(nil)
	_ Revoker       = (*DatabaseStrategy)(nil)
	_ Validator     = (*DatabaseStrategy)(nil)
	_ SessionReader = (*DatabaseStrategy)(nil)
	_ SessionKeeper = (*DatabaseStrategy)(nil)
)

// Database returns a strategy keeping tokens in store, valid for lifetime:
// the configuration of FastAPI Users' DatabaseStrategy(database,
// lifetime_seconds).
func Database(store TokenStore, lifetime time.Duration) *DatabaseStrategy {
	return NewDatabase(DatabaseConfig{Store: store, Lifetime: lifetime})
}

// NewDatabase returns a strategy for cfg. The configuration is checked here;
// if it is unusable, Validate reports why and every other method returns
// that error.
func NewDatabase(cfg DatabaseConfig) *DatabaseStrategy {
	s := &DatabaseStrategy{store: cfg.Store, lifetime: cfg.Lifetime, now: cfg.Now, rand: cfg.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	switch {
	case cfg.Store == nil:
		s.err = errors.New("backend: database strategy: no TokenStore")
	case cfg.Lifetime <= 0:
		s.err = errors.New("backend: database strategy: lifetime must be positive")
	}
	return s
}

// Validate reports whether the configuration is usable: a store and a
// positive lifetime.
func (s *DatabaseStrategy) Validate() error { return s.err }

// WriteToken issues a new token for u and stores its digest, with the
// session and origin of LoginFrom(ctx).
func (s *DatabaseStrategy) WriteToken(ctx context.Context, u *user.Base) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	if u == nil {
		return "", errors.New("backend: database strategy: WriteToken without a user")
	}
	token, err := auth.RandomToken(s.rand)
	if err != nil {
		return "", fmt.Errorf("backend: database strategy: %w", err)
	}
	login := LoginFrom(ctx)
	digest := auth.TokenDigest(token)
	if login.SessionID == uuid.Nil {
		login.SessionID = auth.TokenSessionID(digest)
	}
	now := s.now()
	at := auth.AccessToken{
		Digest: digest, UserID: u.ID, CreatedAt: now,
		SessionID: login.SessionID, ExpiresAt: now.Add(s.lifetime), Origin: login.Origin,
	}
	if err := s.store.CreateToken(ctx, at); err != nil {
		// auth.ErrTokenExists means the random source repeats itself: fail
		// rather than hand one session to two logins.
		return "", fmt.Errorf("backend: database strategy: storing a token: %w", err)
	}
	return token, nil
}

// ReadToken returns the id of the user the token was issued to. A token of
// another form, unknown or expired gives an error wrapping ErrInvalidToken;
// a failing store gives its error, wrapped. An expired token's row is
// deleted on the way, if the store allows.
func (s *DatabaseStrategy) ReadToken(ctx context.Context, token string) (uuid.UUID, error) {
	t, err := s.ReadSession(ctx, token)
	return t.UserID, err
}

// ReadSession reads the token as ReadToken does and returns its user and
// session. When the token's LastUsedAt is TouchInterval old, it writes the
// time; that write is best effort: a failure leaves the answer as it is,
// and the next read tries again.
func (s *DatabaseStrategy) ReadSession(ctx context.Context, token string) (TokenInfo, error) {
	if s.err != nil {
		return TokenInfo{}, s.err
	}
	if !auth.IsRandomToken(token) {
		return TokenInfo{}, errNotOpaque
	}
	digest := auth.TokenDigest(token)
	at, err := s.store.GetToken(ctx, digest)
	if errors.Is(err, auth.ErrTokenNotFound) {
		return TokenInfo{}, errUnknownToken
	}
	if err != nil {
		return TokenInfo{}, fmt.Errorf("backend: database strategy: reading a token: %w", err)
	}
	// The store found the row by digest; check it is that digest, in
	// constant time, rather than trust a lookup that may fold case or trim.
	if !digestsEqual(at.Digest, digest) {
		return TokenInfo{}, errUnknownToken
	}
	now := s.now()
	if !now.Before(at.CreatedAt.Add(s.lifetime)) {
		// Best effort: the answer is the same whether the delete works, and
		// Purge gets the row otherwise.
		_ = s.store.DeleteToken(ctx, digest)
		return TokenInfo{}, errExpiredToken
	}
	if TouchDue(at.CreatedAt, at.LastUsedAt, now) {
		_ = s.store.TouchToken(ctx, digest, now)
	}
	return TokenInfo{UserID: at.UserID, SessionID: accessSessionID(at)}, nil
}

// accessSessionID is the session a stored token belongs to.
func accessSessionID(at auth.AccessToken) uuid.UUID {
	if at.SessionID != uuid.Nil {
		return at.SessionID
	}
	return auth.TokenSessionID(at.Digest)
}

// AccessSession returns the part of a session a stored access token is,
// for UserSessions: its session (auth.TokenSessionID of its digest when it
// was stored without one), origin and times, expiring with the earlier of
// lifetime past its creation and the expiry it was stored with. A lifetime
// of 0 means the stored expiry alone, zero when none was stored: what a
// reader without the strategy's configuration (an admin tool) knows.
func AccessSession(at auth.AccessToken, lifetime time.Duration) user.Session {
	expires := at.ExpiresAt
	if lifetime > 0 {
		if byLifetime := at.CreatedAt.Add(lifetime); expires.IsZero() || byLifetime.Before(expires) {
			expires = byLifetime
		}
	}
	last := at.LastUsedAt
	if last.Before(at.CreatedAt) {
		last = at.CreatedAt
	}
	return user.Session{
		ID: accessSessionID(at), Backend: at.Origin.Backend, CreatedAt: at.CreatedAt, LastUsedAt: last, ExpiresAt: expires,
		ClientAddr: at.Origin.ClientAddr, UserAgent: at.Origin.UserAgent,
	}
}

// digestsEqual is subtle.ConstantTimeCompare on strings, without copying
// them to byte slices on every request.
func digestsEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// Refusals of ReadToken, shared by the opaque-token strategies: they carry
// nothing of the token, so one value serves every call.
var (
	errNotOpaque    = fmt.Errorf("%w: not an opaque token", ErrInvalidToken)
	errUnknownToken = fmt.Errorf("%w: unknown token", ErrInvalidToken)
	errExpiredToken = fmt.Errorf("%w: %w", ErrInvalidToken, auth.ErrTokenExpired)
)

// DestroyToken deletes the token (logout). A token that is unknown, already
// deleted or not of this strategy's form is not an error: the session is
// over either way.
func (s *DatabaseStrategy) DestroyToken(ctx context.Context, token string, _ *user.Base) error {
	if s.err != nil {
		return s.err
	}
	if !auth.IsRandomToken(token) {
		return nil
	}
	err := s.store.DeleteToken(ctx, auth.TokenDigest(token))
	if err != nil && !errors.Is(err, auth.ErrTokenNotFound) {
		return fmt.Errorf("backend: database strategy: deleting a token: %w", err)
	}
	return nil
}

// RevokeUser deletes every token of the user, as Revoker describes.
func (s *DatabaseStrategy) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	if s.err != nil {
		return s.err
	}
	if _, err := s.store.DeleteUserTokens(ctx, userID); err != nil {
		return fmt.Errorf("backend: database strategy: revoking a user's tokens: %w", err)
	}
	return nil
}

// RevokeUserExcept deletes every token of the user but keep's, as
// SessionKeeper describes.
func (s *DatabaseStrategy) RevokeUserExcept(ctx context.Context, userID uuid.UUID, keep user.CurrentSession) error {
	if s.err != nil {
		return s.err
	}
	if _, err := s.store.DeleteUserTokensExcept(ctx, userID, keep.TokenDigest); err != nil {
		return fmt.Errorf("backend: database strategy: revoking a user's other tokens: %w", err)
	}
	return nil
}

// UserSessions returns a part for each live token of the user, as
// SessionKeeper describes.
func (s *DatabaseStrategy) UserSessions(ctx context.Context, userID uuid.UUID) ([]user.Session, error) {
	if s.err != nil {
		return nil, s.err
	}
	tokens, err := s.store.UserTokens(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("backend: database strategy: listing a user's tokens: %w", err)
	}
	now := s.now()
	list := make([]user.Session, 0, len(tokens))
	for _, at := range tokens {
		if now.Before(at.CreatedAt.Add(s.lifetime)) {
			list = append(list, AccessSession(at, s.lifetime))
		}
	}
	return list, nil
}

// EndSession deletes the user's tokens of the session, as SessionKeeper
// describes.
func (s *DatabaseStrategy) EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	tokens, err := s.store.UserTokens(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("backend: database strategy: listing a user's tokens: %w", err)
	}
	found := false
	for _, at := range tokens {
		if accessSessionID(at) != sessionID {
			continue
		}
		found = true
		if err := s.store.DeleteToken(ctx, at.Digest); err != nil && !errors.Is(err, auth.ErrTokenNotFound) {
			return true, fmt.Errorf("backend: database strategy: ending a session: %w", err)
		}
	}
	return found, nil
}

// Purge deletes the tokens created more than the lifetime ago, by the
// strategy's clock, and returns how many it deleted. ReadToken refuses them
// anyway; Purge keeps the table from growing with abandoned sessions. Call it
// periodically, or use StartPurge.
func (s *DatabaseStrategy) Purge(ctx context.Context) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.store.DeleteTokensCreatedBefore(ctx, s.now().Add(-s.lifetime))
	if err != nil {
		return n, fmt.Errorf("backend: database strategy: purging expired tokens: %w", err)
	}
	return n, nil
}

// StartPurge calls Purge every interval in a new goroutine until ctx is
// done, and returns a channel closed when that goroutine has returned. A
// failed purge is passed to onError, if not nil, and the next one is tried
// on schedule. every must be positive, as for time.NewTicker.
//
// With several instances sharing one store, each may run its own: purges
// are idempotent.
func (s *DatabaseStrategy) StartPurge(ctx context.Context, every time.Duration, onError func(error)) <-chan struct{} {
	return startPurge(ctx, every, s.Purge, onError)
}
