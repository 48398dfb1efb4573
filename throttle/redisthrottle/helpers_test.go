package redisthrottle_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
)

// newClient connects to the test Redis (skipping the test without one, or
// failing it in CI) and closes the client at the end of the test.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: testenv.Redis(t)})
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at %s: %v", c.Options().Addr, err)
	}
	return c
}

// newPrefix returns a key prefix of the test's own, and deletes every key
// under it at the end of the test, so tests sharing a server never meet.
func newPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	prefix := "usersauth_test:throttle:" + testenv.RandomHex(t, 8) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := scanKeys(ctx, c, prefix)
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
		}
	})
	return prefix
}

// scanKeys lists the keys under prefix (which holds no glob characters).
func scanKeys(ctx context.Context, c *redis.Client, prefix string) ([]string, error) {
	var keys []string
	it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	return keys, it.Err()
}

// newStore returns a store on the test Redis under a prefix of its own.
func newStore(t testing.TB, c *redis.Client, cfg redisthrottle.Config) *redisthrottle.Store {
	t.Helper()
	cfg.Client = c
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = newPrefix(t, c)
	}
	s, err := redisthrottle.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
