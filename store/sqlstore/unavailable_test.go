package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/usersauth/usersauth/user"
)

type fakeState string

func (s fakeState) Error() string    { return "pg: " + string(s) }
func (s fakeState) SQLState() string { return string(s) }

type fakeCode int

func (c fakeCode) Error() string { return "sqlite: error" }
func (c fakeCode) Code() int     { return int(c) }

// TestStoreErrorUnavailable: the failures of a database that cannot serve
// now wrap user.ErrUnavailable (the HTTP layer's 503) and keep their text;
// the failures of a request do not.
func TestStoreErrorUnavailable(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"bad connection", driver.ErrBadConn, true},
		{"connection reset", syscall.ECONNRESET, true},
		{"lost mid-answer", io.ErrUnexpectedEOF, true},
		{"PostgreSQL connection failure", fakeState("08006"), true},
		{"PostgreSQL too many connections", fakeState("53300"), true},
		{"PostgreSQL shutting down", fakeState("57P01"), true},
		{"PostgreSQL starting", fakeState("57P03"), true},
		{"SQLite busy", fakeCode(5), true},
		{"SQLite busy snapshot", fakeCode(5 | 2<<8), true},
		{"SQLite disk full", fakeCode(13), true},
		{"PostgreSQL syntax error", fakeState("42601"), false},
		{"PostgreSQL check violation", fakeState("23514"), false},
		{"SQLite constraint", fakeCode(19), false},
		{"anything else", errors.New("boom"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := storeError(ctx, "get", c.err)
			if errors.Is(err, user.ErrUnavailable) != c.unavailable {
				t.Fatalf("storeError(%v) = %v: unavailable %v, want %v", c.err, err, !c.unavailable, c.unavailable)
			}
			if !errors.Is(err, c.err) && !errors.Is(err, user.ErrAlreadyExists) {
				t.Fatalf("the driver's error is not kept: %v", err)
			}
			if err.Error() != "sqlstore: get: "+c.err.Error() {
				t.Fatalf("text %q", err)
			}
		})
	}
}
