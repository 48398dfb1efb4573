package redistoken_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/user"
)

type fixture struct {
	c      *redis.Client
	prefix string
	clock  *strategytest.Clock
	s      *redistoken.Strategy
}

func newFixture(t *testing.T, cfg redistoken.Config) fixture {
	t.Helper()
	f := fixture{c: newClient(t), clock: strategytest.NewClock(start)}
	f.prefix = newPrefix(t, f.c)
	cfg.Client, cfg.KeyPrefix, cfg.Now = f.c, f.prefix, f.clock.Now
	if cfg.Lifetime == 0 {
		cfg.Lifetime = time.Hour
	}
	f.s = redistoken.New(cfg)
	if err := f.s.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) write(t *testing.T, u *user.Base) string {
	t.Helper()
	tok, err := f.s.WriteToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestKeyLayout pins what the package doc promises about the keys.
func TestKeyLayout(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{Lifetime: 90*time.Minute + 500*time.Millisecond})
	u := &user.Base{ID: uuid.New()}
	tok := f.write(t, u)
	digest := auth.TokenDigest(tok)

	val, err := f.c.Get(ctx, f.prefix+digest).Result()
	if err != nil {
		t.Fatalf("GET token key: %v", err)
	}
	if want := u.ID.String() + " " + strconv.FormatInt(start.UnixNano(), 10); val != want {
		t.Errorf("value = %q, want %q", val, want)
	}
	ttl := f.c.TTL(ctx, f.prefix+digest).Val()
	if ttl <= 90*time.Minute || ttl > 91*time.Minute {
		t.Errorf("token TTL = %v, want the lifetime rounded up to a second", ttl)
	}

	index := f.prefix + "user:" + u.ID.String()
	members, err := f.c.ZRangeWithScores(ctx, index, 0, -1).Result()
	if err != nil {
		t.Fatalf("ZRANGE index: %v", err)
	}
	wantScore := float64(start.Add(90*time.Minute + 500*time.Millisecond).UnixMilli())
	if len(members) != 1 || members[0].Member != digest || members[0].Score != wantScore {
		t.Errorf("index = %v, want [%s scored %v]", members, digest, wantScore)
	}
	if ttl := f.c.TTL(ctx, index).Val(); ttl <= 90*time.Minute || ttl > 91*time.Minute {
		t.Errorf("index TTL = %v, want the lifetime", ttl)
	}

	if err := f.s.RevokeUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.c.Exists(ctx, f.prefix+digest, index).Val(); n != 0 {
		t.Errorf("%d keys left after RevokeUser, want 0", n)
	}
}

// TestIndexBounded: a user who logs in again and again without logging out
// has an index of live tokens only.
func TestIndexBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	u := &user.Base{ID: uuid.New()}
	for range 5 {
		f.write(t, u)
	}
	index := f.prefix + "user:" + u.ID.String()
	if n := f.c.ZCard(ctx, index).Val(); n != 5 {
		t.Fatalf("index holds %d entries, want 5", n)
	}
	f.clock.Advance(time.Hour) // the five have expired
	live := f.write(t, u)
	members := f.c.ZRange(ctx, index, 0, -1).Val()
	if len(members) != 1 || members[0] != auth.TokenDigest(live) {
		t.Fatalf("index = %v, want only the live token", members)
	}
}

// TestLogoutUpdatesIndex: a logged-out token leaves its user's index.
func TestLogoutUpdatesIndex(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	u := &user.Base{ID: uuid.New()}
	a, b := f.write(t, u), f.write(t, u)
	if err := f.s.DestroyToken(ctx, a, u); err != nil {
		t.Fatal(err)
	}
	members := f.c.ZRange(ctx, f.prefix+"user:"+u.ID.String(), 0, -1).Val()
	if len(members) != 1 || members[0] != auth.TokenDigest(b) {
		t.Fatalf("index = %v, want only the remaining token", members)
	}
	// Without the user, the token still ends.
	if err := f.s.DestroyToken(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ReadToken(ctx, b); !errors.Is(err, backend.ErrInvalidToken) {
		t.Fatalf("ReadToken after DestroyToken(nil user) = %v", err)
	}
}

// TestRevokeManyTokens crosses the script's DEL batches.
func TestRevokeManyTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	u, other := &user.Base{ID: uuid.New()}, &user.Base{ID: uuid.New()}
	tokens := make([]string, 1100)
	for i := range tokens {
		tokens[i] = f.write(t, u)
	}
	kept := f.write(t, other)
	if err := f.s.RevokeUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	keys, err := scanKeys(ctx, f.c, f.prefix)
	if err != nil {
		t.Fatal(err)
	}
	// Left: the other user's token and index.
	if len(keys) != 2 {
		t.Fatalf("%d keys left after revoking 1100 tokens, want 2", len(keys))
	}
	if id, err := f.s.ReadToken(ctx, kept); err != nil || id != other.ID {
		t.Fatalf("other user's token: %v, %v", id, err)
	}
}

// TestDuplicateToken: a random source that repeats itself makes the second
// login fail instead of sharing the first one's session.
func TestDuplicateToken(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{Rand: bytes.NewReader(make([]byte, 64))})
	a, b := &user.Base{ID: uuid.New()}, &user.Base{ID: uuid.New()}
	tok := f.write(t, a)
	if _, err := f.s.WriteToken(ctx, b); !errors.Is(err, auth.ErrTokenExists) {
		t.Fatalf("second WriteToken = %v, want ErrTokenExists", err)
	}
	if id, err := f.s.ReadToken(ctx, tok); err != nil || id != a.ID {
		t.Fatalf("ReadToken = %v, %v; want the first user", id, err)
	}
	if n := f.c.Exists(ctx, f.prefix+"user:"+b.ID.String()).Val(); n != 0 {
		t.Fatal("the refused login left an index")
	}
}

// TestForeignValues: a key under the prefix that the strategy did not write
// never grants a session; a key of the wrong type is a Redis error.
func TestForeignValues(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	tok, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	key := f.prefix + auth.TokenDigest(tok)
	for _, v := range []string{"", "1", uuid.NewString(), uuid.NewString() + " ", uuid.NewString() + " -5", "x" + uuid.NewString()[1:] + " 5"} {
		if err := f.c.Set(ctx, key, v, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if id, err := f.s.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) || id != uuid.Nil {
			t.Errorf("ReadToken of value %q = %v, %v; want ErrInvalidToken", v, id, err)
		}
	}
	if err := f.c.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	if err := f.c.RPush(ctx, key, "x").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ReadToken(ctx, tok); err == nil || errors.Is(err, backend.ErrInvalidToken) {
		t.Errorf("ReadToken of a list = %v, want a Redis error", err)
	}
}

// TestOneCommandPerRead: reading a token is one GET.
func TestOneCommandPerRead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	counter := &commandCounter{}
	f.c.AddHook(counter)
	u := &user.Base{ID: uuid.New()}
	tok := f.write(t, u)
	before := counter.n.Load()
	for range 10 {
		if _, err := f.s.ReadToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter.n.Load() - before; n != 10 {
		t.Errorf("10 reads sent %d commands, want 10", n)
	}
}
