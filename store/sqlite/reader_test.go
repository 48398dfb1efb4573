package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/store/sqlstore"
)

// newFile returns the name of a migrated database file with one table of
// our own, t(k TEXT, n INTEGER, r REAL, b BLOB, z).
func newFile(t testing.TB) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "users.db")
	db, err := sqlstore.Open(context.Background(), "sqlite", name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().Exec(`CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB, z);
		INSERT INTO t VALUES ('a', -7, 1.5, X'00ff00', NULL), ('empty', 0, 0, X'', '')`); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestReaderColumns(t *testing.T) {
	r := newReader(newFile(t), 2)
	defer r.Close()
	ctx := context.Background()
	type col struct {
		kind  rowread.Kind
		n     int64
		bytes string
	}
	row, err := r.QueryRow(ctx, `SELECT k, n, r, b, z FROM t WHERE k = $1`, "a")
	if err != nil || row == nil {
		t.Fatalf("QueryRow = %v, %v", row, err)
	}
	var got []col
	for i := range 5 {
		c := col{kind: row.Kind(i)}
		switch c.kind {
		case rowread.Integer:
			c.n = row.Int(i)
		case rowread.Text, rowread.Blob:
			c.bytes = string(row.Bytes(i))
		}
		got = append(got, c)
	}
	row.Close()
	want := []col{{rowread.Text, 0, "a"}, {rowread.Integer, -7, ""}, {rowread.Float, 0, ""}, {rowread.Blob, 0, "\x00\xff\x00"}, {rowread.Null, 0, ""}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	// Empty values.
	row, err = r.QueryRow(ctx, `SELECT b, z FROM t WHERE k = $1`, "empty")
	if err != nil || row == nil {
		t.Fatalf("QueryRow(empty) = %v, %v", row, err)
	}
	if row.Kind(0) != rowread.Blob || len(row.Bytes(0)) != 0 || row.Kind(1) != rowread.Text || len(row.Bytes(1)) != 0 {
		t.Errorf("empty blob and text: kinds %v %v, %q %q", row.Kind(0), row.Kind(1), row.Bytes(0), row.Bytes(1))
	}
	row.Close()

	// No row, with a long argument (the buffer grows).
	long := string(make([]byte, 5000))
	if row, err := r.QueryRow(ctx, `SELECT k FROM t WHERE k = $1`, long); row != nil || err != nil {
		t.Errorf("QueryRow(no row) = %v, %v", row, err)
	}
	// Every connection went back to the pool.
	if len(r.slots) != cap(r.slots) {
		t.Errorf("%d of %d connections in the pool", len(r.slots), cap(r.slots))
	}
}

func TestReaderFallsBack(t *testing.T) {
	r := newReader(newFile(t), 1)
	ctx := context.Background()
	for _, q := range []string{
		`SELECT nope FROM t WHERE k = $1`,                                 // does not prepare
		`SELECT abs(n * 0 - 9223372036854775807 - 1) FROM t WHERE k = $1`, // fails while stepping (integer overflow)
	} {
		if row, err := r.QueryRow(ctx, q, "a"); row != nil || !errors.Is(err, rowread.ErrFallback) {
			t.Errorf("QueryRow(%s) = %v, %v, want ErrFallback", q, row, err)
		}
	}
	// The connection is still good.
	row, err := r.QueryRow(ctx, `SELECT k FROM t WHERE k = $1`, "a")
	if row == nil || err != nil {
		t.Fatalf("QueryRow after failures = %v, %v", row, err)
	}
	row.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.QueryRow(ctx, `SELECT k FROM t WHERE k = $1`, "a"); !errors.Is(err, rowread.ErrFallback) {
		t.Errorf("QueryRow after Close = %v, want ErrFallback", err)
	}
	// A file that cannot be opened: the lookup falls back.
	r = newReader(filepath.Join(t.TempDir(), "missing.db"), 1)
	defer r.Close()
	if _, err := r.QueryRow(ctx, `SELECT 1 WHERE $1`, "1"); !errors.Is(err, rowread.ErrFallback) {
		t.Errorf("QueryRow on a missing file = %v, want ErrFallback", err)
	}
	if err := r.warm(); err == nil {
		t.Error("warm on a missing file succeeded")
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	c, err := openConn(newFile(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for _, q := range []string{`DELETE FROM t`, `INSERT INTO t (k) VALUES ('x')`, `CREATE TABLE u (x)`} {
		if err := c.exec(q); err == nil {
			t.Errorf("%s succeeded on a reader connection", q)
		}
	}
}

// TestReaderWaits: with every connection busy (its row not closed yet), a
// lookup waits for one, or for its context to end, or for Close; Close
// waits for the row.
func TestReaderWaits(t *testing.T) {
	r := newReader(newFile(t), 1)
	const q = `SELECT k FROM t WHERE k = $1`
	held, err := r.QueryRow(context.Background(), q, "a")
	if err != nil || held == nil {
		t.Fatalf("QueryRow = %v, %v", held, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.QueryRow(ctx, q, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("QueryRow with every connection busy = %v, want DeadlineExceeded", err)
	}
	done := make(chan error)
	go func() {
		row, err := r.QueryRow(context.Background(), q, "a")
		if row != nil {
			row.Close()
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	held.Close()
	if err := <-done; err != nil {
		t.Errorf("QueryRow once a connection is free = %v", err)
	}
	if held, err = r.QueryRow(context.Background(), q, "a"); err != nil || held == nil {
		t.Fatalf("QueryRow = %v, %v", held, err)
	}
	go func() {
		_, err := r.QueryRow(context.Background(), q, "a")
		done <- err
	}()
	closed := make(chan error)
	go func() { closed <- r.Close() }()
	if err := <-done; !errors.Is(err, rowread.ErrFallback) {
		t.Errorf("QueryRow waiting during Close = %v, want ErrFallback", err)
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a row was open")
	case <-time.After(20 * time.Millisecond):
	}
	if string(held.Bytes(0)) != "a" {
		t.Errorf("row during Close = %q", held.Bytes(0))
	}
	held.Close()
	if err := <-closed; err != nil {
		t.Errorf("Close = %v", err)
	}
}
