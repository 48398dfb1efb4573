package backend

import (
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
// many distinct valid tokens arrive.
type tokenCache struct {
	shift    uint // 64 - log2(len(shards))
	perShard int
	shards   []cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]cacheEntry
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
	c := &tokenCache{
		shift:    64 - bits,
		perShard: (size + n - 1) / n,
		shards:   make([]cacheShard, n),
	}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cacheEntry)
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
	e, found = sh.m[token]
	sh.mu.RUnlock()
	if !found {
		return cacheEntry{}, false, false
	}
	if !now.Before(e.exp) {
		// Expired for good: free the slot now rather than at eviction.
		sh.mu.Lock()
		delete(sh.m, token)
		sh.mu.Unlock()
		return cacheEntry{}, true, false
	}
	if now.Before(e.nbf) {
		// Only reachable if the clock went back since verification.
		return cacheEntry{}, true, false
	}
	return e, true, true
}

// add caches a verified token at time now. The key is copied so the cache
// never pins the request's header buffer.
func (c *tokenCache) add(token string, e cacheEntry, now time.Time) {
	sh := c.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[token]; ok {
		return
	}
	if len(sh.m) >= c.perShard {
		sh.evictOne(now)
	}
	sh.m[strings.Clone(token)] = e
}

// evictOne drops one entry from a full shard: the first expired one among
// the first evictProbe visited, else the first visited. Go randomises map
// iteration order, so the victim is arbitrary.
func (sh *cacheShard) evictOne(now time.Time) {
	var victim string
	i := 0
	for k, e := range sh.m {
		if i == 0 {
			victim = k
		}
		if !now.Before(e.exp) {
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
