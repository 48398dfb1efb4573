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
// "<user id> <issued at, Unix nanoseconds>", with a time to live of the
// lifetime. FastAPI Users keys by the token itself; keying by its digest
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
}

var (
	_ backend.Strategy  = (*Strategy)(nil)
	_ backend.Revoker   = (*Strategy)(nil)
	_ backend.Validator = (*Strategy)(nil)
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

// WriteToken issues a new token for u: its key and its entry in the user's
// index are written in one script.
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
	created, err := s.write.Run(ctx, s.client,
		[]string{s.tokenKey(digest), s.userKey(u.ID)},
		encodeValue(u.ID, now), s.ttl, digest, now.Add(s.lifetime).UnixMilli(), now.UnixMilli(),
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
	if s.err != nil {
		return uuid.Nil, s.err
	}
	if !auth.IsRandomToken(token) {
		return uuid.Nil, errNotOpaque
	}
	val, err := s.client.Get(ctx, s.tokenKey(auth.TokenDigest(token))).Result()
	if errors.Is(err, redis.Nil) {
		return uuid.Nil, errUnknownToken
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("redistoken: reading a token: %w", err)
	}
	id, created, ok := parseValue(val)
	if !ok {
		return uuid.Nil, errBadValue
	}
	// Checked here as well as by Redis's time to live, so that the
	// strategy's clock decides, as for the other strategies.
	if !s.now().Before(created.Add(s.lifetime)) {
		return uuid.Nil, errExpiredToken
	}
	return id, nil
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
