package redisthrottle_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
)

var five = throttle.Rule{Limit: 5, Window: time.Minute}

func mustTake(t *testing.T, s throttle.Store, key string, r throttle.Rule) throttle.Decision {
	t.Helper()
	d, err := s.Take(t.Context(), key, r)
	if err != nil {
		t.Fatalf("Take(%.40q): %v", key, err)
	}
	return d
}

func TestNewRequiresClient(t *testing.T) {
	if _, err := redisthrottle.New(redisthrottle.Config{}); err == nil {
		t.Fatal("New without a client succeeded")
	}
}

// TestKeyLayout holds the store to the keys its documentation describes:
// the prefix and the key, or the digest of a long one, holding the TAT in
// Unix microseconds, expiring when the bucket is full again.
func TestKeyLayout(t *testing.T) {
	c := newClient(t)
	ctx := t.Context()
	now := time.Date(2030, time.January, 1, 9, 0, 0, 0, time.UTC)
	prefix := newPrefix(t, c)
	s := newStore(t, c, redisthrottle.Config{KeyPrefix: prefix, Now: func() time.Time { return now }})
	digest := func(key string) string {
		sum := sha256.Sum256([]byte(key))
		return prefix + "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
	}
	long := strings.Repeat("k", 64<<10)
	for _, tc := range []struct {
		name, key, stored string
	}{
		{"Short", "login:account:king.arthur@camelot.bt", prefix + "login:account:king.arthur@camelot.bt"},
		{"SixtyFourBytes", long[:64], prefix + long[:64]},
		{"SixtyFiveBytes", long[:65], digest(long[:65])},
		{"SixtyFourKiB", long, digest(long)},
		{"LooksLikeADigest", "sha256:abc", digest("sha256:abc")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Peek(ctx, tc.key, five); err != nil {
				t.Fatal(err)
			}
			if n, err := c.Exists(ctx, tc.stored).Result(); err != nil || n != 0 {
				t.Fatalf("after Peek, %q exists: %d, %v", tc.stored, n, err)
			}
			mustTake(t, s, tc.key, five)
			mustTake(t, s, tc.key, five)
			v, err := c.Get(ctx, tc.stored).Result()
			if err != nil {
				t.Fatalf("GET %.60q: %v", tc.stored, err)
			}
			if want := strconv.FormatInt(now.Add(24*time.Second).UnixMicro(), 10); v != want {
				t.Errorf("stored TAT = %q, want %q", v, want)
			}
			if ttl, err := c.PTTL(ctx, tc.stored).Result(); err != nil || ttl <= 23*time.Second || ttl > 24*time.Second {
				t.Errorf("time to live = %s, %v; want the 24 s until the bucket is full", ttl, err)
			}
			if err := s.Refund(ctx, tc.key, five); err != nil {
				t.Fatal(err)
			}
			if ttl, err := c.PTTL(ctx, tc.stored).Result(); err != nil || ttl <= 11*time.Second || ttl > 12*time.Second {
				t.Errorf("time to live after a refund = %s, %v; want 12 s", ttl, err)
			}
			if err := s.Refund(ctx, tc.key, five); err != nil {
				t.Fatal(err)
			}
			if n, err := c.Exists(ctx, tc.stored).Result(); err != nil || n != 0 {
				t.Errorf("after refunding everything, %q exists: %d, %v", tc.stored, n, err)
			}
			mustTake(t, s, tc.key, five)
			if err := s.Reset(ctx, tc.key); err != nil {
				t.Fatal(err)
			}
			if n, err := c.Exists(ctx, tc.stored).Result(); err != nil || n != 0 {
				t.Errorf("after Reset, %q exists: %d, %v", tc.stored, n, err)
			}
		})
	}
	keys, err := scanKeys(ctx, c, prefix)
	if err != nil || len(keys) != 0 {
		t.Errorf("keys left under the prefix: %q, %v", keys, err)
	}
}

// TestDefaultKeyPrefix: an empty KeyPrefix writes under DefaultKeyPrefix.
func TestDefaultKeyPrefix(t *testing.T) {
	c := newClient(t)
	s, err := redisthrottle.New(redisthrottle.Config{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	key := "test:" + newPrefix(t, c) // unique; newPrefix's cleanup does not see it
	t.Cleanup(func() { c.Del(context.Background(), redisthrottle.DefaultKeyPrefix+key) })
	mustTake(t, s, key, five)
	if n, err := c.Exists(t.Context(), redisthrottle.DefaultKeyPrefix+key).Result(); err != nil || n != 1 {
		t.Errorf("%s%s exists: %d, %v; want 1", redisthrottle.DefaultKeyPrefix, key, n, err)
	}
}

// TestServerTime: without Now the store counts by the server's clock, and
// two instances on one Redis share their counts exactly.
func TestServerTime(t *testing.T) {
	c := newClient(t)
	other := newClient(t)
	prefix := newPrefix(t, c)
	a := newStore(t, c, redisthrottle.Config{KeyPrefix: prefix})
	b := newStore(t, other, redisthrottle.Config{KeyPrefix: prefix})
	rule := throttle.Rule{Limit: 3, Window: time.Hour}

	mustTake(t, a, "k", rule)
	mustTake(t, b, "k", rule)
	if d := mustTake(t, a, "k", rule); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("third Take = %+v, want the last of the burst", d)
	}
	d := mustTake(t, b, "k", rule)
	if d.Allowed || d.RetryAfter <= 20*time.Minute-5*time.Second || d.RetryAfter > 20*time.Minute {
		t.Errorf("fourth Take, on the other instance = %+v, want refused for just under 20 minutes", d)
	}
	serverNow, err := c.Time(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Get(t.Context(), prefix+"k").Int64()
	if err != nil {
		t.Fatal(err)
	}
	if tat := time.UnixMicro(v); tat.Sub(serverNow) <= time.Hour-5*time.Second || tat.Sub(serverNow) > time.Hour {
		t.Errorf("stored TAT %s, want an hour after the server's %s", tat, serverNow)
	}

	// Racing instances: exactly Limit of their Takes on a fresh key pass.
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			d, err := s.Take(t.Context(), "race", throttle.Rule{Limit: 10, Window: time.Hour})
			if err != nil {
				t.Error(err)
			}
			if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Errorf("%d of 40 Takes on two instances allowed, want 10", n)
	}
}

// TestScriptFlushed: a server that lost its scripts (a restart, SCRIPT
// FLUSH, a failover) is sent the script again.
func TestScriptFlushed(t *testing.T) {
	c := newClient(t)
	s := newStore(t, c, redisthrottle.Config{})
	mustTake(t, s, "k", five)
	if err := c.ScriptFlush(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	if d := mustTake(t, s, "k", five); !d.Allowed || d.Remaining != 3 {
		t.Errorf("Take after SCRIPT FLUSH = %+v, want allowed with 3 remaining", d)
	}
}

// TestUnavailable: an unreachable server and an error reply are
// throttle.ErrUnavailable, which the caller maps to failing open or closed,
// and the error names no key.
func TestUnavailable(t *testing.T) {
	const key = "login:account:guinevere-secret@camelot.bt"
	check := func(t *testing.T, op string, err error) {
		t.Helper()
		switch {
		case !errors.Is(err, throttle.ErrUnavailable):
			t.Errorf("%s = %v, want %v", op, err, throttle.ErrUnavailable)
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			t.Errorf("%s = %v, a context error for a live context", op, err)
		case strings.Contains(err.Error(), "guinevere"):
			t.Errorf("%s error %q names the key", op, err)
		}
	}
	t.Run("Unreachable", func(t *testing.T) {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
		t.Cleanup(func() { c.Close() })
		s, err := redisthrottle.New(redisthrottle.Config{Client: c})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Take(t.Context(), key, five)
		check(t, "Take", err)
		_, err = s.Peek(t.Context(), key, five)
		check(t, "Peek", err)
		check(t, "Refund", s.Refund(t.Context(), key, five))
		check(t, "Reset", s.Reset(t.Context(), key))
	})
	t.Run("WrongType", func(t *testing.T) {
		c := newClient(t)
		prefix := newPrefix(t, c)
		s := newStore(t, c, redisthrottle.Config{KeyPrefix: prefix})
		if err := c.HSet(t.Context(), prefix+key, "f", "v").Err(); err != nil {
			t.Fatal(err)
		}
		_, err := s.Take(t.Context(), key, five)
		check(t, "Take", err)
	})
}
