package throttle

import "sync"

// A memoryShard is one independently locked part of a MemoryStore: an
// open-addressing hash table of keys' digests and TATs with linear probing.
// Deletion shifts the entries behind a freed slot back (Knuth, TAOCP vol. 3,
// 6.4, Algorithm R) instead of leaving tombstones, so that lookups stay short
// however many keys come and go, and the table never needs more than
// maxSlots slots for shardCap keys.
type memoryShard struct {
	mu    sync.Mutex
	slots []slot // a power of two long, at most 3/4 used; nil until the first key
	n     int    // slots used
	_     [24]byte
}

// digest is a key's 127-bit digest; digest[0] is never 0.
type digest [2]uint64

// slot holds one key, or none when its digest's first word is 0.
type slot struct {
	key digest
	tat int64
}

// minSlots is the size of a shard's first table.
const minSlots = 16

// find returns the slot holding k and true, or the free slot where k would
// go and false.
func (sh *memoryShard) find(k digest) (int, bool) {
	if sh.slots == nil {
		return -1, false
	}
	mask := len(sh.slots) - 1
	for i := int(k[1]) & mask; ; i = (i + 1) & mask {
		switch sh.slots[i].key {
		case k:
			return i, true
		case digest{}:
			return i, false
		}
	}
}

// insert adds k, which sh does not hold, growing the table up to maxSlots
// when it would be more than 3/4 used. The caller keeps sh.n below
// maxSlots*3/4.
func (sh *memoryShard) insert(k digest, tat int64, maxSlots int) {
	if (sh.n+1)*4 > len(sh.slots)*3 && len(sh.slots) < maxSlots {
		sh.grow()
	}
	i, _ := sh.find(k)
	sh.slots[i] = slot{k, tat}
	sh.n++
}

// grow doubles the table (or makes the first one) and moves every key to it.
func (sh *memoryShard) grow() {
	old := sh.slots
	sh.slots = make([]slot, max(minSlots, 2*len(old)))
	mask := len(sh.slots) - 1
	for _, e := range old {
		if e.key == (digest{}) {
			continue
		}
		i := int(e.key[1]) & mask
		for sh.slots[i].key != (digest{}) {
			i = (i + 1) & mask
		}
		sh.slots[i] = e
	}
}

// remove frees slot i, and moves back each entry of the probe run behind it
// that may now sit closer to its home slot, so that no lookup stops early at
// the freed slot.
func (sh *memoryShard) remove(i int) {
	mask := len(sh.slots) - 1
	sh.n--
	for {
		sh.slots[i] = slot{}
		j := i
		for {
			j = (j + 1) & mask
			e := sh.slots[j]
			if e.key == (digest{}) {
				return
			}
			// e may fill slot i unless its home lies cyclically in (i, j].
			home := int(e.key[1]) & mask
			if i <= j && (home <= i || home > j) || i > j && home <= i && home > j {
				sh.slots[i] = e
				i = j
				break
			}
		}
	}
}

// removeIf removes every entry for which drop returns true. drop sees every
// entry at least once; an entry moved back by a removal is seen again, which
// is harmless for a drop that keeps what it kept before.
func (sh *memoryShard) removeIf(drop func(*slot) bool) {
	for i := 0; i < len(sh.slots); {
		if e := &sh.slots[i]; e.key != (digest{}) && drop(e) {
			sh.remove(i)
			continue // slot i now holds an entry moved back, or nothing
		}
		i++
	}
}
