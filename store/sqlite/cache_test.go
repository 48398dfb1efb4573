package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the plain handles below

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// fakeIndex is a walIndex over Go memory, whose header a test sets.
type fakeIndex struct {
	hdr *walHeader
	w   *walIndex
}

func newFakeIndex() *fakeIndex {
	h := new(walHeader)
	return &fakeIndex{hdr: h, w: &walIndex{hdr: uintptr(unsafe.Pointer(h))}}
}

// commit changes the header as a commit does.
func (f *fakeIndex) commit() { f.hdr[1]++ }

func key(n int) rowread.Key { return rowread.Key{ID: uuid.UUID{15: byte(n), 14: byte(n >> 8)}} }

// TestCacheVersions walks the cache through the cases of its version rule
// with a header the test moves.
func TestCacheVersions(t *testing.T) {
	f := newFakeIndex()
	c := newCache(f.w, 64)
	defer runtime.KeepAlive(f)

	if _, ok, _ := c.Cached(key(1)); ok {
		t.Fatal("an empty cache found a value")
	}
	_, _, v1 := c.Cached(key(1))
	c.Keep(key(1), "a", v1)
	if got, ok, v := c.Cached(key(1)); !ok || got != "a" || v != v1 {
		t.Fatalf("Cached after Keep = %v, %v, version %d (kept at %d)", got, ok, v, v1)
	}

	// A commit: nothing kept before it is found after it.
	f.commit()
	got, ok, v2 := c.Cached(key(1))
	if ok || v2 == v1 {
		t.Fatalf("Cached after a commit = %v, %v, version %d (was %d)", got, ok, v2, v1)
	}
	// A value read before the commit (at v1) is not kept.
	c.Keep(key(1), "stale", v1)
	if got, ok, _ := c.Cached(key(1)); ok {
		t.Fatalf("a value of version %d was kept at version %d: %v", v1, v2, got)
	}
	c.Keep(key(1), "b", v2)
	if got, ok, _ := c.Cached(key(1)); !ok || got != "b" {
		t.Fatalf("Cached = %v, %v, want b", got, ok)
	}

	// A read that began before a commit and ends after another lookup saw
	// it: its Keep comes too late.
	_, _, before := c.Cached(key(2))
	f.commit()
	c.Cached(key(3))
	c.Keep(key(2), "late", before)
	if got, ok, _ := c.Cached(key(2)); ok {
		t.Fatalf("a read from before a commit was kept: %v", got)
	}

	// An unchanged header keeps the version: no commit, no loss.
	_, _, v3 := c.Cached(key(4))
	c.Keep(key(4), "d", v3)
	for range 100 {
		if got, ok, v := c.Cached(key(4)); !ok || got != "d" || v != v3 {
			t.Fatalf("without a commit: %v, %v, version %d (want %d)", got, ok, v, v3)
		}
	}
}

// TestCacheBounded fills caches of several sizes with many more keys.
func TestCacheBounded(t *testing.T) {
	for _, size := range []int{1, 16, 100, 1000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			f := newFakeIndex()
			c := newCache(f.w, size)
			defer runtime.KeepAlive(f)
			for i := range 5 * size {
				_, _, v := c.Cached(key(i))
				c.Keep(key(i), i, v)
				if n := c.len(); n > size {
					t.Fatalf("%d entries after %d Keeps, bound %d", n, i+1, size)
				}
			}
			// The last key kept is there.
			if got, ok, _ := c.Cached(key(5*size - 1)); !ok || got != 5*size-1 {
				t.Fatalf("the last kept entry: %v, %v", got, ok)
			}
			// A commit empties the cache as far as lookups can see.
			f.commit()
			c.Cached(key(0))
			if n := c.len(); n != 0 {
				t.Fatalf("%d entries visible after a commit", n)
			}
		})
	}
}

func TestCacheShardSizes(t *testing.T) {
	for _, size := range []int{1, 15, 16, 31, 32, 100, 1000, DefaultCacheSize} {
		c := newCache(newFakeIndex().w, size)
		n := len(c.shards)
		if n&(n-1) != 0 || n > cacheShards || c.perShard*n < size || c.perShard*n >= size+n {
			t.Errorf("size %d: %d shards of %d", size, n, c.perShard)
		}
	}
}

// TestCacheSpreadsKeys: ids and texts reach every shard.
func TestCacheSpreadsKeys(t *testing.T) {
	c := newCache(newFakeIndex().w, DefaultCacheSize)
	for _, tc := range []struct {
		name string
		key  func(i int) rowread.Key
	}{
		{"ids", func(int) rowread.Key { return rowread.Key{ID: uuid.New()} }},
		{"ids v7", func(int) rowread.Key { return rowread.Key{ID: uuid.Must(uuid.NewV7())} }},
		{"e-mail keys", func(i int) rowread.Key { return rowread.Key{Space: 1, Text: fmt.Sprintf("knight.%d@camelot.bt", i)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := make(map[*cacheShard]int)
			for i := range 3200 {
				counts[c.shard(tc.key(i))]++
			}
			for i := range c.shards {
				if n := counts[&c.shards[i]]; n < 3200/len(c.shards)/3 {
					t.Fatalf("shard %d got %d of 3200 keys", i, n)
				}
			}
		})
	}
}

// openCached opens a new file through open, with the given cache size,
// and the same file through sqlstore.Open as another writer.
func openCached(t *testing.T, size int) (*sqlstore.DB, *reader, *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "users.db")
	db, r, err := open(ctx, file, Options{CacheSize: size})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if r == nil || r.cache == nil {
		t.Fatal("no cache")
	}
	plain, err := sqlstore.Open(ctx, "sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Close() })
	return db, r, plain
}

func newTestUser(email string) *user.User {
	return &user.User{Base: user.Base{ID: uuid.New(), Email: email, HashedPassword: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", IsActive: true}}
}

// holdPool takes every connection of r's pool, so that a lookup the cache
// does not answer waits; release gives them back.
func holdPool(r *reader) (release func()) {
	held := make([]*conn, 0, cap(r.slots))
	for range cap(r.slots) {
		held = append(held, <-r.slots)
	}
	return func() {
		for _, c := range held {
			r.slots <- c
		}
	}
}

// TestCacheAnswersWithoutSQLite: once a user was read, lookups are answered
// with every connection of the pool (and of database/sql) taken; after a
// commit by another handle, the cache no longer answers, and the next read
// gives the new state.
func TestCacheAnswersWithoutSQLite(t *testing.T) {
	db, r, plain := openCached(t, 0)
	ctx := context.Background()
	u := newTestUser("gareth@camelot.bt")
	s := db.Users()
	if err := s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetByEmail(ctx, u.Email); err != nil {
		t.Fatal(err)
	}
	release := holdPool(r)
	var conns []*sql.Conn
	for range sqlstore.PoolSize() {
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	missesBefore := r.cache.misses.Load()
	for range 100 {
		if got, err := s.Get(ctx, u.ID); err != nil || got.Email != u.Email {
			t.Fatalf("Get from the cache = %+v, %v", got, err)
		}
		if got, err := s.GetByEmail(ctx, "GARETH@camelot.bt"); err != nil || got.ID != u.ID {
			t.Fatalf("GetByEmail from the cache = %+v, %v", got, err)
		}
	}
	if n := r.cache.misses.Load() - missesBefore; n != 0 {
		t.Fatalf("%d of 200 lookups missed the cache", n)
	}

	if _, err := plain.Users().Update(ctx, u.ID, func(x *user.User) error { x.IsActive = false; return nil }); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if got, err := s.Get(short, u.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get after another handle's commit = %+v, %v; want a wait for SQLite, not the cache", got, err)
	}
	release()
	for _, c := range conns {
		c.Close()
	}
	if got, err := s.Get(ctx, u.ID); err != nil || got.IsActive {
		t.Fatalf("Get after the commit = %+v, %v; want the deactivated user", got, err)
	}
}

// TestCacheClosed: after Close, the cache finds nothing and keeps nothing.
func TestCacheClosed(t *testing.T) {
	db, r, _ := openCached(t, 0)
	ctx := context.Background()
	u := newTestUser("dagonet@camelot.bt")
	if err := db.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Users().Get(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	k := rowread.Key{ID: u.ID}
	if v, ok, _ := r.Cached(k); ok {
		t.Fatalf("Cached after Close = %v", v)
	}
	r.Keep(k, u, 1)
	if n := r.cache.len(); n != 0 {
		t.Fatalf("%d entries after Close", n)
	}
	if _, err := db.Users().Get(ctx, u.ID); err == nil {
		t.Fatal("Get after Close succeeded")
	}
}

// TestWALIndexNeedsWAL: a file in a rollback journal mode has no WAL index
// to watch, and Open's cache is refused rather than inexact.
func TestWALIndexNeedsWAL(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rollback.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA journal_mode = DELETE; CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	if w, err := openWALIndex(file); !errors.Is(err, errNoWALIndex) {
		if w != nil {
			w.close()
		}
		t.Fatalf("openWALIndex on a rollback-journal file = %v, want errNoWALIndex", err)
	}
}

// member is a host's user type, with a field of its own in extra.
type member struct {
	user.Base
	Title string `json:"title"`
}

// TestCacheKeepsEachUserType: the ready-made type and a host's type, read
// alternately from one file, are each cached as their own type.
func TestCacheKeepsEachUserType(t *testing.T) {
	db, r, _ := openCached(t, 0)
	ctx := context.Background()
	u := newTestUser("lamorak@camelot.bt")
	members := sqlstore.UsersOf[*member](db)
	if err := members.Create(ctx, &member{Base: u.Base, Title: "Sir"}); err != nil {
		t.Fatal(err)
	}
	lookups := func() {
		t.Helper()
		if got, err := db.Users().Get(ctx, u.ID); err != nil || got.Base != u.Base {
			t.Fatalf("Users().Get = %+v, %v", got, err)
		}
		if got, err := members.Get(ctx, u.ID); err != nil || got.Base != u.Base || got.Title != "Sir" {
			t.Fatalf("UsersOf[*member].Get = %+v, %v", got, err)
		}
		if got, err := members.GetByEmail(ctx, u.Email); err != nil || got.Title != "Sir" {
			t.Fatalf("UsersOf[*member].GetByEmail = %+v, %v", got, err)
		}
	}
	lookups()
	before := r.cache.misses.Load()
	for range 10 {
		lookups()
	}
	if n := r.cache.misses.Load() - before; n != 0 {
		t.Fatalf("%d of 30 lookups missed: the types evict each other", n)
	}
}
