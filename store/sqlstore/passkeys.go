package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.PasskeyStore = (*UserStore[*user.User])(nil)

// Passkeys live in usersauth_passkey (version 24 of the schema): the unique
// index on credential_id makes credential ids unique across users, the
// foreign key deletes a user's passkeys with the user. Times are Unix
// microseconds, as integers sort the same on both dialects; transports are
// a JSON array of strings.
const passkeyColumns = `id, user_id, name, credential_id, public_key, sign_count, aaguid, transports,
	backup_eligible, backup_state, created_at, last_used_at`

const (
	insertPasskey = `INSERT INTO usersauth_passkey (` + passkeyColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	listPasskeys        = `SELECT ` + passkeyColumns + ` FROM usersauth_passkey WHERE user_id = $1`
	getPasskeyByCred    = `SELECT ` + passkeyColumns + ` FROM usersauth_passkey WHERE credential_id = $1`
	countPasskeys       = `SELECT COUNT(*) FROM usersauth_passkey WHERE user_id = $1`
	renamePasskey       = `UPDATE usersauth_passkey SET name = $3 WHERE user_id = $1 AND id = $2`
	deletePasskey       = `DELETE FROM usersauth_passkey WHERE user_id = $1 AND id = $2`
	passkeyOfUserExists = `SELECT 1 FROM usersauth_passkey WHERE user_id = $1 AND credential_id = $2`
	// The counter's compare-and-set: one statement, so the row's lock
	// (PostgreSQL) or the database's write lock (SQLite) orders concurrent
	// uses, and each sees the counter the previous one wrote.
	recordPasskeyUse = `UPDATE usersauth_passkey SET sign_count = $3, backup_state = $4, last_used_at = $5
		WHERE user_id = $1 AND credential_id = $2 AND (sign_count < $3 OR (sign_count = 0 AND $3 = 0))`
)

// microArg is a time as the passkey table keeps it; NULL for the zero time.
func microArg(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func microTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func passkeyArgs(p user.Passkey) ([]any, error) {
	transports := p.Transports
	if transports == nil {
		transports = []string{}
	}
	tj, err := json.Marshal(transports)
	if err != nil {
		return nil, err
	}
	return []any{
		p.ID, p.UserID, p.Name, p.CredentialID, p.PublicKey, int64(p.SignCount), p.AAGUID, string(tj),
		p.BackupEligible, p.BackupState, p.CreatedAt.UnixMicro(), microArg(p.LastUsedAt),
	}, nil
}

// scanPasskeys reads every row of rows (columns passkeyColumns).
func scanPasskeys(rows *sql.Rows) ([]user.Passkey, error) {
	defer rows.Close()
	var out []user.Passkey
	for rows.Next() {
		var (
			p          user.Passkey
			count      int64
			transports string
			created    int64
			used       sql.NullInt64
		)
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &p.CredentialID, &p.PublicKey, &count, &p.AAGUID, &transports,
			&p.BackupEligible, &p.BackupState, &created, &used); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(transports), &p.Transports); err != nil {
			return nil, err
		}
		if len(p.Transports) == 0 {
			p.Transports = nil
		}
		p.SignCount = uint32(count)
		p.CreatedAt = time.UnixMicro(created).UTC()
		p.LastUsedAt = microTime(used)
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddPasskey stores p. The unique indexes refuse a taken id or credential
// id (user.ErrAlreadyExists), the foreign key an unknown user
// (user.ErrNotFound).
func (s *UserStore[U]) AddPasskey(ctx context.Context, p user.Passkey) error {
	args, err := passkeyArgs(p)
	if err != nil {
		return err
	}
	_, err = s.db.exec(ctx, insertPasskey, args...)
	return accountError(ctx, "add passkey", err)
}

// Passkeys returns the user's passkeys, oldest first.
func (s *UserStore[U]) Passkeys(ctx context.Context, userID uuid.UUID) ([]user.Passkey, error) {
	rows, err := s.db.sql.QueryContext(ctx, listPasskeys, userID)
	if err != nil {
		return nil, storeError(ctx, "list passkeys", err)
	}
	list, err := scanPasskeys(rows)
	if err != nil {
		return nil, storeError(ctx, "list passkeys", err)
	}
	// Sorted here: PostgreSQL and SQLite order UUIDs of different column
	// types alike only by accident.
	slices.SortFunc(list, func(a, b user.Passkey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), bytes.Compare(a.ID[:], b.ID[:]))
	})
	return list, nil
}

// PasskeyByCredentialID returns the passkey with that credential id, one
// lookup in its unique index, or user.ErrNotFound.
func (s *UserStore[U]) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (user.Passkey, error) {
	rows, err := s.db.sql.QueryContext(ctx, getPasskeyByCred, credentialID)
	if err != nil {
		return user.Passkey{}, storeError(ctx, "get passkey", err)
	}
	list, err := scanPasskeys(rows)
	if err != nil {
		return user.Passkey{}, storeError(ctx, "get passkey", err)
	}
	if len(list) == 0 {
		return user.Passkey{}, user.ErrNotFound
	}
	return list[0], nil
}

// CountPasskeys returns how many passkeys the user has.
func (s *UserStore[U]) CountPasskeys(ctx context.Context, userID uuid.UUID) (int, error) {
	var n int
	if err := s.db.sql.QueryRowContext(ctx, countPasskeys, userID).Scan(&n); err != nil {
		return 0, storeError(ctx, "count passkeys", err)
	}
	return n, nil
}

// RecordPasskeyUse sets the counter, backup state and last use of the
// user's passkey in one conditional UPDATE: it changes the row only if the
// stored counter is below the new one or both are zero. When it changes
// nothing, a second read tells user.ErrSignCountNotIncreased from
// user.ErrNotFound.
func (s *UserStore[U]) RecordPasskeyUse(ctx context.Context, userID uuid.UUID, credentialID []byte, use user.PasskeyUse) error {
	const op = "record passkey use"
	n, err := s.db.exec(ctx, recordPasskeyUse, userID, credentialID, int64(use.SignCount), use.BackupState, microArg(use.UsedAt))
	if err != nil {
		return storeError(ctx, op, err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.db.sql.QueryRowContext(ctx, passkeyOfUserExists, userID, credentialID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return user.ErrNotFound
	case err != nil:
		return storeError(ctx, op, err)
	}
	return user.ErrSignCountNotIncreased
}

// RenamePasskey sets the name of the user's passkey id, or returns
// user.ErrNotFound.
func (s *UserStore[U]) RenamePasskey(ctx context.Context, userID, id uuid.UUID, name string) error {
	n, err := s.db.exec(ctx, renamePasskey, userID, id, name)
	if err != nil {
		return storeError(ctx, "rename passkey", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}

// DeletePasskey removes the user's passkey id, or returns user.ErrNotFound.
func (s *UserStore[U]) DeletePasskey(ctx context.Context, userID, id uuid.UUID) error {
	n, err := s.db.exec(ctx, deletePasskey, userID, id)
	if err != nil {
		return storeError(ctx, "delete passkey", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}
