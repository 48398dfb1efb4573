// Package redistoken is a backend.Strategy keeping opaque tokens in Redis:
// FastAPI Users' RedisStrategy, with the token stored only as its SHA-256
// digest. It lives in its own package so that the core does not import
// go-redis.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	s := redistoken.New(redistoken.Config{Client: rdb, Lifetime: time.Hour})
//	be := backend.Backend{Name: "redis", Transport: backend.Bearer("auth/redis/login"), Strategy: s}
//
// # Keys
//
// A token is the key KeyPrefix + auth.TokenDigest(token), holding
// "<user id> <issued at> <last used> <session id> <origin>" (times in Unix
// nanoseconds, the origin as JSON; see value.go), with a time to live of
// the lifetime. Keys written before sessions were recorded hold
// "<user id> <issued at>" and keep working. FastAPI Users keys by the token itself; keying by its digest
// means that a dump, a replica or a MONITOR session never yields a usable
// token (OWASP Session Management Cheat Sheet). Tokens issued by a FastAPI
// Users deployment are therefore not carried over: their users log in again.
//
// Each user also has an index, the sorted set KeyPrefix + "user:" + id, of
// the digests of their live tokens scored by expiry, so that RevokeUser can
// find them. A login adds to it and drops expired entries, atomically with
// writing the token (a Lua script), and extends its time to live to the
// newest token's.
//
// # Sessions
//
// Each token is a session a user can list and end (backend.SessionKeeper):
// listing reads the user's index and the tokens it names (one MGET); the
// last use is written back, keeping the time to live, when it is
// backend.TouchInterval old, so most reads stay one GET.
//
// # Refresh tokens
//
// NewRefreshStore gives a backend.RefreshStore under the same prefix, for a
// backend's RefreshConfig: each token a hash at KeyPrefix + "refresh:" +
// digest, forgotten by Redis when it expires, with sets per family and per
// user for revocation and a sorted set by expiry for purges.
//
// # Deployment
//
// The scripts touch a token's key and its user's index together, so every
// key must live on one server: a standalone Redis or a Sentinel-managed
// primary (redis.NewFailoverClient). Redis Cluster and client-side sharding
// (redis.Ring) are refused by Validate. Connections, timeouts and retries
// are the client's, configured by the host.
package redistoken

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// DefaultKeyPrefix is FastAPI Users' key prefix, used when Config.KeyPrefix
// is empty.
const DefaultKeyPrefix = "fastapi_users_token:"

// Config configures a Strategy. Client and Lifetime are required; the zero
// value of the others has a sensible meaning.
type Config struct {
	// Client is the host's Redis client.
	Client redis.UniversalClient
	// Lifetime is how long a token stays valid after it is issued, at
	// least one second (Redis counts the key's time to live in seconds).
	Lifetime time.Duration
	// KeyPrefix starts every key the strategy writes; empty means
	// DefaultKeyPrefix. Two services sharing a Redis keep their sessions
	// apart with different prefixes.
	KeyPrefix string
	// Now gives the current time; nil means time.Now.
	Now func() time.Time
	// Rand is the source of the tokens' bytes; nil means crypto/rand. It
	// must be safe for concurrent use.
	Rand io.Reader
}

// Strategy issues opaque tokens and keeps them in Redis. Tokens are 32
// random bytes in unpadded base64url (43 characters), as FastAPI Users
// issues them.
//
// A token is valid from its issue for the lifetime, by the strategy's clock;
// Redis also forgets it when its time to live runs out. Logout deletes it,
// RevokeUser deletes every token of a user.
//
// Any Redis failure is returned wrapped, as an infrastructure failure; only
// a missing key means an unknown token (backend.ErrInvalidToken).
//
// A Strategy is safe for concurrent use.
type Strategy struct {
	err      error
	client   redis.UniversalClient
	lifetime time.Duration
	ttl      int64 // the lifetime in whole seconds, rounded up
	prefix   string
	now      func() time.Time
	rand     io.Reader
	write    *redis.Script
	revoke   *redis.Script
	except   *redis.Script
}

var (
	_ backend.Strategy      = (*Strategy)(nil)
	_ backend.Revoker       = (*Strategy)(nil)
	_ backend.Validator     = (*Strategy)(nil)
	_ backend.SessionReader = (*Strategy)(nil)
	_ backend.SessionKeeper = (*Strategy)(nil)
)

// New returns a strategy for cfg. The configuration is checked here; if it
// is unusable, Validate reports why and every other method returns that
// error.
func New(cfg Config) *Strategy {
	s := &Strategy{
		client:   cfg.Client,
		lifetime: cfg.Lifetime,
		prefix:   cfg.KeyPrefix,
		now:      cfg.Now,
		rand:     cfg.Rand,
		write:    redis.NewScript(writeScript),
		revoke:   redis.NewScript(revokeScript),
		except:   redis.NewScript(revokeExceptScript),
	}
	s.ttl = int64(cfg.Lifetime / time.Second)
	if cfg.Lifetime%time.Second != 0 {
		s.ttl++ // rounded up, so Redis never forgets a token the clock still accepts
	}
	if s.prefix == "" {
		s.prefix = DefaultKeyPrefix
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.err = checkClient(cfg.Client)
	if s.err == nil && cfg.Lifetime < time.Second {
		s.err = errors.New("redistoken: lifetime under one second")
	}
	return s
}

// checkClient refuses a missing client, and clients that spread keys over
// several servers, which the scripts cannot work with.
func checkClient(client redis.UniversalClient) error {
	switch c := client.(type) {
	case nil:
		return errors.New("redistoken: no Redis client")
	case *redis.Client:
		if c == nil {
			return errors.New("redistoken: no Redis client")
		}
	case *redis.ClusterClient, *redis.Ring:
		return errors.New("redistoken: a token and its user's index must live on one server: Redis Cluster and Ring are not supported")
	}
	return nil
}

// Validate reports whether the configuration is usable: a client that talks
// to one server and a lifetime of at least a second.
func (s *Strategy) Validate() error { return s.err }

// KeyPrefix returns the prefix of every key the strategy writes.
func (s *Strategy) KeyPrefix() string { return s.prefix }

func (s *Strategy) tokenKey(digest string) string { return s.prefix + digest }

func (s *Strategy) userKey(id uuid.UUID) string { return s.prefix + "user:" + id.String() }

// WriteToken issues a new token for u, with the session and origin of
// backend.LoginFrom(ctx): its key and its entry in the user's index are
// written in one script.
func (s *Strategy) WriteToken(ctx context.Context, u *user.Base) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	if u == nil {
		return "", errors.New("redistoken: WriteToken without a user")
	}
	token, err := auth.RandomToken(s.rand)
	if err != nil {
		return "", fmt.Errorf("redistoken: %w", err)
	}
	digest := auth.TokenDigest(token)
	now := s.now()
	login := backend.LoginFrom(ctx)
	v := value{userID: u.ID, created: now, session: login.SessionID, origin: encodeOrigin(login.Origin)}
	if v.session == uuid.Nil {
		v.session = auth.TokenSessionID(digest)
	}
	created, err := s.write.Run(ctx, s.client,
		[]string{s.tokenKey(digest), s.userKey(u.ID)},
		v.encode(), s.ttl, digest, now.Add(s.lifetime).UnixMilli(), now.UnixMilli(),
	).Int()
	if err != nil {
		return "", fmt.Errorf("redistoken: storing a token: %w", err)
	}
	if created == 0 {
		// The random source repeats itself: fail rather than hand one
		// session to two logins.
		return "", fmt.Errorf("redistoken: storing a token: %w", auth.ErrTokenExists)
	}
	return token, nil
}

// Refusals of ReadToken: they carry nothing of the token, so one value
// serves every call.
var (
	errNotOpaque    = fmt.Errorf("%w: not an opaque token", backend.ErrInvalidToken)
	errUnknownToken = fmt.Errorf("%w: unknown token", backend.ErrInvalidToken)
	errBadValue     = fmt.Errorf("%w: the stored value is not a token's", backend.ErrInvalidToken)
	errExpiredToken = fmt.Errorf("%w: %w", backend.ErrInvalidToken, auth.ErrTokenExpired)
)

// ReadToken returns the id of the user the token was issued to. A token of
// another form, unknown, revoked or expired gives an error wrapping
// backend.ErrInvalidToken, without a round trip for a token of another
// form; a Redis failure gives its error, wrapped.
func (s *Strategy) ReadToken(ctx context.Context, token string) (uuid.UUID, error) {
	t, err := s.ReadSession(ctx, token)
	return t.UserID, err
}

// ReadSession reads the token as ReadToken does and returns its user and
// session. When its last use is backend.TouchInterval old, it writes the
// time back (SET XX KEEPTTL: never recreating a key revoked meanwhile, the
// time to live kept); that write is best effort, as the database
// strategy's.
func (s *Strategy) ReadSession(ctx context.Context, token string) (backend.TokenInfo, error) {
	if s.err != nil {
		return backend.TokenInfo{}, s.err
	}
	if !auth.IsRandomToken(token) {
		return backend.TokenInfo{}, errNotOpaque
	}
	digest := auth.TokenDigest(token)
	key := s.tokenKey(digest)
	val, err := s.client.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return backend.TokenInfo{}, errUnknownToken
	}
	if err != nil {
		return backend.TokenInfo{}, fmt.Errorf("redistoken: reading a token: %w", err)
	}
	v, ok := parseValue(val)
	if !ok {
		return backend.TokenInfo{}, errBadValue
	}
	// Checked here as well as by Redis's time to live, so that the
	// strategy's clock decides, as for the other strategies.
	now := s.now()
	if !now.Before(v.created.Add(s.lifetime)) {
		return backend.TokenInfo{}, errExpiredToken
	}
	if v.session == uuid.Nil {
		v.session, v.origin = auth.TokenSessionID(digest), encodeOrigin(auth.Origin{})
	}
	if backend.TouchDue(v.created, v.lastUsed, now) {
		v.lastUsed = now
		_ = s.client.SetArgs(ctx, key, v.encode(), redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	}
	return backend.TokenInfo{UserID: v.userID, SessionID: v.session}, nil
}

// DestroyToken deletes the token (logout) and, when u is given (the token's
// owner), its entry in u's index, in one transaction. A token that is
// unknown, already deleted or not of this strategy's form is not an error:
// the session is over either way.
func (s *Strategy) DestroyToken(ctx context.Context, token string, u *user.Base) error {
	if s.err != nil {
		return s.err
	}
	if !auth.IsRandomToken(token) {
		return nil
	}
	digest := auth.TokenDigest(token)
	var err error
	if u == nil {
		// The index entry stays until it expires; it names no live token.
		err = s.client.Del(ctx, s.tokenKey(digest)).Err()
	} else {
		_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, s.tokenKey(digest))
			p.ZRem(ctx, s.userKey(u.ID), digest)
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("redistoken: deleting a token: %w", err)
	}
	return nil
}

// RevokeUserExcept deletes every token of the user but keep's, in one
// script, as backend.SessionKeeper describes.
func (s *Strategy) RevokeUserExcept(ctx context.Context, userID uuid.UUID, keep user.CurrentSession) error {
	if s.err != nil {
		return s.err
	}
	if err := s.except.Run(ctx, s.client, []string{s.userKey(userID)}, s.prefix, keep.TokenDigest).Err(); err != nil {
		return fmt.Errorf("redistoken: revoking a user's other tokens: %w", err)
	}
	return nil
}

// liveTokens returns the user's tokens live at now, read from the index and
// the keys it names, with their digests and sessions (TokenSessionID of the
// digest for a key of the old form).
func (s *Strategy) liveTokens(ctx context.Context, userID uuid.UUID, now time.Time) ([]auth.AccessToken, error) {
	digests, err := s.client.ZRangeByScore(ctx, s.userKey(userID), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf",
	}).Result()
	if err != nil || len(digests) == 0 {
		return nil, err
	}
	keys := make([]string, len(digests))
	for i, d := range digests {
		keys[i] = s.tokenKey(d)
	}
	vals, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	tokens := make([]auth.AccessToken, 0, len(vals))
	for i, raw := range vals {
		str, ok := raw.(string)
		if !ok {
			continue // gone meanwhile
		}
		v, ok := parseValue(str)
		if !ok || v.userID != userID || !now.Before(v.created.Add(s.lifetime)) {
			continue
		}
		if v.session == uuid.Nil {
			v.session = auth.TokenSessionID(digests[i]) // the old form, as ReadSession reads it
		}
		tokens = append(tokens, auth.AccessToken{
			Digest: digests[i], UserID: v.userID, CreatedAt: v.created, SessionID: v.session,
			LastUsedAt: v.lastUsed, Origin: decodeOrigin(v.origin),
		})
	}
	return tokens, nil
}

// UserSessions returns a part for each live token of the user, as
// backend.SessionKeeper describes.
func (s *Strategy) UserSessions(ctx context.Context, userID uuid.UUID) ([]user.Session, error) {
	if s.err != nil {
		return nil, s.err
	}
	tokens, err := s.liveTokens(ctx, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("redistoken: listing a user's tokens: %w", err)
	}
	list := make([]user.Session, len(tokens))
	for i, at := range tokens {
		list[i] = backend.AccessSession(at, s.lifetime)
	}
	return list, nil
}

// EndSession deletes the user's tokens of the session and their index
// entries, in one transaction, as backend.SessionKeeper describes.
func (s *Strategy) EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	tokens, err := s.liveTokens(ctx, userID, s.now())
	if err != nil {
		return false, fmt.Errorf("redistoken: listing a user's tokens: %w", err)
	}
	var digests []string
	for _, at := range tokens {
		if at.SessionID == sessionID {
			digests = append(digests, at.Digest)
		}
	}
	if len(digests) == 0 {
		return false, nil
	}
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		members := make([]any, len(digests))
		for i, d := range digests {
			p.Del(ctx, s.tokenKey(d))
			members[i] = d
		}
		p.ZRem(ctx, s.userKey(userID), members...)
		return nil
	})
	if err != nil {
		return true, fmt.Errorf("redistoken: ending a session: %w", err)
	}
	return true, nil
}

// RevokeUser deletes every token of the user and the user's index, in one
// script, as backend.Revoker describes.
func (s *Strategy) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	if s.err != nil {
		return s.err
	}
	if err := s.revoke.Run(ctx, s.client, []string{s.userKey(userID)}, s.prefix).Err(); err != nil {
		return fmt.Errorf("redistoken: revoking a user's tokens: %w", err)
	}
	return nil
}
