package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"

	"github.com/usersauth/usersauth/store/internal/rowread"
)

// busyTimeoutMS is the busy timeout of the reader's connections, that of
// sqlstore's (SQLiteDSN). In WAL mode a reader waits only while a
// connection recovers the WAL or restarts it.
const busyTimeoutMS = 5000

// reader is a rowread.Reader over a pool of connections to one file, with
// a cache of what its callers decoded, if it has one.
type reader struct {
	path string
	// slots holds one entry per connection the pool may have: an open
	// connection, or nil for one not opened yet. A query takes an entry and
	// puts it back, so at most cap(slots) connections exist.
	slots     chan *conn
	cache     *cache // nil: every lookup reads the file
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var _ rowread.Reader = (*reader)(nil)

func newReader(path string, n int) *reader {
	r := &reader{path: path, slots: make(chan *conn, n), closed: make(chan struct{})}
	for range n {
		r.slots <- nil
	}
	return r
}

// warm opens one connection of the pool.
func (r *reader) warm() error {
	c := <-r.slots
	var err error
	if c == nil {
		if c, err = openConn(r.path); err == nil {
			c.pool = r.slots
		}
	}
	r.slots <- c
	return err
}

// QueryRow implements rowread.Reader. A row holds its connection until
// its Close.
func (r *reader) QueryRow(ctx context.Context, query, arg string) (rowread.Row, error) {
	var c *conn
	select {
	case c = <-r.slots:
	case <-r.closed:
		return nil, rowread.ErrFallback
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c == nil {
		var err error
		if c, err = openConn(r.path); err != nil {
			r.slots <- nil
			return nil, rowread.ErrFallback
		}
		c.pool = r.slots
	}
	found, err := c.queryRow(query, arg)
	if err != nil || !found {
		r.slots <- c
		return nil, err
	}
	return c, nil
}

// Cached implements rowread.Reader.
func (r *reader) Cached(key rowread.Key) (any, bool, uint64) {
	if r.cache == nil {
		return nil, false, 0
	}
	return r.cache.Cached(key)
}

// Keep implements rowread.Reader.
func (r *reader) Keep(key rowread.Key, v any, version uint64) {
	if r.cache != nil {
		r.cache.Keep(key, v, version)
	}
}

// Close implements rowread.Reader. It waits for queries in flight.
func (r *reader) Close() error {
	r.closeOnce.Do(func() {
		close(r.closed)
		var errs []error
		if r.cache != nil {
			errs = append(errs, r.cache.close())
		}
		for range cap(r.slots) {
			if c := <-r.slots; c != nil {
				errs = append(errs, c.close())
			}
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

// conn is one connection of the pool, used by one query at a time. Its
// memory (the handle, the statements, the argument buffer) lives in
// modernc's C heap, outside Go's.
type conn struct {
	tls    *libc.TLS
	db     uintptr            // sqlite3*
	stmts  map[string]uintptr // sqlite3_stmt* by query text, prepared once
	arg    uintptr            // the bound argument's bytes
	argCap int
	cur    uintptr    // the statement whose row is current, for Row
	pool   chan *conn // where Close puts c back
}

var _ rowread.Row = (*conn)(nil)

// cptr turns an address in C memory into an unsafe.Pointer. The memory is
// not Go's, so the garbage collector neither moves nor frees it.
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// openConn opens a read-only connection to the file at path, which must
// exist.
func openConn(path string) (_ *conn, err error) {
	tls := libc.NewTLS()
	c := &conn{tls: tls, stmts: make(map[string]uintptr)}
	defer func() {
		if err != nil {
			_ = c.close()
		}
	}()
	name, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(tls, name)
	pdb := tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer tls.Free(int(unsafe.Sizeof(uintptr(0))))
	// Read-write at the file level, read-only by PRAGMA query_only below: a
	// connection opened SQLITE_OPEN_READONLY cannot rebuild a missing WAL
	// index, while this one behaves as the store's own connections do.
	// NOMUTEX: the pool hands a connection to one query at a time.
	rc := lib.Xsqlite3_open_v2(tls, name, pdb, lib.SQLITE_OPEN_READWRITE|lib.SQLITE_OPEN_NOMUTEX, 0)
	c.db = *(*uintptr)(cptr(pdb))
	if rc != lib.SQLITE_OK {
		return nil, c.errorf("open", rc)
	}
	if rc := lib.Xsqlite3_busy_timeout(tls, c.db, busyTimeoutMS); rc != lib.SQLITE_OK {
		return nil, c.errorf("busy_timeout", rc)
	}
	// The connection only reads; make SQLite hold it to that.
	if err := c.exec("PRAGMA query_only = 1"); err != nil {
		return nil, err
	}
	return c, nil
}

// exec runs sql, a statement without result, on c.
func (c *conn) exec(sql string) error {
	q, err := libc.CString(sql)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, q)
	if rc := lib.Xsqlite3_exec(c.tls, c.db, q, 0, 0, 0); rc != lib.SQLITE_OK {
		return c.errorf(sql, rc)
	}
	return nil
}

// errorf describes the failure rc of op on c.
func (c *conn) errorf(op string, rc int32) error {
	msg := lib.Xsqlite3_errstr(c.tls, rc)
	if c.db != 0 {
		msg = lib.Xsqlite3_errmsg(c.tls, c.db)
	}
	return fmt.Errorf("sqlite: %s: %s (%d)", op, libc.GoString(msg), rc)
}

// prepare returns c's statement for query, preparing it the first time.
func (c *conn) prepare(query string) (uintptr, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	q, err := libc.CString(query)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, q)
	ps := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	// SQLITE_PREPARE_PERSISTENT: the statement is kept and reused.
	if rc := lib.Xsqlite3_prepare_v3(c.tls, c.db, q, -1, lib.SQLITE_PREPARE_PERSISTENT, ps, 0); rc != lib.SQLITE_OK {
		return 0, c.errorf("prepare", rc)
	}
	s := *(*uintptr)(cptr(ps))
	c.stmts[query] = s
	return s, nil
}

// bindArg binds arg to the first parameter of stmt, from c's buffer, which
// stays unchanged until the next bindArg.
func (c *conn) bindArg(stmt uintptr, arg string) error {
	if len(arg) > c.argCap {
		n := max(64, len(arg))
		p := libc.Xrealloc(c.tls, c.arg, libc.Tsize_t(n))
		if p == 0 {
			return errors.New("sqlite: out of memory")
		}
		c.arg, c.argCap = p, n
	}
	if len(arg) > 0 {
		copy(unsafe.Slice((*byte)(cptr(c.arg)), len(arg)), arg)
	}
	// SQLITE_STATIC (0): SQLite reads the bytes in place.
	if rc := lib.Xsqlite3_bind_text(c.tls, stmt, 1, c.arg, int32(len(arg)), 0); rc != lib.SQLITE_OK {
		return c.errorf("bind", rc)
	}
	return nil
}

// queryRow runs query with arg on c and reports whether it found a row,
// which is then c's current row until Close. Without one, the statement is
// reset, ending the read transaction step began.
func (c *conn) queryRow(query, arg string) (bool, error) {
	stmt, err := c.prepare(query)
	if err != nil {
		return false, rowread.ErrFallback
	}
	if err := c.bindArg(stmt, arg); err != nil {
		return false, rowread.ErrFallback
	}
	switch lib.Xsqlite3_step(c.tls, stmt) {
	case lib.SQLITE_ROW:
		c.cur = stmt
		return true, nil
	case lib.SQLITE_DONE:
		lib.Xsqlite3_reset(c.tls, stmt)
		return false, nil
	}
	lib.Xsqlite3_reset(c.tls, stmt)
	return false, rowread.ErrFallback
}

// Close implements rowread.Row: it resets the current statement, ending its
// read transaction, and gives c back to the pool.
func (c *conn) Close() {
	lib.Xsqlite3_reset(c.tls, c.cur)
	c.cur = 0
	c.pool <- c
}

// Kind implements rowread.Row.
func (c *conn) Kind(i int) rowread.Kind {
	return rowread.Kind(lib.Xsqlite3_column_type(c.tls, c.cur, int32(i)))
}

// Int implements rowread.Row.
func (c *conn) Int(i int) int64 { return lib.Xsqlite3_column_int64(c.tls, c.cur, int32(i)) }

// Bytes implements rowread.Row.
func (c *conn) Bytes(i int) []byte {
	// The pointer first, then the size: sqlite3_column_bytes after
	// sqlite3_column_blob gives the size of what the pointer holds.
	p := lib.Xsqlite3_column_blob(c.tls, c.cur, int32(i))
	n := lib.Xsqlite3_column_bytes(c.tls, c.cur, int32(i))
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cptr(p)), n)
}

// close finalizes c's statements and closes it.
func (c *conn) close() error {
	for q, s := range c.stmts {
		lib.Xsqlite3_finalize(c.tls, s)
		delete(c.stmts, q)
	}
	var err error
	if c.db != 0 {
		if rc := lib.Xsqlite3_close(c.tls, c.db); rc != lib.SQLITE_OK {
			err = c.errorf("close", rc)
		}
		c.db = 0
	}
	if c.arg != 0 {
		libc.Xfree(c.tls, c.arg)
		c.arg, c.argCap = 0, 0
	}
	c.tls.Close()
	return err
}
