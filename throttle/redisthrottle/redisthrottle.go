// Package redisthrottle is a throttle.Store in Redis, so that several
// instances of a service share their counts: a guess refused by one is
// refused by all. It lives in its own package so that package throttle does
// not import go-redis.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	store, err := redisthrottle.New(redisthrottle.Config{Client: rdb})
//
// # Keys
//
// A key is stored at KeyPrefix + key, holding its TAT in Unix microseconds
// as a decimal string, with a time to live ending when its bucket is full
// again: Redis forgets keys that have nothing counted. A key longer than 64
// bytes, or starting with "sha256:", is stored as "sha256:" and the
// unpadded base64url SHA-256 of the key instead, so that a 64 KiB username
// costs 50 bytes; short keys stay readable with redis-cli.
//
// Each operation is one Lua script run (EVALSHA, and EVAL when the server
// does not have the script yet) on one key, atomic on the server; Reset is
// one DEL. Every key stands alone, so Redis Cluster and redis.Ring work too.
//
// # Time
//
// By default the script reads the server's clock (TIME), so that instances
// whose clocks differ still agree; Config.Now replaces it, for tests.
//
// # Failures
//
// A failure to reach Redis or an error reply is returned wrapping
// throttle.ErrUnavailable (and the go-redis error); whether a request then
// passes or is refused is the caller's choice. Timeouts and retries are the
// client's, configured by the host: a limiter that waits long for Redis
// makes every login wait, so keep ReadTimeout short.
package redisthrottle

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/throttle"
)

// DefaultKeyPrefix starts every key when Config.KeyPrefix is empty.
const DefaultKeyPrefix = "usersauth:throttle:"

// Keys longer than maxKeyLen, or starting with digestPrefix, are stored as
// digestPrefix and their digest. Digesting the second kind too means that
// no short key is stored where a long key's digest is.
const (
	maxKeyLen    = 64
	digestPrefix = "sha256:"
)

// Config configures a Store. Client is required; the zero value of the
// others has a sensible meaning.
type Config struct {
	// Client is the host's Redis client.
	Client redis.UniversalClient
	// KeyPrefix starts every key the store writes; empty means
	// DefaultKeyPrefix. Two services sharing a Redis keep their counts
	// apart with different prefixes.
	KeyPrefix string
	// Now gives the current time; nil means the Redis server's clock.
	Now func() time.Time
}

// Store is a throttle.Store in Redis. It is safe for concurrent use.
type Store struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
	gcra   *redis.Script
}

var _ throttle.Store = (*Store)(nil)

// New returns a Store for cfg, or an error if cfg has no client.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisthrottle: Config.Client is required")
	}
	s := &Store{client: cfg.Client, prefix: cfg.KeyPrefix, now: cfg.Now, gcra: redis.NewScript(gcraScript)}
	if s.prefix == "" {
		s.prefix = DefaultKeyPrefix
	}
	return s, nil
}

// Take implements throttle.Store.
func (s *Store) Take(ctx context.Context, key string, rule throttle.Rule) (throttle.Decision, error) {
	return s.run(ctx, "take", key, rule)
}

// Peek implements throttle.Store.
func (s *Store) Peek(ctx context.Context, key string, rule throttle.Rule) (throttle.Decision, error) {
	return s.run(ctx, "peek", key, rule)
}

// Refund implements throttle.Store.
func (s *Store) Refund(ctx context.Context, key string, rule throttle.Rule) error {
	_, err := s.run(ctx, "refund", key, rule)
	return err
}

// Reset implements throttle.Store.
func (s *Store) Reset(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisthrottle: reset: %w", err)
	}
	if err := s.client.Del(ctx, s.key(key)).Err(); err != nil {
		return s.fail(ctx, "reset", err)
	}
	return nil
}

// key returns the Redis key under which s counts key: KeyPrefix and the
// key, or its digest when it is long (see the package documentation).
func (s *Store) key(key string) string {
	if len(key) <= maxKeyLen && !strings.HasPrefix(key, digestPrefix) {
		return s.prefix + key
	}
	sum := sha256.Sum256([]byte(key))
	return s.prefix + digestPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// run runs the script's operation op on key under rule.
func (s *Store) run(ctx context.Context, op, key string, rule throttle.Rule) (throttle.Decision, error) {
	if rule.Unlimited() {
		return throttle.Decision{Allowed: true}, nil
	}
	if err := rule.Validate(); err != nil {
		return throttle.Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return throttle.Decision{}, fmt.Errorf("redisthrottle: %s: %w", op, err)
	}
	now := ""
	if s.now != nil {
		now = strconv.FormatInt(s.now().UnixMicro(), 10)
	}
	iv := rule.Interval().Microseconds()
	res, err := s.gcra.Run(ctx, s.client, []string{s.key(key)}, op, iv, rule.Limit, now).Int64Slice()
	if err != nil {
		return throttle.Decision{}, s.fail(ctx, op, err)
	}
	if len(res) != 4 {
		return throttle.Decision{}, fmt.Errorf("redisthrottle: %s: %w: %d values in the script's reply, want 4", op, throttle.ErrUnavailable, len(res))
	}
	return throttle.Decision{
		Allowed:    res[0] == 1,
		RetryAfter: time.Duration(res[1]) * time.Microsecond,
		Remaining:  int(res[2]),
		ResetAfter: time.Duration(res[3]) * time.Microsecond,
	}, nil
}

// fail wraps a go-redis error: in ctx's error if ctx is done (the caller
// gave up), in throttle.ErrUnavailable otherwise. Neither names the key.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("redisthrottle: %s: %w: %w", op, ctxErr, err)
	}
	return fmt.Errorf("redisthrottle: %s: %w: %w", op, throttle.ErrUnavailable, err)
}
