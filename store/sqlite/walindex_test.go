package sqlite

import (
	"context"
	"testing"

	lib "modernc.org/sqlite/lib"

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/store/sqlstore"
)

// fileDataVersion returns SQLITE_FCNTL_DATA_VERSION of c's main database.
func (c *conn) fileDataVersion(tb testing.TB) uint32 {
	p := c.tls.Alloc(4)
	defer c.tls.Free(4)
	if rc := lib.Xsqlite3_file_control(c.tls, c.db, 0, lib.SQLITE_FCNTL_DATA_VERSION, p); rc != lib.SQLITE_OK {
		tb.Fatal(c.errorf("file_control", rc))
	}
	return *(*uint32)(cptr(p))
}

// dataVersion runs PRAGMA data_version on c, with a statement prepared once.
func (c *conn) dataVersion(tb testing.TB) int64 {
	stmt, err := c.prepare("PRAGMA data_version")
	if err != nil {
		tb.Fatal(err)
	}
	if rc := lib.Xsqlite3_step(c.tls, stmt); rc != lib.SQLITE_ROW {
		tb.Fatal(c.errorf("step", rc))
	}
	v := lib.Xsqlite3_column_int64(c.tls, stmt, 0)
	lib.Xsqlite3_reset(c.tls, stmt)
	return v
}

// TestStalenessSignals: of SQLite's signals of another connection's commit,
// the WAL-index header and PRAGMA data_version move at once; the file
// control SQLITE_FCNTL_DATA_VERSION only once the connection has read
// again, so it cannot tell a cache whether to read.
func TestStalenessSignals(t *testing.T) {
	file := newFile(t)
	w, err := openWALIndex(file)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	c := w.conn
	writer, err := sqlstore.Open(context.Background(), "sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()

	hdr, pragma, fcntl := w.load(), c.dataVersion(t), c.fileDataVersion(t)
	if _, err := writer.SQL().Exec(`UPDATE t SET n = n + 1`); err != nil {
		t.Fatal(err)
	}
	if w.load() == hdr {
		t.Error("the WAL-index header did not move with another connection's commit")
	}
	if got := c.fileDataVersion(t); got != fcntl {
		t.Errorf("SQLITE_FCNTL_DATA_VERSION moved before the connection read: %d -> %d (the package documentation says it does not)", fcntl, got)
	}
	// PRAGMA data_version runs a read transaction, which moves both.
	if c.dataVersion(t) == pragma {
		t.Error("PRAGMA data_version did not move with another connection's commit")
	}
	if c.fileDataVersion(t) == fcntl {
		t.Error("SQLITE_FCNTL_DATA_VERSION did not move after a read")
	}
	// A read does not move the header: only commits do.
	hdr = w.load()
	for range 10 {
		if _, err := c.queryText("SELECT count(*) FROM t"); err != nil {
			t.Fatal(err)
		}
	}
	if w.load() != hdr {
		t.Error("reads moved the WAL-index header")
	}
}

// BenchmarkGetByStalenessCheck measures, on its own, what each lookup from
// the cache pays to know the file is unchanged, beside SQLite's other
// signals.
func BenchmarkGetByStalenessCheck(b *testing.B) {
	file := newFile(b)
	w, err := openWALIndex(file)
	if err != nil {
		b.Fatal(err)
	}
	defer w.close()
	b.Run("wal-index-header", func(b *testing.B) {
		// What the cache does: load the header, compare it with the last.
		c := newCache(w, 16)
		for b.Loop() {
			c.version()
		}
	})
	b.Run("cache-hit", func(b *testing.B) {
		// The whole of Cached for a kept key: the check, the shard's
		// lock and the map lookup.
		c := newCache(w, 16)
		k := rowread.Key{Text: "knight@camelot.bt"}
		_, _, v := c.Cached(k)
		c.Keep(k, k, v)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, _ := c.Cached(k); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("pragma-data_version", func(b *testing.B) {
		// A read transaction per check, on a connection of its own.
		c, err := openConn(file)
		if err != nil {
			b.Fatal(err)
		}
		defer c.close()
		for b.Loop() {
			c.dataVersion(b)
		}
	})
	b.Run("fcntl-data_version", func(b *testing.B) {
		// Cheap, but blind to other connections until a transaction.
		for b.Loop() {
			w.conn.fileDataVersion(b)
		}
	})
}
