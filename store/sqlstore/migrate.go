package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
)

// migrationFS holds the SQL of each schema version, one file per version
// and dialect: migrations/<dialect>/<NNNN>_<name>.sql.
//
//go:embed migrations
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock held while migrating,
// the bytes of "usersaut": any 64-bit value no other application uses.
const migrationLockKey int64 = 0x7573657273617574

// maxAttempts bounds the attempts of a write that fails with a transient
// lock conflict (SQLITE_BUSY, a PostgreSQL serialization failure) before
// anything outside the database has happened.
const maxAttempts = 3

// retry runs once until it succeeds, fails with something other than a
// transient lock conflict, ctx ends, or maxAttempts attempts have run, and
// returns the last attempt's error.
func retry(ctx context.Context, once func() error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err = once(); err == nil || !isTransient(err) || ctx.Err() != nil {
			break
		}
	}
	return err
}

// migration is one schema version: the dialect's SQL file, if any, then a
// Go step, if any, for what SQL cannot do (such as computing user.EmailKey).
type migration struct {
	version int
	name    string
	sql     bool // migrations/<dialect>/<NNNN>_<name>.sql exists for every dialect
	step    func(ctx context.Context, tx *sql.Tx, d Dialect) error
}

// migrations returns the schema versions in order. A version, once
// released, never changes: a change to the schema is a new version.
func migrations() []migration {
	return []migration{
		{version: 1, name: "fastapi_users_tables", sql: true, step: adoptUserTable},
		{version: 2, name: "accesstoken_digests", sql: true},
		{version: 3, name: "user_token_epoch", sql: true},
		{version: 4, name: "refresh_tokens", sql: true},
		{version: 20, name: "oauth_account_unique", step: uniqueOAuthAccounts},
		{version: 21, name: "oauth_states", sql: true},
		{version: 22, name: "user_kept_token", sql: true},
		{version: 23, name: "two_factor", sql: true},
		{version: 24, name: "passkeys", sql: true},
		{version: 25, name: "sessions", sql: true},
	}
}

// SchemaVersion returns the latest schema version the package knows: the
// version Migrate brings a database to.
func SchemaVersion() int {
	m := migrations()
	return m[len(m)-1].version
}

func (m migration) file(d Dialect) string {
	return fmt.Sprintf("migrations/%s/%04d_%s.sql", d, m.version, m.name)
}

// Migrate brings the schema to the latest version the package knows. It is
// idempotent and safe to run from several processes at once: the versions
// are applied in one transaction under a lock (PostgreSQL: an advisory
// lock; SQLite: the write lock), and recorded in usersauth_schema_migrations.
// Open and New call it.
func (db *DB) Migrate(ctx context.Context) error {
	steps := migrations()
	if applied, err := db.appliedVersions(ctx, db.sql); err == nil && allApplied(steps, applied) {
		// The common case, without taking the write lock.
		return nil
	}
	if err := retry(ctx, func() error { return db.migrateOnce(ctx, steps) }); err != nil {
		var conflict *EmailKeyConflictError
		if errors.As(err, &conflict) {
			return err
		}
		return storeError(ctx, "migrate", err)
	}
	return nil
}

func (db *DB) migrateOnce(ctx context.Context, steps []migration) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()

	if db.dialect == Postgres {
		// Held until the transaction ends; concurrent migrators wait here
		// and then find the versions applied.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, versionTableDDL(db.dialect)); err != nil {
		return err
	}
	applied, err := db.appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range steps {
		if applied[m.version] {
			continue
		}
		if err := m.apply(ctx, tx, db.dialect); err != nil {
			return fmt.Errorf("version %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO usersauth_schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (m migration) apply(ctx context.Context, tx *sql.Tx, d Dialect) error {
	if m.sql {
		text, err := migrationFS.ReadFile(m.file(d))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(text)); err != nil {
			return err
		}
	}
	if m.step != nil {
		return m.step(ctx, tx, d)
	}
	return nil
}

// versionTableDDL creates the table recording the applied versions. The
// time is the database's: it is for people reading the table, nothing
// depends on it.
func versionTableDDL(d Dialect) string {
	ts := "TIMESTAMP WITH TIME ZONE"
	if d == SQLite {
		ts = "TIMESTAMP"
	}
	return `CREATE TABLE IF NOT EXISTS usersauth_schema_migrations (
	version INTEGER NOT NULL PRIMARY KEY,
	name VARCHAR(100) NOT NULL,
	applied_at ` + ts + ` NOT NULL DEFAULT CURRENT_TIMESTAMP
)`
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// appliedVersions returns the versions recorded in the version table; it
// fails if there is no such table.
func (db *DB) appliedVersions(ctx context.Context, q querier) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM usersauth_schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := make(map[int]bool)
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// allApplied reports whether every known version is applied. Versions the
// package does not know (applied by a newer release) are no obstacle: a
// release adds to the schema, it does not take away what older ones use.
func allApplied(steps []migration, applied map[int]bool) bool {
	for _, m := range steps {
		if !applied[m.version] {
			return false
		}
	}
	return true
}
