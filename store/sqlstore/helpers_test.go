package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/usersauth/usersauth/internal/testenv"
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
		{"sqlite-memory", openSQLiteMemory},
		{"postgres", openPostgres},
	}
}

func openSQLiteFile(t testing.TB) *sqlstore.DB {
	t.Helper()
	return mustOpen(t, "sqlite", filepath.Join(t.TempDir(), "users.db"))
}

func openSQLiteMemory(t testing.TB) *sqlstore.DB {
	t.Helper()
	return mustOpen(t, "sqlite", ":memory:")
}

func openPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	return mustOpen(t, "pgx", postgresSchema(t))
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

// postgresSchema creates a schema of its own for the test, dropped at the
// end, and returns a DSN whose search_path is that schema, so tests run in
// parallel without seeing each other's tables.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := testenv.Postgres(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "sqlstore_" + randomHex(t, 8)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", testenv.PostgresVar, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
