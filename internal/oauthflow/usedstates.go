package oauthflow

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// DefaultMaxStates bounds the in-memory record of used OAuth states: about
// 65 000 sign-ins within a state's lifetime, a few MiB.
const DefaultMaxStates = 1 << 16

// MemoryStates is the default StateStore: a map of used keys with their
// expiry and a heap ordering them by expiry, under one lock. Expired entries
// are dropped as calls come; when the record is full of live entries, the one
// closest to expiry is forgotten. That bounds memory whatever the traffic,
// at the price of letting a state forgotten that way be replayed; replay also
// needs the browser's CSRF cookie and a code the provider has not yet
// redeemed, so the bound, not the record, is the weaker defence.
type MemoryStates struct {
	mu      sync.Mutex
	now     func() time.Time
	max     int
	expires map[string]time.Time
	order   stateHeap
}

// NewMemoryStates returns an empty record of at most limit states, on the
// clock now.
func NewMemoryStates(now func() time.Time, limit int) *MemoryStates {
	return &MemoryStates{now: now, max: max(limit, 1), expires: make(map[string]time.Time)}
}

// Use records key until expires and reports whether this is its first use.
func (m *MemoryStates) Use(_ context.Context, key string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for len(m.order) > 0 && !m.order[0].expires.After(now) {
		delete(m.expires, heap.Pop(&m.order).(stateEntry).key)
	}
	if _, used := m.expires[key]; used {
		return false, nil
	}
	for len(m.order) >= m.max {
		delete(m.expires, heap.Pop(&m.order).(stateEntry).key)
	}
	m.expires[key] = expires
	heap.Push(&m.order, stateEntry{key: key, expires: expires})
	return true, nil
}

// Len returns how many keys are recorded.
func (m *MemoryStates) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expires)
}

type stateEntry struct {
	key     string
	expires time.Time
}

// stateHeap is a min-heap of entries by expiry (container/heap).
type stateHeap []stateEntry

func (h stateHeap) Len() int           { return len(h) }
func (h stateHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h stateHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *stateHeap) Push(x any)        { *h = append(*h, x.(stateEntry)) }
func (h *stateHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
