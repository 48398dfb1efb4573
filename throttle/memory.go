package throttle

import (
	"context"
	"hash/maphash"
	"math/bits"
	"sync"
	"time"
)

// DefaultMaxKeys is how many keys a MemoryStore holds when
// MemoryConfig.MaxKeys is 0: 262,144, about 9 MiB (see the benchmarks).
const DefaultMaxKeys = 1 << 18

// maxShards is the number of independently locked parts of a MemoryStore;
// a store smaller than maxShards*minShardKeys has fewer.
const (
	maxShards    = 64
	minShardKeys = 64
)

// MemoryConfig configures a MemoryStore. The zero value is ready to use.
type MemoryConfig struct {
	// MaxKeys bounds how many keys the store holds; 0 or less means
	// DefaultMaxKeys. The store is split in parts that each hold an equal
	// share, so it may hold a few keys fewer.
	MaxKeys int
	// Now gives the current time; nil means time.Now, whose monotonic
	// reading makes counts immune to changes of the wall clock.
	Now func() time.Time
}

// MemoryStore is a Store for one process. It keeps, per key, 16 bytes of
// keyed digest (maphash, seeded at random for each store, so keys of any
// length cost the same and cannot be chosen to collide) and the key's TAT:
// about 36 bytes a key in all.
//
// It holds at most MaxKeys keys, so that a flood of distinct keys (addresses
// of an IPv6 /48, random usernames) cannot grow it without limit. When a
// part of it is full and a new key comes, it first drops keys whose bucket
// is full again, which lose nothing; if that frees too little, it evicts the
// keys closest to full (the least restricted) until an eighth of the part is
// free. A key under attack, kept near empty by guesses, is the last to go:
// evicting it takes more restricted keys than there is room for, which costs
// an attacker about MaxKeys times a Rule's Limit events.
//
// Counts live in the process: several instances each count on their own
// (use redisthrottle), and a restart forgets them.
type MemoryStore struct {
	now      func() time.Time
	base     time.Time // TATs are nanoseconds since base
	seeds    [2]maphash.Seed
	shards   []memoryShard
	shardCap int
}

type memoryShard struct {
	mu   sync.Mutex
	tats map[[2]uint64]int64
	_    [48]byte // one shard per cache line: locks of neighbours do not contend
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore configured by cfg.
func NewMemoryStore(cfg MemoryConfig) *MemoryStore {
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	n := maxShards
	for n > 1 && maxKeys/n < minShardKeys {
		n /= 2
	}
	s := &MemoryStore{
		now:      cfg.Now,
		seeds:    [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		shards:   make([]memoryShard, n),
		shardCap: maxKeys / n,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.base = s.now()
	for i := range s.shards {
		s.shards[i].tats = make(map[[2]uint64]int64)
	}
	return s
}

// MaxKeys returns how many keys s holds at most: MemoryConfig.MaxKeys, or
// DefaultMaxKeys, rounded down to a multiple of its number of parts.
func (s *MemoryStore) MaxKeys() int { return s.shardCap * len(s.shards) }

// Len returns how many keys s holds, including keys whose bucket is full
// again and that it has not dropped yet.
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.tats)
		sh.mu.Unlock()
	}
	return n
}

// Take implements Store.
func (s *MemoryStore) Take(ctx context.Context, key string, rule Rule) (Decision, error) {
	if rule.Unlimited() {
		return Decision{Allowed: true}, nil
	}
	if err := check(ctx, rule); err != nil {
		return Decision{}, err
	}
	iv, burst := gcraParams(rule)
	k, sh := s.locate(key)
	now := s.clock()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	tat, held := sh.tats[k]
	if !held {
		tat = now
	}
	d, next := decide(tat, now, iv, burst)
	if d.Allowed {
		if !held && len(sh.tats) >= s.shardCap {
			s.makeRoom(sh, now)
		}
		sh.tats[k] = next
	}
	return d, nil
}

// Peek implements Store.
func (s *MemoryStore) Peek(ctx context.Context, key string, rule Rule) (Decision, error) {
	if rule.Unlimited() {
		return Decision{Allowed: true}, nil
	}
	if err := check(ctx, rule); err != nil {
		return Decision{}, err
	}
	iv, burst := gcraParams(rule)
	k, sh := s.locate(key)
	now := s.clock()
	sh.mu.Lock()
	tat, held := sh.tats[k]
	sh.mu.Unlock()
	if !held {
		tat = now
	}
	d, _ := decide(tat, now, iv, burst)
	return d, nil
}

// Refund implements Store.
func (s *MemoryStore) Refund(ctx context.Context, key string, rule Rule) error {
	if rule.Unlimited() {
		return nil
	}
	if err := check(ctx, rule); err != nil {
		return err
	}
	iv, _ := gcraParams(rule)
	k, sh := s.locate(key)
	now := s.clock()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	tat, held := sh.tats[k]
	switch {
	case !held:
	case tat-iv <= now:
		delete(sh.tats, k) // full again: the same as no entry
	default:
		sh.tats[k] = tat - iv
	}
	return nil
}

// Reset implements Store.
func (s *MemoryStore) Reset(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k, sh := s.locate(key)
	sh.mu.Lock()
	delete(sh.tats, k)
	sh.mu.Unlock()
	return nil
}

// check refuses a done context and a Rule a store cannot count.
func check(ctx context.Context, rule Rule) error {
	if err := rule.Validate(); err != nil {
		return err
	}
	return ctx.Err()
}

// gcraParams returns a limited, valid rule's interval and burst tolerance
// (Limit intervals) in nanoseconds.
func gcraParams(rule Rule) (iv, burst int64) {
	iv = int64(rule.Interval())
	return iv, iv * int64(rule.Limit)
}

// decide is GCRA for one event at now on a key whose TAT is tat (now or
// past for a key with nothing counted): the decision, and the key's TAT after
// the event.
func decide(tat, now, iv, burst int64) (Decision, int64) {
	tat = max(tat, now)
	next := tat + iv
	if wait := next - now - burst; wait > 0 {
		return Decision{RetryAfter: time.Duration(wait), ResetAfter: time.Duration(tat - now)}, tat
	}
	return Decision{
		Allowed:    true,
		Remaining:  int((burst - (next - now)) / iv),
		ResetAfter: time.Duration(next - now),
	}, next
}

// clock returns the current time in nanoseconds since s.base.
func (s *MemoryStore) clock() int64 { return int64(s.now().Sub(s.base)) }

// locate returns the map key of key and the shard holding it.
func (s *MemoryStore) locate(key string) ([2]uint64, *memoryShard) {
	k := [2]uint64{maphash.String(s.seeds[0], key), maphash.String(s.seeds[1], key)}
	return k, &s.shards[k[0]%uint64(len(s.shards))]
}

// makeRoom frees at least one slot of a full shard, and an eighth of it when
// it must evict, so that the work is paid once per shardCap/8 new keys. It
// drops keys whose bucket is full again, then evicts the keys that are
// closest to full: those with the smallest TAT, within the precision of
// waitClass. The caller holds sh.mu.
func (s *MemoryStore) makeRoom(sh *memoryShard, now int64) {
	var classes [waitClasses]int32
	for k, tat := range sh.tats {
		if tat <= now {
			delete(sh.tats, k)
			continue
		}
		classes[waitClass(tat-now)]++
	}
	keep := min(s.shardCap-1, s.shardCap-s.shardCap/8)
	excess := len(sh.tats) - keep
	if excess <= 0 {
		return
	}
	// The classes below cut go whole; excess-below more go from class cut.
	cut, below := 0, 0
	for ; below+int(classes[cut]) < excess; cut++ {
		below += int(classes[cut])
	}
	more := excess - below
	for k, tat := range sh.tats {
		switch c := waitClass(tat - now); {
		case c < cut:
			delete(sh.tats, k)
		case c == cut && more > 0:
			delete(sh.tats, k)
			more--
		}
	}
}

// waitClasses is the number of classes waitClass sorts waits into.
const waitClasses = 16 + 59*8

// waitClass sorts a positive wait (nanoseconds) into an ordered class: exact
// below 16, then by its bit length and the three bits after the leading one,
// so that two waits in one class differ by less than an eighth. Eviction
// sorts by class rather than by wait, and needs no memory of its own.
func waitClass(d int64) int {
	if d < 16 {
		return int(d)
	}
	e := bits.Len64(uint64(d))
	return 16 + (e-5)*8 + int(uint64(d)>>(e-4)&7)
}
