// Package rowread is the seam between package sqlstore, which imports no
// database driver, and a reader of single rows that talks to a driver's
// engine directly (package store/sqlite). sqlstore decodes the row; the
// reader runs the query, exposes the columns, and keeps what sqlstore
// decoded for as long as the database is unchanged, knowing when it
// changes as only the engine can.
package rowread

import (
	"context"
	"errors"
)

// ErrFallback is returned by a Reader, or by the caller's decoding of a
// Row, when the row must be read through database/sql instead: the reader is
// closed or could not open a connection, the engine reported an error, or a
// column holds a value the direct path does not decode. The regular path
// then gives the answer, including any error, exactly as it would have
// without the reader.
var ErrFallback = errors.New("rowread: read through database/sql")

// Kind is the storage class of a column value, numbered as SQLite's
// fundamental datatypes.
type Kind int

// The storage classes.
const (
	Integer Kind = 1
	Float   Kind = 2
	Text    Kind = 3
	Blob    Kind = 4
	Null    Kind = 5
)

// Row is the row a query found. Its columns can be read until Close, which
// the caller must call once it is done.
type Row interface {
	// Kind returns the storage class of column i (from 0).
	Kind(i int) Kind
	// Int returns column i as an integer; meaningful for Integer.
	Int(i int) int64
	// Bytes returns the contents of a Text or Blob column i, in memory the
	// Row owns: it must not be kept or changed after Close.
	Bytes(i int) []byte
	// Close releases the row and the connection it was read on.
	Close()
}

// Key identifies a cached lookup: the caller's Space (which view of the
// rows and which query), and the looked-up value, an ID or a Text.
type Key struct {
	Space int
	ID    [16]byte
	Text  string
}

// Reader runs single-row queries of one text argument, and keeps what the
// caller decoded of their rows for as long as the database is unchanged.
type Reader interface {
	// QueryRow runs query with arg bound to its one parameter and returns
	// the first row it yields, or nil and nil if it yields none. It returns
	// ErrFallback when the caller must use database/sql instead, and ctx's
	// error if ctx ends while it waits for a connection.
	QueryRow(ctx context.Context, query, arg string) (Row, error)
	// Cached returns the value kept under key, if the database has not
	// changed since it was read; ok is false if there is none. It also
	// returns the version of the database it checked, for Keep, or 0 if
	// the reader keeps nothing (it has no cache, or is closed). It does
	// not block, and is exact: a commit that returned before Cached was
	// called, by any connection or process, is never missed.
	Cached(key Key) (v any, ok bool, version uint64)
	// Keep keeps v under key if the database is still at version, and
	// may drop other values to stay within its bound. v must be decoded
	// from a row a QueryRow found after the Cached call that returned
	// version; the caller must not change v afterwards, nor hand it out.
	Keep(key Key, v any, version uint64)
	// Close closes the reader's connections, waiting for rows not closed
	// yet. Afterwards QueryRow returns ErrFallback and Cached finds
	// nothing.
	Close() error
}

// Attach plugs r into db, a *sqlstore.DB of the SQLite dialect, so that
// its user lookups go through r. Package sqlstore sets it when it is
// initialised.
var Attach func(db any, r Reader) error
