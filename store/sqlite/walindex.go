package sqlite

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// walHeader is a copy of the header of a WAL index (wal.c's WalIndexHdr,
// 48 bytes, read as six words): among its fields the count of commits
// (iChange), the last valid frame of the WAL (mxFrame), the WAL's salts and
// the checksum of its last frame.
type walHeader [6]uint64

// walIndexRegion is the size of a region of the WAL index (wal.c's
// WALINDEX_PGSZ), the unit the VFS maps it in.
const walIndexRegion = 32768

// errNoWALIndex reports a database whose WAL index cannot be read: not in
// WAL mode, or on a VFS without shared memory.
var errNoWALIndex = errors.New("sqlite: no WAL index to watch")

// walIndex reads the header of a database's WAL index: the shared memory
// (the file's "-shm", mapped by every connection to the file, in every
// process) in which each commit publishes the new state of the WAL before
// the commit returns (https://www.sqlite.org/walformat.html, "The WAL-Index
// Format"). Any commit, by any connection or process, changes the header;
// so while the header reads the same, the database holds what it held.
//
// Reading it costs a few loads from memory: no lock, no system call, no
// transaction. That makes it the cheapest exact staleness signal SQLite
// offers. PRAGMA data_version costs a read transaction (two shared-memory
// locks) per check, and SQLITE_FCNTL_DATA_VERSION only moves when the
// connection itself starts a transaction.
//
// The memory is the one SQLite itself maps for conn, got through the VFS
// (xShmMap), so it stays mapped while conn is open; walIndex opens no file
// of its own, which could release SQLite's POSIX locks on the file when
// closed. The database stays in WAL mode while conn is open: leaving it
// takes an exclusive lock on the file, which conn's shared lock refuses.
type walIndex struct {
	conn *conn   // kept open, out of the reader's pool, until close
	hdr  uintptr // the first copy of the header, at the start of region 0
}

// openWALIndex opens a connection to the file at path and finds the header
// of its WAL index.
func openWALIndex(path string) (_ *walIndex, err error) {
	c, err := openConn(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = c.close()
		}
	}()
	// Reads the database, so the connection opens the WAL and maps its
	// index; and tells whether it is in WAL mode.
	mode, err := c.queryText("PRAGMA journal_mode")
	if err != nil {
		return nil, err
	}
	if mode != "wal" {
		return nil, fmt.Errorf("%w: journal mode %q", errNoWALIndex, mode)
	}
	if _, err := c.queryText("PRAGMA schema_version"); err != nil {
		return nil, err
	}
	hdr, err := c.walIndexHeader()
	if err != nil {
		return nil, err
	}
	return &walIndex{conn: c, hdr: hdr}, nil
}

// walIndexHeader returns the address of the WAL-index header c's VFS maps.
func (c *conn) walIndexHeader() (uintptr, error) {
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	*(*uintptr)(cptr(pp)) = 0
	// zDbName NULL: the main database.
	if rc := lib.Xsqlite3_file_control(c.tls, c.db, 0, lib.SQLITE_FCNTL_FILE_POINTER, pp); rc != lib.SQLITE_OK {
		return 0, c.errorf("file_control", rc)
	}
	file := *(*uintptr)(cptr(pp))
	if file == 0 {
		return 0, fmt.Errorf("%w: no file", errNoWALIndex)
	}
	methods := (*lib.Tsqlite3_io_methods)(cptr((*lib.Tsqlite3_file)(cptr(file)).FpMethods))
	if methods == nil || methods.FiVersion < 2 || methods.FxShmMap == 0 {
		return 0, fmt.Errorf("%w: the VFS has no shared memory", errNoWALIndex)
	}
	// A C function pointer of modernc's, called as its generated code
	// calls one: the pointer is a Go func value's address.
	shmMap := *(*func(*libc.TLS, uintptr, int32, int32, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{methods.FxShmMap}))
	*(*uintptr)(cptr(pp)) = 0
	// Region 0, not extended: it exists once the connection has read.
	if rc := shmMap(c.tls, file, 0, walIndexRegion, 0, pp); rc != lib.SQLITE_OK {
		return 0, c.errorf("xShmMap", rc)
	}
	p := *(*uintptr)(cptr(pp))
	switch {
	case p == 0:
		return 0, fmt.Errorf("%w: region 0 not mapped", errNoWALIndex)
	case p%8 != 0:
		// Never so from mmap or SQLite's allocator; load needs it.
		return 0, fmt.Errorf("%w: header not aligned", errNoWALIndex)
	}
	return p, nil
}

// load returns the header as it is now. The words are read one by one, so
// a read during a commit may mix the old header with the new: such a copy
// equals neither, which only makes the cache start afresh once more. A
// commit that returned before load began is always in it, as the commit
// wrote the header before returning. (The region is page-aligned, so each
// word is aligned for an atomic load.)
func (w *walIndex) load() walHeader {
	var h walHeader
	for i := range h {
		h[i] = atomic.LoadUint64((*uint64)(cptr(w.hdr + uintptr(8*i))))
	}
	return h
}

// is reports whether the header is h now, as load() == h would, without
// the copy.
func (w *walIndex) is(h *walHeader) bool {
	for i := range h {
		if atomic.LoadUint64((*uint64)(cptr(w.hdr+uintptr(8*i)))) != h[i] {
			return false
		}
	}
	return true
}

// close closes the connection, after which the header must not be read.
func (w *walIndex) close() error {
	if w.conn == nil {
		return nil
	}
	return w.conn.close()
}

// queryText runs sql, a statement yielding one row of one column, on c and
// returns that column as text.
func (c *conn) queryText(sql string) (string, error) {
	q, err := libc.CString(sql)
	if err != nil {
		return "", err
	}
	defer libc.Xfree(c.tls, q)
	ps := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := lib.Xsqlite3_prepare_v2(c.tls, c.db, q, -1, ps, 0); rc != lib.SQLITE_OK {
		return "", c.errorf(sql, rc)
	}
	stmt := *(*uintptr)(cptr(ps))
	defer lib.Xsqlite3_finalize(c.tls, stmt)
	if rc := lib.Xsqlite3_step(c.tls, stmt); rc != lib.SQLITE_ROW {
		return "", c.errorf(sql, rc)
	}
	return libc.GoString(lib.Xsqlite3_column_text(c.tls, stmt, 0)), nil
}
