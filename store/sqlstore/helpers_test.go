package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
)

// backend opens a fresh, empty, migrated database of one kind.
type backend struct {
	name string
	open func(t testing.TB) *sqlstore.DB
}

// backends are the databases every store test runs on. PostgreSQL is
// skipped without USERSAUTH_TEST_POSTGRES (and fails in CI).
func backends() []backend {
	return []backend{
		{"sqlite-file", openSQLiteFile},
		{"sqlite-direct", openSQLiteDirect},
		{"sqlite-memory", openSQLiteMemory},
		{"postgres", openPostgres},
	}
}

func openSQLiteFile(t testing.TB) *sqlstore.DB {
	t.Helper()
	return mustOpen(t, "sqlite", filepath.Join(t.TempDir(), "users.db"))
}

// openSQLiteDirect opens a SQLite file through package store/sqlite, whose
// user lookups bypass database/sql.
func openSQLiteDirect(t testing.TB) *sqlstore.DB {
	t.Helper()
	return openSQLiteWith(t, sqlite.Options{})
}

// openSQLiteDirectUncached is openSQLiteDirect with store/sqlite's user
// cache off, so that every lookup reads the file: what the lookup
// benchmarks measure (store/sqlite's own benchmarks measure the cache).
func openSQLiteDirectUncached(t testing.TB) *sqlstore.DB {
	t.Helper()
	return openSQLiteWith(t, sqlite.Options{CacheSize: -1})
}

// openSQLiteWith opens a new SQLite file through sqlite.OpenWith, closed
// (and the close checked) when the test ends.
func openSQLiteWith(t testing.TB, opts sqlite.Options) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.OpenWith(context.Background(), filepath.Join(t.TempDir(), "users.db"), opts)
	if err != nil {
		t.Fatalf("sqlite.OpenWith: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func openSQLiteMemory(t testing.TB) *sqlstore.DB {
	t.Helper()
	return mustOpen(t, "sqlite", ":memory:")
}

func openPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	return mustOpen(t, "pgx", testenv.PostgresSchema(t, "sqlstore"))
}

func mustOpen(t testing.TB, driver, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), driver, dsn)
	if err != nil {
		t.Fatalf("Open(%q): %v", driver, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
