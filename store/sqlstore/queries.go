package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// queries holds the SQL text of the user store for one dialect. Both
// dialects accept $n placeholders (SQLite takes $NNN as the NNN-th argument).
type queries struct {
	getByID        string
	getByEmail     string
	getBaseByID    string
	getBaseByEmail string
	insert         string
	delete         string
	count          string
	list           string
	listAfter      string
	// Keyset pages of ListUsers, $2 rows: keys after $1 or from $1 on,
	// and below $3.
	listAfter1, listFrom1           string
	listAfterBelow3, listFromBelow3 string

	// lockByID takes the write lock on the user's row before the read of an
	// Update; empty where the read itself locks (PostgreSQL's FOR UPDATE).
	lockByID    string
	getForWrite string
	update      string
	updateBase  string // update without extra, for user types with no fields of their own
}

func newQueries(d Dialect) queries {
	q := queries{
		getByID:         `SELECT ` + userColumns + ` FROM "user" WHERE id = $1`,
		getByEmail:      `SELECT ` + userColumns + ` FROM "user" WHERE email_key = $1`,
		getBaseByID:     `SELECT ` + baseColumns + ` FROM "user" WHERE id = $1`,
		getBaseByEmail:  `SELECT ` + baseColumns + ` FROM "user" WHERE email_key = $1`,
		insert:          insertQuery(),
		delete:          `DELETE FROM "user" WHERE id = $1`,
		count:           `SELECT COUNT(*) FROM "user"`,
		list:            `SELECT ` + userColumns + ` FROM "user" ORDER BY email_key LIMIT $1 OFFSET $2`,
		listAfter:       `SELECT ` + userColumns + ` FROM "user" WHERE email_key > $3 ORDER BY email_key LIMIT $1 OFFSET $2`,
		listAfter1:      `SELECT ` + userColumns + ` FROM "user" WHERE email_key > $1 ORDER BY email_key LIMIT $2`,
		listFrom1:       `SELECT ` + userColumns + ` FROM "user" WHERE email_key >= $1 ORDER BY email_key LIMIT $2`,
		listAfterBelow3: `SELECT ` + userColumns + ` FROM "user" WHERE email_key > $1 AND email_key < $3 ORDER BY email_key LIMIT $2`,
		listFromBelow3:  `SELECT ` + userColumns + ` FROM "user" WHERE email_key >= $1 AND email_key < $3 ORDER BY email_key LIMIT $2`,
		update:          updateQuery(true),
		updateBase:      updateQuery(false),
	}
	switch d {
	case Postgres:
		q.getForWrite = q.getByID + ` FOR UPDATE`
	case SQLite:
		// SQLite has no row locks; a write as the first statement takes the
		// database's write lock before anything is read, even in a
		// transaction that began DEFERRED (a DSN without _txlock=immediate).
		// It touches a column no index or foreign key involves.
		q.lockByID = `UPDATE "user" SET is_active = is_active WHERE id = $1`
		q.getForWrite = q.getByID
	}
	return q
}

// getToken reads an access token by digest; the database strategy runs it
// on every request.
const getToken = `SELECT ` + requestColumns + ` FROM accesstoken WHERE token = $1`

// statements are the store's hot-path queries, prepared once per DB.
type statements struct {
	getByID        *sql.Stmt
	getByEmail     *sql.Stmt
	getBaseByID    *sql.Stmt
	getBaseByEmail *sql.Stmt
	insert         *sql.Stmt
	getToken       *sql.Stmt
}

func (s *statements) all() []**sql.Stmt {
	return []**sql.Stmt{&s.getByID, &s.getByEmail, &s.getBaseByID, &s.getBaseByEmail, &s.insert, &s.getToken}
}

func (s *statements) prepare(ctx context.Context, db *sql.DB, q *queries) error {
	texts := []string{q.getByID, q.getByEmail, q.getBaseByID, q.getBaseByEmail, q.insert, getToken}
	for i, p := range s.all() {
		stmt, err := db.PrepareContext(ctx, texts[i])
		if err != nil {
			_ = s.close()
			return err
		}
		*p = stmt
	}
	return nil
}

func (s *statements) close() error {
	var err error
	for _, stmt := range s.all() {
		// A closed *sql.Stmt stays in place: a use after Close gets its
		// error rather than a nil pointer.
		if *stmt != nil {
			err = errors.Join(err, (*stmt).Close())
		}
	}
	return err
}
