// Package rowread is the seam between package sqlstore, which imports no
// database driver, and a reader of single rows that talks to a driver's
// engine directly (package store/sqlite). sqlstore decodes the row; the
// reader only runs the query and exposes the columns.
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

// Reader runs single-row queries of one text argument.
type Reader interface {
	// QueryRow runs query with arg bound to its one parameter and returns
	// the first row it yields, or nil and nil if it yields none. It returns
	// ErrFallback when the caller must use database/sql instead, and ctx's
	// error if ctx ends while it waits for a connection.
	QueryRow(ctx context.Context, query, arg string) (Row, error)
	// Close closes the reader's connections, waiting for rows not closed
	// yet. Afterwards QueryRow returns ErrFallback.
	Close() error
}

// Attach plugs r into db, a *sqlstore.DB of the SQLite dialect, so that
// its user lookups go through r. Package sqlstore sets it when it is
// initialised.
var Attach func(db any, r Reader) error
