package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// benchSizes are the user counts the lookup benchmarks run at: latency must
// not grow with the table (indexed lookups).
var benchSizes = []int{1_000, 100_000}

func BenchmarkGetByID(b *testing.B) {
	benchmarkLookup(b, func(ctx context.Context, s *sqlstore.UserStore[*user.User], seeded seededUser) error {
		u, err := s.Get(ctx, seeded.id)
		if err == nil && u.ID != seeded.id {
			err = fmt.Errorf("got user %s, want %s", u.ID, seeded.id)
		}
		return err
	})
}

func BenchmarkGetByEmail(b *testing.B) {
	benchmarkLookup(b, func(ctx context.Context, s *sqlstore.UserStore[*user.User], seeded seededUser) error {
		u, err := s.GetByEmail(ctx, seeded.email)
		if err == nil && u.ID != seeded.id {
			err = fmt.Errorf("got user %s, want %s", u.ID, seeded.id)
		}
		return err
	})
}

// BenchmarkGetByIDParallel looks users up from every core at once, as
// concurrent requests do: the database/sql pool and SQLite's locks are
// shared.
func BenchmarkGetByIDParallel(b *testing.B) {
	for _, be := range []backend{{"sqlite", openSQLiteFile}, {"sqlite-direct", openSQLiteDirectUncached}} {
		b.Run(be.name, func(b *testing.B) {
			const n = 1_000
			db := be.open(b)
			users := seedUsers(b, db, n)
			s := db.Users()
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					seeded := users[(i*7919)%n]
					if u, err := s.Get(ctx, seeded.id); err != nil || u.ID != seeded.id {
						b.Errorf("Get = %v, %v", u, err)
						return
					}
					i++
				}
			})
		})
	}
}

type seededUser struct {
	id    uuid.UUID
	email string
}

func benchmarkLookup(b *testing.B, lookup func(context.Context, *sqlstore.UserStore[*user.User], seededUser) error) {
	for _, be := range []backend{{"sqlite", openSQLiteFile}, {"sqlite-direct", openSQLiteDirectUncached}, {"postgres", openPostgres}} {
		b.Run(be.name, func(b *testing.B) {
			for _, n := range benchSizes {
				b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
					db := be.open(b)
					users := seedUsers(b, db, n)
					s := db.Users()
					ctx := context.Background()
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						// A stride through the table rather than one hot row.
						if err := lookup(ctx, s, users[(i*7919)%n]); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		})
	}
}

// seedUsers fills the table with n users through multi-row INSERTs in one
// transaction, far faster than n Creates, and returns them.
func seedUsers(b *testing.B, db *sqlstore.DB, n int) []seededUser {
	b.Helper()
	const batch = 500 // 8 parameters a row, within both dialects' limits
	ctx := context.Background()
	users := make([]seededUser, n)
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	hash := "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var q strings.Builder
		q.WriteString(`INSERT INTO "user" (id, email, email_key, hashed_password, is_active, is_superuser, is_verified, extra) VALUES `)
		args := make([]any, 0, (end-start)*8)
		for i := start; i < end; i++ {
			users[i] = seededUser{uuid.New(), fmt.Sprintf("Knight.%06d@camelot.bt", i)}
			if i > start {
				q.WriteByte(',')
			}
			p := len(args)
			fmt.Fprintf(&q, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8)
			args = append(args, users[i].id.String(), users[i].email, user.EmailKey(users[i].email), hash, true, false, i%2 == 0, "{}")
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return users
}
