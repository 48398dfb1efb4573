// Package sqlite opens a SQLite file as a sqlstore.DB whose user lookups
// are answered from a cache that is never stale, or else read by calling
// SQLite directly, without database/sql.
//
//	db, err := sqlite.Open(ctx, "users.db")
//	store := db.Users() // a user.Store[*user.User]
//
// The database is the one sqlstore.Open(ctx, "sqlite", name) opens, with
// the same schema, migrations and settings, and everything but two reads
// goes through it. UserStore.Get and UserStore.GetByEmail, the reads behind
// every authenticated request and every login, are served instead by this
// package.
//
// # The cache
//
// A lookup's answer is kept, and served again for as long as the file is
// unchanged: exactly that long, whoever changes it. Before each answer from
// the cache, the lookup reads the header of the file's WAL index, the shared
// memory in which every commit, by any connection in any process (this one,
// the admin CLI, another instance), records itself before it returns. If
// the header moved, the cache starts afresh (every entry goes at once), so a
// write is seen by the very next lookup, and nothing read before a commit is
// served after it. Only committed rows are ever read, so a failed or
// rolled-back write leaves nothing behind. The check reads six words of
// memory: no file lock, no system call, no transaction (about 11 ns, where
// a read of the file costs microseconds).
//
// The cache holds at most Options.CacheSize entries (DefaultCacheSize by
// default; a lookup by id and one by e-mail are one entry each); a full
// cache drops an arbitrary entry to make room. Any commit to the file, to
// any table, empties it, so a write-heavy database gains less from it; the
// lookups that follow refill it. Callers get copies (user.Clone), as from
// any user.Store. A file that is not in WAL mode (held open in another
// journal mode by another process when Open asked for WAL) opens without
// the cache.
//
// # The direct read
//
// A lookup the cache cannot answer runs on a pool of connections of the
// package's own, opened read-only (PRAGMA query_only) on the same file
// through modernc.org/sqlite's C API, with each query prepared once per
// connection. That spares database/sql's and the driver's work around a
// lookup, which costs more than the lookup itself. A value the direct read
// does not decode as is (a NULL, a flag other than 0 or 1, an id stored as
// a blob...) and any engine error send the lookup through database/sql,
// which answers as it would have on its own, and whose answer is not
// cached. The package imports modernc.org/sqlite, so the host needs no
// blank import.
package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite" behind sqlstore

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/store/sqlstore"
)

// Options configures OpenWith. The zero value is what Open uses.
type Options struct {
	// CacheSize bounds the user cache, in entries: 0 means
	// DefaultCacheSize, a negative value turns the cache off, so that
	// every lookup reads the file.
	CacheSize int
}

// Open opens the SQLite database in the file name, creating and migrating
// it as sqlstore.Open(ctx, "sqlite", name) does, and attaches the cache and
// the direct read path, on up to max(8, 2*GOMAXPROCS) connections of its
// own. ":memory:" opens an in-memory database without either (other
// connections could not see it). SQLite URIs and query parameters are
// refused (sqlstore.Open takes those), and so are URLs.
func Open(ctx context.Context, name string) (*sqlstore.DB, error) {
	return OpenWith(ctx, name, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, name string, opts Options) (*sqlstore.DB, error) {
	db, _, err := open(ctx, name, opts)
	return db, err
}

// open is OpenWith, also returning the reader attached to the database
// (nil for ":memory:").
func open(ctx context.Context, name string, opts Options) (*sqlstore.DB, *reader, error) {
	switch {
	case name == "":
		return nil, nil, errors.New("sqlite: open: no file name")
	case strings.HasPrefix(name, "file:") || strings.Contains(name, "?"):
		return nil, nil, fmt.Errorf("sqlite: open %q: a URI or query parameters; use sqlstore.Open for those", name)
	case strings.Contains(name, "://"):
		return nil, nil, fmt.Errorf("sqlite: open %q: a URL, not a file name", name)
	}
	db, err := sqlstore.Open(ctx, "sqlite", name)
	if err != nil {
		// The driver's errors name no file; an operator needs to know which.
		return nil, nil, fmt.Errorf("sqlite: open %q: %w", name, err)
	}
	if name == ":memory:" {
		return db, nil, nil
	}
	r := newReader(name, readers())
	// Open one connection now, so that a file the direct path cannot read
	// is reported here rather than silently read the slow way.
	if err := r.warm(); err != nil {
		return nil, nil, errors.Join(fmt.Errorf("sqlite: open %q: %w", name, err), db.Close())
	}
	if size := cacheSize(opts.CacheSize); size > 0 {
		switch index, err := openWALIndex(name); {
		case err == nil:
			r.cache = newCache(index, size)
		case errors.Is(err, errNoWALIndex):
			// sqlstore.Open asks for WAL mode, which a file held open in
			// another mode by another process cannot enter: without the
			// signal, there can be no cache.
		default:
			return nil, nil, errors.Join(fmt.Errorf("sqlite: open %q: the cache: %w", name, err), r.Close(), db.Close())
		}
	}
	if err := rowread.Attach(db, r); err != nil {
		return nil, nil, errors.Join(err, r.Close(), db.Close())
	}
	return db, r, nil
}

// cacheSize is the cache's bound for Options.CacheSize n, 0 for none.
func cacheSize(n int) int {
	switch {
	case n == 0:
		return DefaultCacheSize
	case n < 0:
		return 0
	}
	return n
}

// readers is the number of connections of the direct path: twice the
// number of goroutines that can run at once, so that a lookup descheduled
// while it holds a connection leaves one for a runnable lookup, and at
// least 8. (Measured on 2 cores under load: 2 connections served about 15%
// fewer requests than 4 or 8, which served the same.) Each connection keeps
// a page cache of its own, up to SQLite's default 2 MB.
func readers() int {
	return max(8, 2*runtime.GOMAXPROCS(0))
}
