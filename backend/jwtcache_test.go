package backend

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

var cacheSecret = []byte("0123456789abcdef0123456789abcdef")

// TestReadTokenCacheHitSkipsVerification swaps the verifier for one with
// another key after the first read: only a cache hit can still accept the
// token, and only a verified token can have entered the cache.
func TestReadTokenCacheHitSkipsVerification(t *testing.T) {
	s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour})
	tok, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.cache.len(); n != 0 {
		t.Fatalf("WriteToken cached %d entries", n)
	}
	if id, err := s.ReadToken(context.Background(), tok); err != nil || id != fixtureUser {
		t.Fatalf("ReadToken = %v, %v", id, err)
	}
	other, err := auth.NewJWTVerifier(auth.HS256, []byte("another-secret-another-secret-another"), []string{AccessAudience}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.verifier = other
	if id, err := s.ReadToken(context.Background(), tok); err != nil || id != fixtureUser {
		t.Fatalf("second ReadToken did not come from the cache: %v, %v", id, err)
	}
	uncached := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour, CacheSize: -1})
	if uncached.cache != nil {
		t.Fatal("CacheSize -1 still has a cache")
	}
	if _, err := uncached.ReadToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	uncached.verifier = other
	if _, err := uncached.ReadToken(context.Background(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("uncached strategy did not verify again: %v", err)
	}
}

func TestReadTokenCacheOnlyVerified(t *testing.T) {
	f := loadAccess(t)
	s := f.strategy(t, "hs256", fixedNow(fixtureNow), 0)
	for _, row := range f.Tokens {
		if row.VerifyWith != "hs256" {
			continue
		}
		if _, err := s.ReadToken(context.Background(), row.Token); err == nil && !row.Valid && row.ID != "hs256-unknown-user" {
			t.Fatalf("%s accepted", row.ID)
		}
	}
	// Exactly the hs256 rows that verify: valid-2100, aud-string,
	// aud-list-superset, sub-uuid-hex-upper, unknown-user.
	if n := s.cache.len(); n != 5 {
		t.Fatalf("cache holds %d tokens, want the 5 verified ones", n)
	}
}

// TestReadTokenCacheExpiry moves the clock across exp: a cached token stops
// working exactly when an uncached one would, and leaves the cache.
func TestReadTokenCacheExpiry(t *testing.T) {
	issued := time.Unix(1_900_000_000, 0)
	clk := newClock(issued)
	s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour, Now: clk.now})
	tok, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser})
	if err != nil {
		t.Fatal(err)
	}
	exp := issued.Add(time.Hour)
	for _, step := range []struct {
		name  string
		now   time.Time
		valid bool
	}{
		{"at issue", issued, true},
		{"last nanosecond", exp.Add(-time.Nanosecond), true},
		{"at exp", exp, false},
		{"after exp", exp.Add(time.Minute), false},
	} {
		t.Run(step.name, func(t *testing.T) {
			clk.set(step.now)
			id, err := s.ReadToken(context.Background(), tok)
			if step.valid && (err != nil || id != fixtureUser) {
				t.Fatalf("ReadToken = %v, %v", id, err)
			}
			if !step.valid {
				if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, auth.ErrTokenExpired) {
					t.Fatalf("ReadToken = %v, %v; want expired", id, err)
				}
				if n := s.cache.len(); n != 0 {
					t.Fatalf("expired token still cached (%d entries)", n)
				}
			}
		})
	}
}

// TestReadTokenCacheBounded floods a small cache with distinct valid tokens.
func TestReadTokenCacheBounded(t *testing.T) {
	for _, size := range []int{1, 16, 64, 1000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour, CacheSize: size})
			shards := len(s.cache.shards)
			tokens := make([]string, 0, 3*size+10)
			ids := make([]uuid.UUID, 0, cap(tokens))
			for range cap(tokens) {
				id := uuid.New()
				tok, err := s.WriteToken(context.Background(), &user.Base{ID: id})
				if err != nil {
					t.Fatal(err)
				}
				tokens, ids = append(tokens, tok), append(ids, id)
				if got, err := s.ReadToken(context.Background(), tok); err != nil || got != id {
					t.Fatalf("ReadToken = %v, %v", got, err)
				}
				if n := s.cache.len(); n > size+shards-1 {
					t.Fatalf("cache holds %d entries, bound %d", n, size)
				}
			}
			// Evicted tokens verify again.
			for i, tok := range tokens {
				if got, err := s.ReadToken(context.Background(), tok); err != nil || got != ids[i] {
					t.Fatalf("token %d after eviction: %v, %v", i, got, err)
				}
			}
		})
	}
}

func TestTokenCacheEvictsExpiredFirst(t *testing.T) {
	c := newTokenCache(1)
	now := time.Unix(1_900_000_000, 0)
	c.add("old", cacheEntry{id: uuid.New(), exp: now.Add(time.Minute)}, now)
	later := now.Add(time.Hour)
	c.add("new", cacheEntry{id: fixtureUser, exp: later.Add(time.Hour)}, later)
	if n := c.len(); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
	if e, found, ok := c.lookup("new", later); !found || !ok || e.id != fixtureUser {
		t.Fatal("new entry missing")
	}
}

// TestTokenCacheSweepsExpired: a cache far from full still lets go of the
// tokens that expired, within sweepEvery additions to their shard.
func TestTokenCacheSweepsExpired(t *testing.T) {
	c := newTokenCache(1 << 16)
	sh := &c.shards[0]
	c.shards = c.shards[:1] // every token in one shard
	c.shift = 64
	now := time.Unix(1_900_000_000, 0)
	for i := range 100 {
		c.add("old"+strconv.Itoa(i), cacheEntry{id: uuid.New(), exp: now.Add(time.Minute)}, now)
	}
	if n := len(sh.m); n != 100 {
		t.Fatalf("%d entries, want 100 valid ones", n)
	}
	later := now.Add(2 * time.Hour)
	for i := range c.sweepEvery {
		c.add("new"+strconv.Itoa(i), cacheEntry{id: uuid.New(), exp: later.Add(time.Hour)}, later)
	}
	if n := len(sh.m); n != c.sweepEvery {
		t.Fatalf("%d entries after %d additions past the others' expiry, want only the %d new ones", n, c.sweepEvery, c.sweepEvery)
	}
	for k := range sh.m {
		if !strings.HasPrefix(k, "new") {
			t.Fatalf("expired token %q still cached", k)
		}
	}
}

// TestTokenCacheTimes: the cache keeps times in Unix nanoseconds; a token
// whose expiry does not fit is not kept (verified every time), and one
// whose nbf does not fit counts as valid since then, as it is.
func TestTokenCacheTimes(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	for _, tc := range []struct {
		name     string
		exp, nbf time.Time
		kept, ok bool
	}{
		{"no nbf", now.Add(time.Hour), time.Time{}, true, true},
		{"nbf past", now.Add(time.Hour), now.Add(-time.Hour), true, true},
		{"nbf in the year 1000", now.Add(time.Hour), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), true, true},
		{"exp in the year 2262, in range", time.Unix(0, math.MaxInt64), time.Time{}, true, true},
		{"exp in the year 3000", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, false, false},
		{"no exp", time.Time{}, time.Time{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTokenCache(16)
			c.add("tok", cacheEntry{id: fixtureUser, exp: tc.exp, nbf: tc.nbf, epoch: 7}, now)
			e, found, ok := c.lookup("tok", now)
			if found != tc.kept || ok != tc.ok {
				t.Fatalf("lookup = found %v, ok %v; want %v, %v", found, ok, tc.kept, tc.ok)
			}
			if ok && (e.id != fixtureUser || e.epoch != 7) {
				t.Fatalf("lookup = %+v", e)
			}
		})
	}
}

func TestTokenCacheShardSizes(t *testing.T) {
	for _, size := range []int{1, 15, 16, 31, 32, 100, DefaultJWTCacheSize, 1 << 20} {
		c := newTokenCache(size)
		n := len(c.shards)
		if n&(n-1) != 0 || n > maxShards || c.perShard*n < size || c.perShard*n >= size+n {
			t.Errorf("size %d: %d shards of %d", size, n, c.perShard)
		}
	}
}

// TestTokenCacheCopiesKey: a token may be a slice of a large Cookie header;
// the cache must not keep that header alive.
func TestTokenCacheCopiesKey(t *testing.T) {
	c := newTokenCache(16)
	now := time.Unix(1_900_000_000, 0)
	header := []byte("a=b; fastapiusersauth=token-bytes; c=d")
	key := unsafe.String(&header[22], len("token-bytes"))
	c.add(key, cacheEntry{id: fixtureUser, exp: now.Add(time.Hour)}, now)
	found := false
	for k := range c.shard(key).m {
		if k == key {
			found = true
			if unsafe.StringData(k) == unsafe.StringData(key) {
				t.Fatal("cache kept the caller's buffer")
			}
		}
	}
	if !found {
		t.Fatal("token not cached")
	}
}

// TestReadTokenCachedZeroAllocs is the allocation half of the performance
// requirement: a cache hit allocates nothing.
func TestReadTokenCachedZeroAllocs(t *testing.T) {
	s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour})
	tok, err := s.WriteToken(context.Background(), &user.Base{ID: fixtureUser})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.ReadToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if id, err := s.ReadToken(ctx, tok); err != nil || id != fixtureUser {
			panic("cache miss")
		}
	})
	if allocs != 0 {
		t.Fatalf("cached ReadToken allocates %.1f times", allocs)
	}
}

// TestTokenCacheSpreadsTokens checks that the cheap shard choice spreads
// real tokens over every shard.
func TestTokenCacheSpreadsTokens(t *testing.T) {
	s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour})
	counts := make(map[*cacheShard]int)
	for range 2000 {
		tok, err := s.WriteToken(context.Background(), &user.Base{ID: uuid.New()})
		if err != nil {
			t.Fatal(err)
		}
		counts[s.cache.shard(tok)]++
	}
	if len(counts) != len(s.cache.shards) {
		t.Fatalf("2000 tokens reached %d of %d shards", len(counts), len(s.cache.shards))
	}
	for _, n := range counts {
		if n < 2000/len(s.cache.shards)/3 {
			t.Fatalf("unbalanced shards: %v", counts)
		}
	}
}

// BenchmarkReadTokenCacheActiveUsers reads the tokens of 100,000 users, one
// each, as that many active users do: it fills a cache of the default size
// and reports the Go heap the cache holds, then measures reads of random
// tokens among them, every one a hit, not a signature check.
func BenchmarkReadTokenCacheActiveUsers(b *testing.B) {
	const n = 100_000
	s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour})
	ctx := context.Background()
	tokens := make([]string, n)
	for i := range tokens {
		tok, err := s.WriteToken(ctx, &user.Base{ID: uuid.New()})
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = tok
	}
	before := heapInUse()
	for _, tok := range tokens {
		if _, err := s.ReadToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
	held := heapInUse() - before
	if got := s.cache.len(); got != n {
		b.Fatalf("the cache holds %d of %d tokens", got, n)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.ReadToken(ctx, tokens[(i*7919)%n]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(held)/n, "B/token")
	b.ReportMetric(float64(held)/(1<<20), "MiB/100k")
	b.ReportMetric(float64(len(tokens[0])), "token-bytes")
}

// heapInUse returns the bytes of live heap objects after a collection.
func heapInUse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestReadSessionCachedKeepsSession: a token answered from the cache names
// its session as the verified read did, so that a session ended one by one
// (user.Base.EndedSessions) refuses it on every later request, not only on
// the first.
func TestReadSessionCachedKeepsSession(t *testing.T) {
	s := NewJWT(JWTConfig{Secret: cacheSecret, Lifetime: time.Hour})
	family := uuid.New()
	tok, err := s.WriteToken(WithLogin(context.Background(), Login{SessionID: family}), &user.Base{ID: fixtureUser})
	if err != nil {
		t.Fatal(err)
	}
	ended := &user.Base{ID: fixtureUser, EndedSessions: family.String()}
	for read := range 3 {
		info, err := s.ReadSession(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if info.SessionID != family {
			t.Fatalf("read %d: session %v, want %v", read, info.SessionID, family)
		}
		if info.Allows(ended) {
			t.Fatalf("read %d: a token of an ended session is allowed", read)
		}
		if !info.Allows(&user.Base{ID: fixtureUser}) {
			t.Fatalf("read %d: a token of a live session is refused", read)
		}
	}
	if n := s.cache.len(); n != 1 {
		t.Fatalf("cache holds %d entries, want 1", n)
	}
}
