package backend

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// tokenCache remembers tokens whose signature and claims have been verified,
// keyed by the exact token string, so that reading one again skips the
// signature check and the JSON decoding. Only verified tokens enter it.
//
// It is split into shards, each a map under its own lock, so that parallel
// readers of different tokens rarely meet. Each shard holds at most perShard
// entries; adding to a full shard first drops one entry (an expired one if
// found among a few, else an arbitrary one), so memory stays bounded however
// many distinct valid tokens arrive. Every sweepEvery additions, a shard
// also drops all its expired entries, so that a cache far from full does
// not keep tokens nobody can use any more: it holds the tokens read within
// their lifetime, up to its bound.
type tokenCache struct {
	shift      uint // 64 - log2(len(shards))
	perShard   int
	sweepEvery int
	shards     []cacheShard
}

type cacheShard struct {
	mu    sync.RWMutex
	m     map[string]cachedToken
	added int // additions since the last sweep
	// Keep the locks of neighbouring shards on separate cache lines: a
	// reader's atomic update of one must not slow readers of the next.
	_ [64]byte
}

type cacheEntry struct {
	id       uuid.UUID
	exp, nbf time.Time // nbf is zero when the token had none
	epoch    int64     // the epoch claim of a revocable strategy's token
	session  uuid.UUID // its session claim, uuid.Nil when it has none
	sid      string    // session in canonical form, "" when it has none
}

// cachedToken is a cacheEntry as a shard keeps it: the times in Unix
// nanoseconds, 72 bytes rather than 104, which counts with 100,000 entries.
type cachedToken struct {
	id       uuid.UUID
	exp, nbf int64 // nbf is math.MinInt64 when the token had none
	epoch    int64
	session  uuid.UUID
	sid      string
}

// maxUnixNano is the last instant whose Unix nanoseconds an int64 holds
// (in 2262).
var maxUnixNano = time.Unix(0, math.MaxInt64)

// compact returns e as a shard keeps it, or false if its expiry is beyond
// maxUnixNano: such a token is verified every time rather than kept with a
// wrong expiry.
func compact(e cacheEntry) (cachedToken, bool) {
	if e.exp.IsZero() || e.exp.After(maxUnixNano) {
		return cachedToken{}, false
	}
	nbf := int64(math.MinInt64)
	if e.nbf.After(time.Unix(0, math.MinInt64)) {
		// Not after maxUnixNano either: such a token is not valid yet,
		// so it was never verified.
		nbf = e.nbf.UnixNano()
	}
	return cachedToken{id: e.id, exp: e.exp.UnixNano(), nbf: nbf, epoch: e.epoch, session: e.session, sid: e.sid}, true
}

// maxShards bounds the shard count; more shards than cores buys little.
const maxShards = 32

// evictProbe is how many entries an insertion into a full shard inspects
// looking for an expired one before dropping an arbitrary one.
const evictProbe = 4

func newTokenCache(size int) *tokenCache {
	n, bits := 1, uint(0)
	for n*2 <= maxShards && n*2*16 <= size {
		n, bits = n*2, bits+1 // at least 16 entries per shard
	}
	perShard := (size + n - 1) / n
	c := &tokenCache{
		shift:    64 - bits,
		perShard: perShard,
		// A sweep visits the shard's entries: every perShard/8 additions,
		// at most 8 visits an addition.
		sweepEvery: max(perShard/8, 16),
		shards:     make([]cacheShard, n),
	}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cachedToken)
	}
	return c
}

// shard picks a token's shard from its last characters: the end of the
// signature, uniformly distributed for every token that can enter the cache
// (the map hashes the whole string anyway; hashing it twice would cost more
// than the lookup). A forged token can choose its shard, but it only ever
// misses and goes on to be verified.
func (c *tokenCache) shard(token string) *cacheShard {
	var h uint64
	for i := max(0, len(token)-4); i < len(token); i++ {
		h = h<<8 | uint64(token[i])
	}
	// Fibonacci hashing spreads the few varying bits over the top bits.
	return &c.shards[(h*0x9E3779B97F4A7C15)>>c.shift&uint64(len(c.shards)-1)]
}

// lookup reports whether token is cached (found) and, if so, whether it is
// valid at now (ok) and what it holds. It does not allocate.
func (c *tokenCache) lookup(token string, now time.Time) (e cacheEntry, found, ok bool) {
	sh := c.shard(token)
	sh.mu.RLock()
	t, found := sh.m[token]
	sh.mu.RUnlock()
	if !found {
		return cacheEntry{}, false, false
	}
	ns := now.UnixNano()
	if ns >= t.exp {
		// Expired for good: free the slot now rather than at eviction.
		sh.mu.Lock()
		delete(sh.m, token)
		sh.mu.Unlock()
		return cacheEntry{}, true, false
	}
	if ns < t.nbf {
		// Only reachable if the clock went back since verification.
		return cacheEntry{}, true, false
	}
	return cacheEntry{id: t.id, exp: time.Unix(0, t.exp), epoch: t.epoch, session: t.session, sid: t.sid}, true, true
}

// add caches a verified token at time now. The key is copied so the cache
// never pins the request's header buffer.
func (c *tokenCache) add(token string, e cacheEntry, now time.Time) {
	t, ok := compact(e)
	if !ok {
		return
	}
	ns := now.UnixNano()
	sh := c.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[token]; ok {
		return
	}
	if sh.added++; sh.added >= c.sweepEvery {
		sh.sweep(ns)
	}
	if len(sh.m) >= c.perShard {
		sh.evictOne(ns)
	}
	sh.m[strings.Clone(token)] = t
}

// sweep drops the shard's entries expired at now (Unix nanoseconds).
func (sh *cacheShard) sweep(now int64) {
	sh.added = 0
	for k, t := range sh.m {
		if now >= t.exp {
			delete(sh.m, k)
		}
	}
}

// evictOne drops one entry from a full shard: the first expired one among
// the first evictProbe visited, else the first visited. Go randomises map
// iteration order, so the victim is arbitrary.
func (sh *cacheShard) evictOne(now int64) {
	var victim string
	i := 0
	for k, t := range sh.m {
		if i == 0 {
			victim = k
		}
		if now >= t.exp {
			victim = k
			break
		}
		if i++; i >= evictProbe {
			break
		}
	}
	delete(sh.m, victim)
}

// len returns the number of cached tokens (for tests).
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
