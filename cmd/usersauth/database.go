package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	// The command line opens whichever database it is given, so it links
	// both drivers; the library packages import none.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/usersauth/usersauth/store/sqlstore"
)

// openDB opens and migrates the database named by dsn, a SQLite file or a
// postgres:// URL (sqlstore.OpenURL). A SQLite file that does not exist is
// created only when create is set: for the other commands a missing file
// is a mistyped path, and creating an empty database there would hide it.
func openDB(ctx context.Context, dsn string, create bool) (*sqlstore.DB, error) {
	if err := checkDSN(dsn); err != nil {
		return nil, err
	}
	if path, ok := sqlitePath(dsn); ok {
		if err := checkSQLitePath(path, create); err != nil {
			return nil, err
		}
	}
	db, err := sqlstore.OpenURL(ctx, dsn)
	if err != nil {
		if e, ok := errors.AsType[*sqlstore.EmailKeyConflictError](err); ok {
			// The whole message: it names the addresses to merge or rename.
			return nil, errors.New("cannot migrate the database: " + strings.TrimPrefix(e.Error(), "sqlstore: "))
		}
		return nil, fmt.Errorf("cannot open the database: %w", cause(err))
	}
	return db, nil
}

// postgresKeywords start a PostgreSQL keyword/value connection string.
var postgresKeywords = []string{"host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "service"}

// checkDSN refuses what OpenURL would take for a SQLite file name but is
// meant for another database: a URL of another scheme, or a PostgreSQL
// keyword/value string. Without it, migrate would create a SQLite file of
// that name. The errors do not quote dsn, which may hold a password.
func checkDSN(dsn string) error {
	if isPostgresURL(dsn) || strings.HasPrefix(dsn, "file:") {
		return nil
	}
	if scheme, _, ok := strings.Cut(dsn, "://"); ok {
		return fmt.Errorf("unsupported database URL scheme %q: give a SQLite file or a postgres:// URL", scheme)
	}
	if key, _, ok := strings.Cut(dsn, "="); ok && slices.Contains(postgresKeywords, strings.ToLower(strings.TrimSpace(key))) {
		return errors.New("the database looks like a PostgreSQL keyword/value string: give a postgres:// URL")
	}
	return nil
}

// sqlitePath returns the file a SQLite DSN names when it is a plain path
// (not a file: URI, not in memory, not a postgres:// URL), which can be
// checked before SQLite's own "unable to open database file".
func sqlitePath(dsn string) (string, bool) {
	if isPostgresURL(dsn) || strings.HasPrefix(dsn, "file:") {
		return "", false
	}
	path, _, _ := strings.Cut(dsn, "?")
	if path == "" || path == ":memory:" {
		return "", false
	}
	return path, true
}

// isPostgresURL reports whether sqlstore.OpenURL opens dsn with pgx.
func isPostgresURL(dsn string) bool {
	scheme, _, ok := strings.Cut(dsn, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// checkSQLitePath turns the cases where SQLite would only say "unable to
// open database file" into errors that name the problem.
func checkSQLitePath(path string, create bool) error {
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return fmt.Errorf("cannot open the database: %s is a directory", path)
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot open the database: %w", err)
	case !create:
		return fmt.Errorf("no database at %s (usersauth migrate --db %s creates one)", path, path)
	}
	dir := filepath.Dir(path)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("cannot create the database %s: the directory %s does not exist", path, dir)
	}
	return nil
}

// schemaVersion returns the latest schema version recorded in the
// database.
func schemaVersion(ctx context.Context, db *sqlstore.DB) (int, error) {
	var v int
	err := db.SQL().QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM usersauth_schema_migrations`).Scan(&v)
	return v, err
}
