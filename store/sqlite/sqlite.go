// Package sqlite opens a SQLite file as a sqlstore.DB whose user lookups
// call SQLite directly, without database/sql.
//
//	db, err := sqlite.Open(ctx, "users.db")
//	store := db.Users() // a user.Store[*user.User]
//
// The database is the one sqlstore.Open(ctx, "sqlite", name) opens, with
// the same schema, migrations and settings, and everything but two reads
// goes through it. UserStore.Get and UserStore.GetByEmail, the reads behind
// every authenticated request and every login, run instead on a pool of
// connections of the package's own, opened read-only (PRAGMA query_only)
// on the same file through modernc.org/sqlite's C API, with each query
// prepared once per connection. That spares database/sql's and the
// driver's work around a lookup, which costs more than the lookup itself:
// the read is still one SQLite transaction per call, so it sees every write
// committed before it began, by this process or another (the admin CLI,
// another instance).
//
// A value the direct read does not decode as is (a NULL, a flag other than
// 0 or 1, an id stored as a blob...) and any engine error send the lookup
// through database/sql, which answers as it would have on its own. The
// package imports modernc.org/sqlite, so the host needs no blank import.
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

// Open opens the SQLite database in the file name, creating and migrating
// it as sqlstore.Open(ctx, "sqlite", name) does, and attaches the direct
// read path, on up to max(8, 2*GOMAXPROCS) connections of its own.
// ":memory:" opens an in-memory database without the direct path (other
// connections could not see it). SQLite URIs and query parameters are
// refused (sqlstore.Open takes those), and so are URLs.
func Open(ctx context.Context, name string) (*sqlstore.DB, error) {
	switch {
	case name == "":
		return nil, errors.New("sqlite: open: no file name")
	case strings.HasPrefix(name, "file:") || strings.Contains(name, "?"):
		return nil, fmt.Errorf("sqlite: open %q: a URI or query parameters; use sqlstore.Open for those", name)
	case strings.Contains(name, "://"):
		return nil, fmt.Errorf("sqlite: open %q: a URL, not a file name", name)
	}
	db, err := sqlstore.Open(ctx, "sqlite", name)
	if err != nil {
		// The driver's errors name no file; an operator needs to know which.
		return nil, fmt.Errorf("sqlite: open %q: %w", name, err)
	}
	if name == ":memory:" {
		return db, nil
	}
	r := newReader(name, readers())
	// Open one connection now, so that a file the direct path cannot read
	// is reported here rather than silently read the slow way.
	if err := r.warm(); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %q: %w", name, err), db.Close())
	}
	if err := rowread.Attach(db, r); err != nil {
		return nil, errors.Join(err, r.Close(), db.Close())
	}
	return db, nil
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
