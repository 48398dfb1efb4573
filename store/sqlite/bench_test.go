package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// benchSizes are the user counts the lookup benchmarks run at.
var benchSizes = []int{1_000, 100_000}

// benchCaches are the ways the benchmarks open the file: with the cache,
// and without it (every lookup a SQLite read, as before the cache).
var benchCaches = []struct {
	name string
	opts sqlite.Options
}{
	{"cached", sqlite.Options{}},
	{"uncached", sqlite.Options{CacheSize: -1}},
}

// openSeeded opens a new file through sqlite.OpenWith holding n users.
func openSeeded(b *testing.B, opts sqlite.Options, n int) (*sqlstore.DB, []seeded) {
	b.Helper()
	db, err := sqlite.OpenWith(context.Background(), filepath.Join(b.TempDir(), "users.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, seed(b, db, n)
}

type seeded struct {
	id    uuid.UUID
	email string
}

// seed fills the table with n users through multi-row INSERTs in one
// transaction, far faster than n Creates.
func seed(b *testing.B, db *sqlstore.DB, n int) []seeded {
	b.Helper()
	const batch = 500
	ctx := context.Background()
	users := make([]seeded, n)
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	hash := "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var q strings.Builder
		q.WriteString(`INSERT INTO "user" (id, email, email_key, hashed_password, is_active, is_superuser, is_verified) VALUES `)
		args := make([]any, 0, (end-start)*7)
		for i := start; i < end; i++ {
			users[i] = seeded{uuid.New(), fmt.Sprintf("Knight.%06d@camelot.bt", i)}
			if i > start {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, users[i].id.String(), users[i].email, user.EmailKey(users[i].email), hash, true, false, i%2 == 0)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return users
}

func BenchmarkGetByID(b *testing.B) {
	benchmarkLookup(b, func(ctx context.Context, s *sqlstore.UserStore[*user.User], u seeded) (*user.User, error) {
		return s.Get(ctx, u.id)
	})
}

func BenchmarkGetByEmail(b *testing.B) {
	benchmarkLookup(b, func(ctx context.Context, s *sqlstore.UserStore[*user.User], u seeded) (*user.User, error) {
		return s.GetByEmail(ctx, u.email)
	})
}

// benchmarkLookup looks up users with a stride through the table, after
// one pass over every user, so that the cached runs measure hits.
func benchmarkLookup(b *testing.B, lookup func(context.Context, *sqlstore.UserStore[*user.User], seeded) (*user.User, error)) {
	for _, bc := range benchCaches {
		b.Run(bc.name, func(b *testing.B) {
			for _, n := range benchSizes {
				b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
					db, users := openSeeded(b, bc.opts, n)
					s := db.Users()
					ctx := context.Background()
					for _, u := range users {
						if _, err := lookup(ctx, s, u); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						want := users[(i*7919)%n]
						if got, err := lookup(ctx, s, want); err != nil || got.ID != want.id {
							b.Fatalf("lookup = %v, %v", got, err)
						}
						i++
					}
				})
			}
		})
	}
}

// BenchmarkGetByIDParallel looks users up from every core at once, as
// concurrent requests do.
func BenchmarkGetByIDParallel(b *testing.B) {
	for _, bc := range benchCaches {
		b.Run(bc.name, func(b *testing.B) {
			const n = 1_000
			db, users := openSeeded(b, bc.opts, n)
			s := db.Users()
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					want := users[(i*7919)%n]
					if got, err := s.Get(ctx, want.id); err != nil || got.ID != want.id {
						b.Errorf("Get = %v, %v", got, err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkCacheMemory fills the cache with 100,000 users, looked up by
// id, and reports the Go heap it holds, in all and per entry; then it
// measures lookups among them, every one a hit.
func BenchmarkCacheMemory(b *testing.B) {
	const n = 100_000
	db, users := openSeeded(b, sqlite.Options{}, n)
	s := db.Users()
	ctx := context.Background()
	before := heapInUse()
	for _, u := range users {
		if _, err := s.Get(ctx, u.id); err != nil {
			b.Fatal(err)
		}
	}
	held := heapInUse() - before
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		want := users[(i*7919)%n]
		if got, err := s.Get(ctx, want.id); err != nil || got.ID != want.id {
			b.Fatalf("Get = %v, %v", got, err)
		}
		i++
	}
	b.ReportMetric(float64(held)/n, "B/entry")
	b.ReportMetric(float64(held)/(1<<20), "MiB/100k")
}

// heapInUse returns the bytes of live Go heap objects after a collection.
// SQLite's own memory (modernc's C heap) is not counted.
func heapInUse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
