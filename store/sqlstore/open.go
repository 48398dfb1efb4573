package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/user"
)

// DB is a migrated SQL database holding users. It is safe for concurrent
// use. Users and UsersOf give the user.Store views on it.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	owned   bool // Close closes sql: Open opened it
	q       queries
	stmts   statements
	// reader, if set (package store/sqlite), reads users directly from
	// SQLite and caches them; the statements remain for what it cannot
	// read.
	reader rowread.Reader
	// spaces numbers the user types whose lookups the reader caches, so
	// that each type's decoded users stay apart (cacheSpace).
	spacesMu sync.Mutex
	spaces   map[reflect.Type]int
}

// Open opens the database named by dsn with the database/sql driver
// driverName ("sqlite" or "pgx"), configures it for concurrent use, and
// migrates its schema. The host imports the driver (modernc.org/sqlite or
// github.com/jackc/pgx/v5/stdlib) with a blank import.
//
// For SQLite, dsn is a file name ("users.db"), a URI ("file:users.db") or
// ":memory:", completed by SQLiteDSN; an in-memory database is held on one
// connection. For PostgreSQL, dsn is a URL ("postgres://user:pass@host/db")
// or a keyword/value string, as pgx accepts it.
func Open(ctx context.Context, driverName, dsn string) (*DB, error) {
	dialect, err := DialectOf(driverName)
	if err != nil {
		return nil, err
	}
	memory := false
	if dialect == SQLite {
		if dsn, err = SQLiteDSN(dsn); err != nil {
			return nil, err
		}
		memory = sqliteInMemory(dsn)
	}
	sqlDB, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	if memory {
		// Every connection to ":memory:" is a database of its own: keep one
		// connection for good, so all queries see the same one.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		// Keep as many connections idle as may be open. database/sql keeps
		// only two by default, so under concurrent load it would close and
		// reopen connections on every burst; a new SQLite connection reparses
		// the schema and re-prepares the statements, a new PostgreSQL one
		// costs a round trip and authentication.
		n := PoolSize()
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
	}
	db, err := New(ctx, sqlDB, dialect)
	if err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	db.owned = true
	return db, nil
}

// PoolSize is the number of connections Open keeps (open and idle) for a
// file or server database: four per CPU, at least eight. Reads of the current
// user on every request run in parallel up to that; a host wanting another
// size calls SetMaxOpenConns and SetMaxIdleConns on SQL().
func PoolSize() int {
	return max(8, 4*runtime.GOMAXPROCS(0))
}

// OpenURL opens a database named by one string, as an admin command line
// takes it: a URL starting with postgres:// or postgresql:// opens PostgreSQL
// through pgx; a URL of any other scheme but file:// is refused (rather
// than taken for the name of a new SQLite file); anything else is a SQLite
// file name or URI. See Open.
func OpenURL(ctx context.Context, s string) (*DB, error) {
	if scheme, ok := urlScheme(s); ok && driverForURL(s) != "pgx" && !strings.EqualFold(scheme, "file") {
		return nil, fmt.Errorf("sqlstore: open: unsupported URL scheme %q: give a SQLite file or a postgres:// URL", scheme)
	}
	return Open(ctx, driverForURL(s), s)
}

// urlScheme returns the scheme of s if s starts with one followed by "://"
// (RFC 3986: a letter, then letters, digits, '+', '-' or '.').
func urlScheme(s string) (string, bool) {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return "", false
	}
	for i, c := range scheme {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", false
		}
	}
	return scheme, true
}

// driverForURL returns the driver name OpenURL uses for s.
func driverForURL(s string) string {
	scheme, _, ok := strings.Cut(s, "://")
	if ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql")) {
		return "pgx"
	}
	return "sqlite"
}

// New wraps a database the host opened, migrates its schema and prepares
// the store's statements. The host keeps ownership of sqlDB: Close does not
// close it. A SQLite sqlDB should be opened with a DSN from SQLiteDSN; an
// in-memory one must be limited to one connection (SetMaxOpenConns(1)).
func New(ctx context.Context, sqlDB *sql.DB, dialect Dialect) (*DB, error) {
	if sqlDB == nil {
		return nil, errors.New("sqlstore: New: nil *sql.DB")
	}
	if !dialect.valid() {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedDialect, dialect)
	}
	db := &DB{sql: sqlDB, dialect: dialect, q: newQueries(dialect)}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := db.stmts.prepare(ctx, sqlDB, &db.q); err != nil {
		return nil, storeError(ctx, "prepare statements", err)
	}
	return db, nil
}

// SQL returns the underlying *sql.DB, for the host's own queries.
func (db *DB) SQL() *sql.DB { return db.sql }

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close releases the prepared statements and, if Open opened the database,
// closes it. The stores on db must not be used afterwards.
func (db *DB) Close() error {
	var err error
	if db.reader != nil {
		err = db.reader.Close()
	}
	err = errors.Join(err, db.stmts.close())
	if db.owned {
		err = errors.Join(err, db.sql.Close())
	}
	return err
}

// Users returns the store of ready-made users, *user.User.
func (db *DB) Users() *UserStore[*user.User] { return UsersOf[*user.User](db) }
