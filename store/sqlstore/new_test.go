package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// TestNewWithHostDatabase wraps a *sql.DB the host opened with a DSN of its
// own, without _txlock=immediate: Update still serialises (it writes before
// it reads), and Close leaves the host's database open.
func TestNewWithHostDatabase(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "host.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	db, err := sqlstore.New(ctx, raw, sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.UsersOf[*member](db)
	m := &member{Base: newUser("bors@camelot.bt").Base}
	if err := s.Create(ctx, m); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Update(ctx, m.ID, func(m *member) error { m.Visits++; return nil })
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Updates: %v", err)
	}
	if got, err := s.Get(ctx, m.ID); err != nil || got.Visits != n {
		t.Fatalf("Visits = %v, %v; want %d", got, err, n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := raw.Ping(); err != nil {
		t.Fatalf("Close closed the host's database: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, tc := range []struct {
		name    string
		db      *sql.DB
		dialect sqlstore.Dialect
		err     error
	}{
		{"nil database", nil, sqlstore.SQLite, nil},
		{"zero dialect", raw, 0, sqlstore.ErrUnsupportedDialect},
		{"unknown dialect", raw, 7, sqlstore.ErrUnsupportedDialect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlstore.New(ctx, tc.db, tc.dialect)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("New = %v, %v; want error %v", db, err, tc.err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, driver, dsn string
		err               error
	}{
		{"unsupported driver", "mysql", "x", sqlstore.ErrUnsupportedDriver},
		{"empty SQLite name", "sqlite", "", nil},
		{"directory as SQLite file", "sqlite", t.TempDir(), nil},
		{"unreachable PostgreSQL", "pgx", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlstore.Open(ctx, tc.driver, tc.dsn)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("Open = %v, want %v", err, tc.err)
			}
			if errors.Is(err, user.ErrNotFound) || errors.Is(err, user.ErrAlreadyExists) {
				t.Fatalf("Open = %v, a store sentinel", err)
			}
		})
	}
}

// TestOpenURLRefusesOtherSchemes: a URL of another database, or a
// misspelt postgres://, is an error, and no SQLite file is made of it.
func TestOpenURLRefusesOtherSchemes(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, u := range []string{"mysql://localhost/db", "postgress://localhost/db", "sqlite3://users.db", "HTTP://x"} {
		if db, err := sqlstore.OpenURL(context.Background(), u); err == nil {
			db.Close()
			t.Errorf("OpenURL(%q) succeeded", u)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("refused URLs left files: %v", entries)
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
		want sqlstore.Dialect
	}{
		{"SQLite path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "cli.db") }, sqlstore.SQLite},
		{"SQLite URI", func(t *testing.T) string { return "file:" + filepath.Join(t.TempDir(), "cli.db") }, sqlstore.SQLite},
		{"PostgreSQL URL", func(t *testing.T) string { return testenv.PostgresSchema(t, "sqlstore") }, sqlstore.Postgres},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlstore.OpenURL(ctx, tc.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Dialect() != tc.want {
				t.Fatalf("Dialect = %v, want %v", db.Dialect(), tc.want)
			}
			if _, err := db.Users().Count(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
