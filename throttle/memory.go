package throttle

import (
	"context"
	"hash/maphash"
	"math/bits"
	"time"
)

// DefaultMaxKeys is how many keys a MemoryStore holds when
// MemoryConfig.MaxKeys is 0: 196,608, in 6 MiB.
const DefaultMaxKeys = maxShards * 3072

// A MemoryStore is split in up to maxShards independently locked parts, of
// at least minShardKeys keys each.
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

// MemoryStore is a Store for one process. It keeps, per key, 24 bytes: a
// 127-bit keyed digest of the key (maphash, seeded at random for each store,
// so that keys of any length cost the same and cannot be chosen to collide)
// and the key's TAT. Its tables grow only as keys come, and take 32 to 64
// bytes per key they can hold: at most 6 MiB at DefaultMaxKeys.
//
// It holds at most MaxKeys keys, so that a flood of distinct keys (the
// addresses of an IPv6 /48, random usernames) cannot grow it without limit.
// When a part of it is full and a new key comes, it first drops keys whose
// bucket is full again, which loses nothing; if that frees too little, it
// evicts the keys closest to full (the least restricted) until an eighth of
// the part is free. A key under attack, kept near empty by guesses, is the
// last to go: evicting it takes a flood of keys more restricted than it,
// about MaxKeys times a Rule's Limit events.
//
// Counts live in the process: several instances each count on their own
// (use redisthrottle), and a restart forgets them.
type MemoryStore struct {
	now      func() time.Time
	base     time.Time // TATs are nanoseconds since base
	seeds    [2]maphash.Seed
	shards   []memoryShard
	shardCap int // keys per shard
	maxSlots int // slots per shard when it holds shardCap keys
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
	s.maxSlots = minSlots
	for s.maxSlots/4*3 < s.shardCap {
		s.maxSlots *= 2
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.base = s.now()
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
		n += sh.n
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
	i, held := sh.find(k)
	tat := now
	if held {
		tat = sh.slots[i].tat
	}
	d, next := decide(tat, now, iv, burst)
	switch {
	case !d.Allowed:
	case held:
		sh.slots[i].tat = next
	default:
		if sh.n >= s.shardCap {
			s.makeRoom(sh, now)
		}
		sh.insert(k, next, s.maxSlots)
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
	tat := now
	sh.mu.Lock()
	if i, held := sh.find(k); held {
		tat = sh.slots[i].tat
	}
	sh.mu.Unlock()
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
	i, held := sh.find(k)
	switch {
	case !held:
	case sh.slots[i].tat-iv <= now:
		sh.remove(i) // full again: the same as no entry
	default:
		sh.slots[i].tat -= iv
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
	if i, held := sh.find(k); held {
		sh.remove(i)
	}
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

// locate returns the digest of key and the shard holding it. The digest's
// first word is never 0, which marks a free slot; its top bits choose the
// shard and its second word the slot, so the two do not correlate.
func (s *MemoryStore) locate(key string) (digest, *memoryShard) {
	k := digest{maphash.String(s.seeds[0], key) | 1, maphash.String(s.seeds[1], key)}
	return k, &s.shards[(k[0]>>32)%uint64(len(s.shards))]
}

// makeRoom frees at least one slot of a full shard, and an eighth of it when
// it must evict, so that the work is paid once per shardCap/8 new keys. It
// drops keys whose bucket is full again, then evicts the keys that are
// closest to full: those with the smallest TAT, within the precision of
// waitClass. The caller holds sh.mu.
func (s *MemoryStore) makeRoom(sh *memoryShard, now int64) {
	sh.removeIf(func(e *slot) bool { return e.tat <= now })
	keep := min(s.shardCap-1, s.shardCap-s.shardCap/8)
	excess := sh.n - keep
	if excess <= 0 {
		return
	}
	var classes [waitClasses]int32 // each entry once: removeIf may show one twice
	for _, e := range sh.slots {
		if e.key != (digest{}) {
			classes[waitClass(e.tat-now)]++
		}
	}
	// The classes below cut go whole; excess-below more go from class cut,
	// chosen by the digest's low bits rather than by position: evicting the
	// first ones in the table would leave its far end packed, and probe
	// runs there long.
	cut, below := 0, 0
	for ; below+int(classes[cut]) < excess; cut++ {
		below += int(classes[cut])
	}
	more := excess - below
	chance, among := uint64(more), uint64(classes[cut])
	sh.removeIf(func(e *slot) bool {
		switch c := waitClass(e.tat - now); {
		case c < cut:
			return true
		case c == cut && more > 0 && e.key[0]>>1&(1<<31-1)%among < chance:
			more--
			return true
		}
		return false
	})
	if more > 0 { // the lot drew too few
		sh.removeIf(func(e *slot) bool {
			if more > 0 && waitClass(e.tat-now) == cut {
				more--
				return true
			}
			return false
		})
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
