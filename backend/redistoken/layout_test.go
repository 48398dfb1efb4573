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
	// A token that is its own session: the id comes from its digest.
	sid := auth.TokenSessionID(digest)
	if want := u.ID.String() + " " + strconv.FormatInt(start.UnixNano(), 10) + " 0 " + sid.String() + " {}"; val != want {
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

// TestTouchKeepsTTL: a read a TouchInterval after the last writes the time
// back in one more command, without extending the key's life; other reads
// stay one GET.
func TestTouchKeepsTTL(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	counter := &commandCounter{}
	f.c.AddHook(counter)
	u := &user.Base{ID: uuid.New()}
	tok := f.write(t, u)
	key := f.prefix + auth.TokenDigest(tok)
	// Shorten the key's life, so that a write extending it would show.
	if err := f.c.Expire(ctx, key, 10*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance  time.Duration
		commands int64
	}{{0, 1}, {30 * time.Second, 1}, {30 * time.Second, 2}, {time.Second, 1}} {
		f.clock.Advance(step.advance)
		before := counter.n.Load()
		if _, err := f.s.ReadToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if n := counter.n.Load() - before; n != step.commands {
			t.Fatalf("a read %v later sent %d commands, want %d", step.advance, n, step.commands)
		}
	}
	if ttl := f.c.TTL(ctx, key).Val(); ttl > 10*time.Minute || ttl < 9*time.Minute {
		t.Fatalf("TTL after a touch = %v, want the 10 minutes it had", ttl)
	}
	sessions, err := f.s.UserSessions(ctx, u.ID)
	if err != nil || len(sessions) != 1 || !sessions[0].LastUsedAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("UserSessions = %+v, %v; want last used a minute after the start", sessions, err)
	}
	// A touch never brings back a key deleted meanwhile.
	if err := f.s.DestroyToken(ctx, tok, u); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.s.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) {
		t.Fatalf("ReadToken after logout = %v", err)
	}
	if n := f.c.Exists(ctx, key).Val(); n != 0 {
		t.Fatal("the token's key came back")
	}
}

// TestOldValues: a key written before sessions were recorded keeps working:
// it reads, is listed as a session of its own (its id from its digest) and
// ends like one, and its first touch rewrites it in the new form.
func TestOldValues(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	u := &user.Base{ID: uuid.New()}
	tok, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	digest := auth.TokenDigest(tok)
	key := f.prefix + digest
	old := u.ID.String() + " " + strconv.FormatInt(start.UnixNano(), 10)
	if err := f.c.Set(ctx, key, old, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := f.c.ZAdd(ctx, f.prefix+"user:"+u.ID.String(), redis.Z{Score: float64(start.Add(time.Hour).UnixMilli()), Member: digest}).Err(); err != nil {
		t.Fatal(err)
	}
	info, err := f.s.ReadSession(ctx, tok)
	if err != nil || info.UserID != u.ID || info.SessionID != auth.TokenSessionID(digest) {
		t.Fatalf("ReadSession(old value) = %+v, %v", info, err)
	}
	if v := f.c.Get(ctx, key).Val(); v != old {
		t.Fatalf("a read within the minute rewrote the key: %q", v)
	}
	sessions, err := f.s.UserSessions(ctx, u.ID)
	if err != nil || len(sessions) != 1 || sessions[0].ID != info.SessionID || !sessions[0].CreatedAt.Equal(start) {
		t.Fatalf("UserSessions = %+v, %v", sessions, err)
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.s.ReadToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	want := old + " " + strconv.FormatInt(start.Add(2*time.Minute).UnixNano(), 10) + " " + info.SessionID.String() + " {}"
	if v := f.c.Get(ctx, key).Val(); v != want {
		t.Fatalf("after a touch the key holds %q, want %q", v, want)
	}
	if found, err := f.s.EndSession(ctx, u.ID, info.SessionID); err != nil || !found {
		t.Fatalf("EndSession = %v, %v", found, err)
	}
	if _, err := f.s.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) {
		t.Fatalf("ReadToken after EndSession = %v", err)
	}
}

// TestRevokeExceptManyTokens crosses the script's batches and keeps the one
// token asked for, index entry included.
func TestRevokeExceptManyTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	u := &user.Base{ID: uuid.New()}
	tokens := make([]string, 1100)
	for i := range tokens {
		tokens[i] = f.write(t, u)
	}
	keep := tokens[700]
	if err := f.s.RevokeUserExcept(ctx, u.ID, user.CurrentSession{TokenDigest: auth.TokenDigest(keep)}); err != nil {
		t.Fatal(err)
	}
	keys, err := scanKeys(ctx, f.c, f.prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d keys left, want the kept token and the index", len(keys))
	}
	if m := f.c.ZRange(ctx, f.prefix+"user:"+u.ID.String(), 0, -1).Val(); len(m) != 1 || m[0] != auth.TokenDigest(keep) {
		t.Fatalf("index = %v, want only the kept token", m)
	}
	if id, err := f.s.ReadToken(ctx, keep); err != nil || id != u.ID {
		t.Fatalf("kept token: %v, %v", id, err)
	}
}

// TestListSkipsForeignEntries: an index entry naming a key of another user,
// of another form, or gone, is no session.
func TestListSkipsForeignEntries(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, redistoken.Config{})
	u, other := &user.Base{ID: uuid.New()}, &user.Base{ID: uuid.New()}
	mine := f.write(t, u)
	theirs := f.write(t, other)
	index := f.prefix + "user:" + u.ID.String()
	score := float64(start.Add(time.Hour).UnixMilli())
	f.c.ZAdd(ctx, index, redis.Z{Score: score, Member: auth.TokenDigest(theirs)}, redis.Z{Score: score, Member: "gone"}, redis.Z{Score: score, Member: "junk"})
	f.c.Set(ctx, f.prefix+"junk", "junk", time.Hour)
	sessions, err := f.s.UserSessions(ctx, u.ID)
	if err != nil || len(sessions) != 1 || sessions[0].ID != auth.TokenSessionID(auth.TokenDigest(mine)) {
		t.Fatalf("UserSessions = %+v, %v; want only the user's own token", sessions, err)
	}
	if found, err := f.s.EndSession(ctx, u.ID, auth.TokenSessionID(auth.TokenDigest(theirs))); err != nil || found {
		t.Fatalf("EndSession(another user's session) = %v, %v", found, err)
	}
	if id, err := f.s.ReadToken(ctx, theirs); err != nil || id != other.ID {
		t.Fatalf("the other user's token: %v, %v", id, err)
	}
}
