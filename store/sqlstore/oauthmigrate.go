package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// OAuthAccountConflictError is returned by Migrate when existing rows of
// oauth_account (written by FastAPI Users, which links one provider account
// to several users if asked) share a provider and an account id, which the
// unique index of version 20 cannot hold. Nothing is changed; an
// administrator deletes the extra links, then migrates again.
type OAuthAccountConflictError struct {
	// Conflicts lists each (oauth_name, account_id) pair linked more than
	// once, in order.
	Conflicts [][2]string
}

func (e *OAuthAccountConflictError) Error() string {
	var b strings.Builder
	b.WriteString("sqlstore: existing OAuth accounts are linked more than once; keep one link of each, then migrate again:")
	for i, c := range e.Conflicts {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(" " + c[0] + " account " + c[1])
	}
	return b.String()
}

// uniqueOAuthAccounts is version 20: one account at a provider is linked to
// at most one user, enforced by a unique index (FastAPI Users has none, and
// its association route links an account again to whoever asks). Duplicates
// already there are reported with the pairs involved rather than as a bare
// constraint failure. It also indexes user_id, which listing a user's
// accounts and the cascade of a user's deletion search by, and, on
// PostgreSQL, widens columns FastAPI Users made too narrow: access and
// refresh tokens of several KiB (JWTs of some providers) and expiry times
// after 2038 (INTEGER is 32 bits there; SQLite's is 64).
func uniqueOAuthAccounts(ctx context.Context, tx *sql.Tx, d Dialect) error {
	rows, err := tx.QueryContext(ctx, `SELECT oauth_name, account_id FROM oauth_account
		GROUP BY oauth_name, account_id HAVING COUNT(*) > 1 ORDER BY oauth_name, account_id`)
	if err != nil {
		return err
	}
	var conflicts [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return err
		}
		conflicts = append(conflicts, c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(conflicts) > 0 {
		return &OAuthAccountConflictError{Conflicts: conflicts}
	}
	stmts := []string{
		`CREATE UNIQUE INDEX IF NOT EXISTS ux_oauth_account_oauth_name_account_id ON oauth_account (oauth_name, account_id)`,
		`CREATE INDEX IF NOT EXISTS ix_oauth_account_user_id ON oauth_account (user_id)`,
	}
	if d == Postgres {
		stmts = append(stmts, `ALTER TABLE oauth_account
			ALTER COLUMN access_token TYPE TEXT,
			ALTER COLUMN refresh_token TYPE TEXT,
			ALTER COLUMN expires_at TYPE BIGINT`)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
