package sqlite

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/usersauth/usersauth/store/internal/rowread"
)

// DefaultCacheSize is the number of lookups a database opened by Open
// keeps answers to when no CacheSize option is given. An entry of a
// *user.User costs about 300 bytes (measured by BenchmarkCacheMemory), so
// a full cache holds about 40 MB; memory grows with the users looked up,
// not ahead of them.
const DefaultCacheSize = 1 << 17

// cacheShards is the number of shards of a cache, each under its own lock;
// fewer for a small cache, so that each holds at least 16 entries.
const cacheShards = 32

// cache keeps the users decoded from the file's rows, by lookup, for as
// long as the file is unchanged. Each check reads the header of the file's
// WAL index (walIndex): when it differs from the one the cache last saw,
// some commit happened, by this process or another, and every entry kept
// before is dropped. Entries carry no time to live: the cache is exact,
// not eventually consistent.
//
// The cache's version counts the headers it has seen. A value read at
// version v is kept only while the version is still v, and found only by
// a lookup that read the same header: a commit between the check that
// gave v and the read only makes the value's version an old one.
type cache struct {
	index    *walIndex
	seed     maphash.Seed
	perShard int
	state    atomic.Pointer[cacheState]
	mu       sync.Mutex // serialises the moves of state
	// closed is set with every shard's lock held, so that no lookup reads
	// the header of a closed walIndex.
	closed bool
	misses atomic.Uint64 // lookups Cached did not answer, for tests
	shards []cacheShard
}

// cacheState pairs a header of the WAL index with the version of the
// cache that saw it.
type cacheState struct {
	hdr     walHeader
	version uint64
}

type cacheShard struct {
	mu sync.RWMutex
	// version is the cache version of every entry of m.
	version uint64
	m       map[rowread.Key]any
	// Keep the locks of neighbouring shards on separate cache lines.
	_ [64]byte
}

func newCache(index *walIndex, size int) *cache {
	n := 1
	for n*2 <= cacheShards && n*2*16 <= size {
		n *= 2
	}
	c := &cache{index: index, seed: maphash.MakeSeed(), perShard: (size + n - 1) / n, shards: make([]cacheShard, n)}
	for i := range c.shards {
		c.shards[i].m = make(map[rowread.Key]any)
	}
	c.state.Store(&cacheState{hdr: index.load(), version: 1})
	return c
}

// shard picks key's shard: from the id's last bytes, random in a UUID of
// version 4 and 7, else from a hash of the text.
func (c *cache) shard(key rowread.Key) *cacheShard {
	var h uint64
	if key.Text == "" {
		h = binary.LittleEndian.Uint64(key.ID[8:]) * 0x9E3779B97F4A7C15
	} else {
		h = maphash.String(c.seed, key.Text)
	}
	return &c.shards[(h>>32^uint64(key.Space))&uint64(len(c.shards)-1)]
}

// version returns the cache version for the WAL-index header as it is
// now, moving to a new version if the header changed. The caller holds a
// shard's lock.
func (c *cache) version() uint64 {
	if st := c.state.Load(); c.index.is(&st.hdr) {
		return st.version
	}
	h := c.index.load()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state.Load()
	if st.hdr != h {
		st = &cacheState{hdr: h, version: st.version + 1}
		c.state.Store(st)
	}
	return st.version
}

// Cached implements rowread.Reader's Cached.
func (c *cache) Cached(key rowread.Key) (any, bool, uint64) {
	sh := c.shard(key)
	sh.mu.RLock()
	if c.closed {
		sh.mu.RUnlock()
		return nil, false, 0
	}
	version := c.version()
	var (
		v  any
		ok bool
	)
	if sh.version == version {
		v, ok = sh.m[key]
	}
	sh.mu.RUnlock()
	if !ok {
		c.misses.Add(1)
	}
	return v, ok, version
}

// Keep implements rowread.Reader's Keep. A shard still holding entries of
// an older version is emptied first; a full shard drops an arbitrary entry
// (Go randomises map iteration).
func (c *cache) Keep(key rowread.Key, v any, version uint64) {
	if c.state.Load().version != version {
		return // already stale
	}
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	switch {
	case c.closed || version < sh.version:
		return
	case version > sh.version:
		clear(sh.m)
		sh.version = version
	}
	if _, ok := sh.m[key]; !ok && len(sh.m) >= c.perShard {
		for k := range sh.m {
			delete(sh.m, k)
			break
		}
	}
	sh.m[key] = v
}

// close empties the cache for good and closes its walIndex, once no lookup
// is reading the header.
func (c *cache) close() error {
	for i := range c.shards {
		c.shards[i].mu.Lock()
	}
	c.closed = true
	for i := range c.shards {
		clear(c.shards[i].m)
	}
	err := c.index.close()
	for i := range c.shards {
		c.shards[i].mu.Unlock()
	}
	return err
}

// len returns the number of entries of the current version (for tests).
func (c *cache) len() int {
	version := c.state.Load().version
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		if sh.version == version {
			n += len(sh.m)
		}
		sh.mu.RUnlock()
	}
	return n
}
