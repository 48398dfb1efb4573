package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/usersauth/usersauth/user"
)

// ErrIDChanged is returned by Update when the mutate callback changed the
// user's id, which the user.Store contract forbids. Nothing is written.
var ErrIDChanged = errors.New("sqlstore: update changed the user id")

// EmailKeyConflictError is returned by Migrate when existing users (rows
// written by FastAPI Users, whose unique index is case-sensitive) have
// addresses that share one user.EmailKey, which the unique email_key index
// cannot hold. Nothing is changed; an administrator merges or renames the
// accounts, then migrates again.
type EmailKeyConflictError struct {
	// Conflicts lists, for each shared key, the addresses that share it, in
	// the order of their keys.
	Conflicts [][]string
}

func (e *EmailKeyConflictError) Error() string {
	var b strings.Builder
	b.WriteString("sqlstore: existing users' e-mail addresses differ only in case or Unicode form; merge or rename them, then migrate again:")
	for i, group := range e.Conflicts {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteByte(' ')
		b.WriteString(strings.Join(group, ", "))
	}
	return b.String()
}

// Driver failures are recognised through the methods the drivers' error
// types have, so that the package imports neither driver.
type (
	// sqlStater is implemented by pgconn's *PgError.
	sqlStater interface {
		error
		SQLState() string
	}
	// resultCoder is implemented by modernc.org/sqlite's *Error; the code is
	// SQLite's extended result code (the driver turns them on).
	resultCoder interface {
		error
		Code() int
	}
)

// SQLite result codes (https://www.sqlite.org/rescode.html) and PostgreSQL
// SQLSTATE values (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067

	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14

	pgUniqueViolation      = "23505"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// isUnavailable reports whether err says the database cannot serve now,
// rather than that the request was wrong: the connection refused, lost or
// timed out, PostgreSQL's connection exceptions (class 08), shutdown or
// start-up (57P01-57P03) and lack of resources (class 53, too many
// connections among them), SQLite's lock held past the busy timeout, I/O
// errors, a full disk or a file it cannot open. Such failures pass once the
// database is back (OWASP Error Handling: a temporary condition is 503).
func isUnavailable(err error) bool {
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	if s, ok := errors.AsType[sqlStater](err); ok {
		state := s.SQLState()
		return strings.HasPrefix(state, "08") || strings.HasPrefix(state, "53") ||
			state == "57P01" || state == "57P02" || state == "57P03"
	}
	if c, ok := errors.AsType[resultCoder](err); ok {
		switch c.Code() & 0xff {
		case sqliteBusy, sqliteLocked, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return true
		}
	}
	return false
}

// isUniqueViolation reports whether err is a unique or primary key
// violation.
func isUniqueViolation(err error) bool {
	if s, ok := errors.AsType[sqlStater](err); ok {
		return s.SQLState() == pgUniqueViolation
	}
	if c, ok := errors.AsType[resultCoder](err); ok {
		code := c.Code()
		return code == sqliteConstraintUnique || code == sqliteConstraintPrimaryKey
	}
	return false
}

// isTransient reports whether err is a lock conflict that a new attempt may
// not meet: SQLITE_BUSY or SQLITE_LOCKED with any extended code, or a
// PostgreSQL serialization failure or deadlock.
func isTransient(err error) bool {
	if s, ok := errors.AsType[sqlStater](err); ok {
		state := s.SQLState()
		return state == pgSerializationFailure || state == pgDeadlockDetected
	}
	if c, ok := errors.AsType[resultCoder](err); ok {
		primary := c.Code() & 0xff
		return primary == sqliteBusy || primary == sqliteLocked
	}
	return false
}

// unavailableError is a failure of a database that cannot serve now: it
// reads as the driver's error under the operation's name, and wraps
// user.ErrUnavailable too, for the HTTP layer's 503.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string        { return "sqlstore: " + e.op + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() error        { return e.err }
func (e *unavailableError) Is(target error) bool { return target == user.ErrUnavailable }

// storeError turns a driver failure into the error the store returns: a
// unique violation is user.ErrAlreadyExists; a failure caused by ctx ending
// wraps ctx.Err(); a database that cannot serve now wraps
// user.ErrUnavailable; anything else is wrapped under the operation's name. The
// HTTP layer answers a generic 500 for the latter, so driver text never
// reaches a client (OWASP Error Handling Cheat Sheet); it stays available
// to the host's logs through errors.As.
func storeError(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, user.ErrNotFound), errors.Is(err, user.ErrAlreadyExists):
		return err
	case isUniqueViolation(err):
		return user.ErrAlreadyExists
	case ctx.Err() != nil:
		return fmt.Errorf("sqlstore: %s: %w", op, ctx.Err())
	case isUnavailable(err):
		return &unavailableError{op: op, err: err}
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}
