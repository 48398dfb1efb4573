package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// racers is how many goroutines race in the concurrency tests.
const racers = 50

// TestConcurrentCreateOneEmail registers one address in several spellings
// from racers goroutines at once: the unique index on email_key lets exactly
// one through, and the table holds one row.
func TestConcurrentCreateOneEmail(t *testing.T) {
	spellings := []string{"King.Arthur@camelot.bt", "king.arthur@camelot.bt", "KING.ARTHUR@CAMELOT.BT",
		"ｋｉｎｇ.ａｒｔｈｕｒ@camelot.bt", "ｋｉｎｇ.arthur@CAMELOT.bt"}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t).Users()
			ctx := context.Background()
			errs := make([]error, racers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range racers {
				u := newUser(spellings[i%len(spellings)])
				wg.Go(func() {
					<-start
					errs[i] = s.Create(ctx, u)
				})
			}
			close(start)
			wg.Wait()

			created := 0
			for i, err := range errs {
				switch {
				case err == nil:
					created++
				case !errors.Is(err, user.ErrAlreadyExists):
					t.Errorf("Create %d = %v, want nil or ErrAlreadyExists", i, err)
				}
			}
			if created != 1 {
				t.Errorf("%d Creates succeeded, want 1", created)
			}
			if n, err := s.Count(ctx); err != nil || n != 1 {
				t.Errorf("Count = %d, %v; want 1 row", n, err)
			}
		})
	}
}

// TestConcurrentUpdates increments a host field from racers goroutines:
// Update holds the row from read to write, so no increment is lost.
func TestConcurrentUpdates(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := sqlstore.UsersOf[*member](b.open(t))
			ctx := context.Background()
			m := &member{Base: newUser("gawain@camelot.bt").Base}
			if err := s.Create(ctx, m); err != nil {
				t.Fatal(err)
			}
			seen := make([]int, racers)
			errs := make([]error, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					got, err := s.Update(ctx, m.ID, func(m *member) error { m.Visits++; return nil })
					if err == nil {
						seen[i] = got.Visits
					}
					errs[i] = err
				})
			}
			wg.Wait()
			distinct := make(map[int]bool)
			for i, err := range errs {
				if err != nil {
					t.Errorf("Update %d: %v", i, err)
				}
				distinct[seen[i]] = true
			}
			if len(distinct) != racers {
				t.Errorf("callers saw %d distinct counts, want %d", len(distinct), racers)
			}
			got, err := s.Get(ctx, m.ID)
			if err != nil || got.Visits != racers {
				t.Fatalf("Visits = %d, %v; want %d", got.Visits, err, racers)
			}
		})
	}
}

// TestConcurrentMigrate opens one new database from several goroutines, each
// with its own connection pool, as several processes starting at once do:
// every Open succeeds and each version is recorded once.
func TestConcurrentMigrate(t *testing.T) {
	const openers = 8
	for _, tc := range []struct {
		name   string
		driver string
		dsn    func(t *testing.T) string
	}{
		{"sqlite-file", "sqlite", func(t *testing.T) string { return t.TempDir() + "/users.db" }},
		{"postgres", "pgx", func(t *testing.T) string { return testenv.PostgresSchema(t, "sqlstore") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dsn := tc.dsn(t)
			dbs := make([]*sqlstore.DB, openers)
			errs := make([]error, openers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range openers {
				wg.Go(func() {
					<-start
					dbs[i], errs[i] = sqlstore.Open(context.Background(), tc.driver, dsn)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Open %d: %v", i, err)
					continue
				}
				defer dbs[i].Close()
			}
			if t.Failed() {
				return
			}
			var rows, distinct int
			if err := dbs[0].SQL().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM usersauth_schema_migrations`).
				Scan(&rows, &distinct); err != nil {
				t.Fatal(err)
			}
			if rows != distinct || rows == 0 {
				t.Errorf("version table has %d rows for %d versions", rows, distinct)
			}
			// Every pool works on the migrated schema.
			for i, db := range dbs {
				if err := db.Users().Create(context.Background(), newUser(uuid.NewString()+"@camelot.bt")); err != nil {
					t.Errorf("Create through pool %d: %v", i, err)
				}
			}
		})
	}
}
