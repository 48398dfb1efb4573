package sqlstore

import (
	"context"
	"database/sql"
	"maps"
	"slices"

	"github.com/usersauth/usersauth/user"
)

// adoptUserTable is the Go step of version 1. A "user" table FastAPI Users
// created lacks our columns: it adds them, fills email_key from the
// addresses, and only then creates the unique index on it, so that a clash
// between existing rows is reported with the addresses involved rather than
// as a bare constraint failure.
func adoptUserTable(ctx context.Context, tx *sql.Tx, d Dialect) error {
	if err := addUserColumns(ctx, tx, d); err != nil {
		return err
	}
	if err := backfillEmailKeys(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX IF NOT EXISTS ix_user_email_key ON "user" (email_key)`); err != nil {
		return err
	}
	if d == Postgres {
		// SQLite cannot add a constraint to an existing column; there the
		// adopted table's email_key stays nullable and the store always
		// writes it.
		if _, err := tx.ExecContext(ctx, `ALTER TABLE "user" ALTER COLUMN email_key SET NOT NULL`); err != nil {
			return err
		}
	}
	return nil
}

func addUserColumns(ctx context.Context, tx *sql.Tx, d Dialect) error {
	var stmts []string
	switch d {
	case Postgres:
		stmts = []string{
			`ALTER TABLE "user" ADD COLUMN IF NOT EXISTS email_key TEXT COLLATE "C"`,
			`ALTER TABLE "user" ADD COLUMN IF NOT EXISTS extra JSONB NOT NULL DEFAULT '{}'::jsonb`,
		}
	case SQLite:
		cols, err := sqliteColumns(ctx, tx, "user")
		if err != nil {
			return err
		}
		if !cols["email_key"] {
			stmts = append(stmts, `ALTER TABLE "user" ADD COLUMN email_key TEXT`)
		}
		if !cols["extra"] {
			stmts = append(stmts, `ALTER TABLE "user" ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'`)
		}
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func sqliteColumns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info($1)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := make(map[string]bool)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		cols[name] = true
	}
	return cols, rows.Err()
}

// backfillEmailKeys sets email_key wherever it is missing or differs from
// user.EmailKey(email), after checking that no two rows share a key. Later
// versions may call it again if the key's definition changes.
func backfillEmailKeys(ctx context.Context, tx *sql.Tx) error {
	type stale struct{ id, key string }
	var (
		todo  []stale
		byKey = make(map[string][]string)
	)
	rows, err := tx.QueryContext(ctx, `SELECT id, email, email_key FROM "user"`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var (
			id, email string
			have      sql.NullString
		)
		if err := rows.Scan(&id, &email, &have); err != nil {
			rows.Close()
			return err
		}
		key := user.EmailKey(email)
		byKey[key] = append(byKey[key], email)
		if !have.Valid || have.String != key {
			todo = append(todo, stale{id, key})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	var conflict EmailKeyConflictError
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		if emails := byKey[key]; len(emails) > 1 {
			slices.Sort(emails)
			conflict.Conflicts = append(conflict.Conflicts, emails)
		}
	}
	if len(conflict.Conflicts) > 0 {
		return &conflict
	}
	if len(todo) == 0 {
		return nil
	}

	stmt, err := tx.PrepareContext(ctx, `UPDATE "user" SET email_key = $1 WHERE id = $2`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, s := range todo {
		if _, err := stmt.ExecContext(ctx, s.key, s.id); err != nil {
			return err
		}
	}
	return nil
}
