package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/user"
)

// UserStore is the user.Store of one user type on a DB. Get it from
// DB.Users or UsersOf. It is safe for concurrent use.
type UserStore[U user.Model] struct {
	db *DB
	// ownFields: U has fields besides user.Base, kept in the extra column.
	ownFields bool
	// space is U's share of the reader's cache (DB.cacheSpace): space for
	// lookups by id, space+1 by e-mail key.
	space int
}

var _ user.Store[*user.User] = (*UserStore[*user.User])(nil)

// UsersOf returns the store of the host's user type U, a pointer to a struct
// embedding user.Base. U's own fields are kept as JSON in the extra column
// (see the package documentation). It is a function because methods cannot
// have type parameters.
func UsersOf[U user.Model](db *DB) *UserStore[U] {
	s := &UserStore[U]{db: db, ownFields: hasOwnFields[U]()}
	if db.reader != nil {
		s.space = db.cacheSpace(reflect.TypeFor[U]())
	}
	return s
}

// Get returns the user with the given id, or user.ErrNotFound.
func (s *UserStore[U]) Get(ctx context.Context, id uuid.UUID) (U, error) {
	stmt, query := s.db.stmts.getBaseByID, s.db.q.getBaseByID
	if s.ownFields {
		stmt, query = s.db.stmts.getByID, s.db.q.getByID
	}
	return s.getOne(ctx, "get user", stmt, query, rowread.Key{Space: s.space, ID: id})
}

// GetByEmail returns the user whose address has the same user.EmailKey as
// email, or user.ErrNotFound. It is one lookup in the unique email_key
// index.
func (s *UserStore[U]) GetByEmail(ctx context.Context, email string) (U, error) {
	stmt, query := s.db.stmts.getBaseByEmail, s.db.q.getBaseByEmail
	if s.ownFields {
		stmt, query = s.db.stmts.getByEmail, s.db.q.getByEmail
	}
	return s.getOne(ctx, "get user by e-mail", stmt, query, rowread.Key{Space: s.space + 1, Text: user.EmailKey(email)})
}

// getOne reads the user the single-row query (prepared as stmt) finds for
// key's id or text: through the direct reader, from its cache or the file,
// if the DB has one and it can answer, else through database/sql.
func (s *UserStore[U]) getOne(ctx context.Context, op string, stmt *sql.Stmt, query string, key rowread.Key) (U, error) {
	var zero U
	if err := ctx.Err(); err != nil {
		return zero, storeError(ctx, op, err)
	}
	if r := s.db.reader; r != nil {
		u, found, err := s.getDirect(ctx, r, query, key)
		switch {
		case err == nil && found:
			return u, nil
		case err == nil:
			return zero, user.ErrNotFound
		case !errors.Is(err, rowread.ErrFallback):
			return zero, storeError(ctx, op, err)
		}
	}
	arg := keyArg(key)
	qctx := ctx
	if s.db.dialect == SQLite {
		// modernc's driver watches a cancellable context with a goroutine
		// per query, which costs more than this indexed lookup itself. The
		// read cannot run long (a point lookup; busy_timeout bounds a wait
		// for a lock), so it runs without the caller's cancellation; a
		// request that went away just gets its answer discarded.
		qctx = context.WithoutCancel(ctx)
	}
	rows, err := stmt.QueryContext(qctx, arg)
	if err != nil {
		return zero, storeError(ctx, op, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, storeError(ctx, op, err)
		}
		return zero, user.ErrNotFound
	}
	u, _, err := s.scan(rows, s.ownFields, false)
	if err != nil {
		return zero, storeError(ctx, op, err)
	}
	return u, nil
}

// scan reads the row rows is on into a new U: columns baseColumns, then
// extra if withExtra. With keepExtra it also returns a copy of extra.
func (s *UserStore[U]) scan(rows *sql.Rows, withExtra, keepExtra bool) (U, []byte, error) {
	var (
		zero  U
		u     = user.New[U]()
		b     = u.UserBase()
		extra sql.RawBytes // valid until the next call on rows
		err   error
	)
	if withExtra {
		err = rows.Scan(scanDest(b, &extra)...)
	} else {
		err = rows.Scan(scanDest(b, nil)...)
	}
	if err != nil {
		return zero, nil, err
	}
	if withExtra && s.ownFields {
		// The columns win over whatever extra holds.
		base := *b
		if err := decodeExtra(extra, u); err != nil {
			return zero, nil, fmt.Errorf("user %s: extra column: %w", base.ID, err)
		}
		*b = base
	}
	var kept []byte
	if keepExtra {
		kept = append([]byte(nil), extra...)
	}
	return u, kept, nil
}

// Create stores a new user. It returns user.ErrAlreadyExists, and writes
// nothing, if a user with the same id or the same e-mail key exists; the
// database's unique indexes decide, so of concurrent Creates of one address
// exactly one succeeds (OWASP Authentication Cheat Sheet: user IDs are
// case-insensitive and unique).
func (s *UserStore[U]) Create(ctx context.Context, u U) error {
	args, err := s.insertArgs(u)
	if err != nil {
		return err
	}
	err = retry(ctx, func() error {
		_, err := s.db.stmts.insert.ExecContext(ctx, args...)
		return err
	})
	return storeError(ctx, "create user", err)
}

// insertArgs returns the arguments of the insert query for u, in the order
// of its columns.
func (s *UserStore[U]) insertArgs(u U) ([]any, error) {
	b := u.UserBase()
	extra := emptyExtra
	if s.ownFields {
		var err error
		if extra, err = encodeExtra(u, nil); err != nil {
			return nil, fmt.Errorf("sqlstore: create user: %w", err)
		}
	}
	return append(writeArgs(b), extra), nil
}

// Update reads the user with the given id, calls mutate on it, and writes
// the result, in one transaction that holds the row (PostgreSQL: SELECT ...
// FOR UPDATE; SQLite: the database's write lock, taken before the read), so
// no other write to the user happens in between. mutate is called at most
// once; its error is returned as is and nothing is written. Update returns
// user.ErrNotFound for an unknown id, user.ErrAlreadyExists if the new
// address's key belongs to another user, and ErrIDChanged if mutate changed
// the id.
//
// mutate runs inside the transaction and must not call the store: on an
// in-memory SQLite database, which has a single connection, it would wait
// for itself. Keys of the extra column that U does not have are kept (see
// encodeExtra); a U without fields of its own leaves the column as it is.
func (s *UserStore[U]) Update(ctx context.Context, id uuid.UUID, mutate func(u U) error) (U, error) {
	var (
		zero U
		u    U
		err  error
	)
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		var called bool
		u, called, err = s.updateOnce(ctx, id, mutate)
		if err == nil || called || !isTransient(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return zero, err
	}
	return u, nil
}

// updateOnce is one attempt of Update; called reports whether mutate ran,
// after which the attempt must not be repeated.
func (s *UserStore[U]) updateOnce(ctx context.Context, id uuid.UUID, mutate func(u U) error) (u U, called bool, err error) {
	const op = "update user"
	var zero U
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return zero, false, storeError(ctx, op, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	q := &s.db.q
	if q.lockByID != "" {
		n, err := txExec(ctx, tx, q.lockByID, id)
		if err != nil {
			return zero, false, storeError(ctx, op, err)
		}
		if n == 0 {
			return zero, false, user.ErrNotFound
		}
	}
	u, oldExtra, err := s.readForWrite(ctx, tx, id)
	if err != nil {
		return zero, false, storeError(ctx, op, err)
	}

	if err := mutate(u); err != nil {
		return zero, true, err
	}
	b := u.UserBase()
	if b.ID != id {
		return zero, true, ErrIDChanged
	}
	args := writeArgs(b)
	update := q.updateBase
	if s.ownFields {
		extra, err := encodeExtra(u, oldExtra)
		if err != nil {
			return zero, true, fmt.Errorf("sqlstore: %s: %w", op, err)
		}
		args = append(args, extra)
		update = q.update
	}
	if _, err := tx.ExecContext(ctx, update, args...); err != nil {
		return zero, true, storeError(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return zero, true, storeError(ctx, op, err)
	}
	return u, true, nil
}

func (s *UserStore[U]) readForWrite(ctx context.Context, tx *sql.Tx, id uuid.UUID) (U, []byte, error) {
	var zero U
	rows, err := tx.QueryContext(ctx, s.db.q.getForWrite, id)
	if err != nil {
		return zero, nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, nil, err
		}
		return zero, nil, user.ErrNotFound
	}
	u, extra, err := s.scan(rows, true, s.ownFields)
	if err != nil {
		return zero, nil, err
	}
	return u, extra, rows.Close()
}

// Delete removes the user with the given id, with its access tokens and
// OAuth accounts (ON DELETE CASCADE), or returns user.ErrNotFound.
func (s *UserStore[U]) Delete(ctx context.Context, id uuid.UUID) error {
	n, err := s.db.exec(ctx, s.db.q.delete, id)
	if err != nil {
		return storeError(ctx, "delete user", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}
