package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// RefreshTokenStore keeps refresh tokens (it implements
// backend.RefreshStore) in the table usersauth_refresh_token: digests only,
// one row per token, used ones kept until they expire for reuse detection.
// A user's tokens are deleted with the user (ON DELETE CASCADE). Get it from
// DB.RefreshTokens. It is safe for concurrent use.
type RefreshTokenStore struct {
	db *DB
}

// RefreshTokens returns the store of refresh tokens:
//
//	backend.RefreshConfig{Store: db.RefreshTokens(), Lifetime: 14 * 24 * time.Hour, MaxLifetime: 90 * 24 * time.Hour}
func (db *DB) RefreshTokens() *RefreshTokenStore { return &RefreshTokenStore{db: db} }

const refreshColumns = `digest, family_id, user_id, created_at, family_created_at, expires_at, backend, client_addr, user_agent, used`

func (s *RefreshTokenStore) insertArgs(t auth.RefreshToken) []any {
	db := s.db
	return []any{t.Digest, t.FamilyID, t.UserID, db.timeArg(t.CreatedAt), db.timeArg(t.FamilyCreatedAt), db.timeArg(t.ExpiresAt),
		t.Origin.Backend, t.Origin.ClientAddr, t.Origin.UserAgent}
}

const insertRefresh = `INSERT INTO usersauth_refresh_token (` + refreshColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, FALSE)`

// scanRefresh reads a row of refreshColumns.
func scanRefresh(row interface{ Scan(...any) error }) (auth.RefreshToken, error) {
	var t auth.RefreshToken
	err := row.Scan(&t.Digest, &t.FamilyID, &t.UserID, scanTime{&t.CreatedAt}, scanTime{&t.FamilyCreatedAt}, scanTime{&t.ExpiresAt},
		&t.Origin.Backend, &t.Origin.ClientAddr, &t.Origin.UserAgent, &t.Used)
	return t, err
}

// CreateRefreshToken stores t, unused. It returns
// auth.ErrRefreshTokenExists, and writes nothing, if the digest is taken.
func (s *RefreshTokenStore) CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error {
	_, err := s.db.exec(ctx, insertRefresh, s.insertArgs(t)...)
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return auth.ErrRefreshTokenExists
	}
	return tokenError(ctx, "create refresh token", err)
}

// GetRefreshToken returns the token with the given digest, or
// auth.ErrRefreshTokenNotFound.
func (s *RefreshTokenStore) GetRefreshToken(ctx context.Context, digest string) (auth.RefreshToken, error) {
	t, err := scanRefresh(s.db.sql.QueryRowContext(ctx, `SELECT `+refreshColumns+` FROM usersauth_refresh_token WHERE digest = $1`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.RefreshToken{}, auth.ErrRefreshTokenNotFound
	}
	if err != nil {
		return auth.RefreshToken{}, tokenError(ctx, "get refresh token", err)
	}
	return t, nil
}

// errRotateRefused carries a refusal out of a rotation transaction, which
// is then rolled back.
type errRotateRefused struct{ err error }

func (e errRotateRefused) Error() string { return e.err.Error() }

// RotateRefreshToken marks the token with the given digest as used and
// stores next, in one transaction: the conditional UPDATE takes the row's
// lock (PostgreSQL) or the database's write lock (SQLite), so of concurrent
// rotations of one digest exactly one finds it unused.
func (s *RefreshTokenStore) RotateRefreshToken(ctx context.Context, digest string, next auth.RefreshToken) error {
	err := retry(ctx, func() error { return s.rotateOnce(ctx, digest, next) })
	var refused errRotateRefused
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refused):
		return refused.err
	}
	return tokenError(ctx, "rotate refresh token", err)
}

func (s *RefreshTokenStore) rotateOnce(ctx context.Context, digest string, next auth.RefreshToken) error {
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	n, err := txExec(ctx, tx, `UPDATE usersauth_refresh_token SET used = TRUE WHERE digest = $1 AND used = FALSE`, digest)
	if err != nil {
		return err
	}
	if n == 0 {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM usersauth_refresh_token WHERE digest = $1`, digest).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errRotateRefused{auth.ErrRefreshTokenNotFound}
		case err != nil:
			return err
		}
		return errRotateRefused{auth.ErrRefreshTokenReused}
	}
	if _, err := tx.ExecContext(ctx, insertRefresh, s.insertArgs(next)...); err != nil {
		if isUniqueViolation(err) {
			return errRotateRefused{auth.ErrRefreshTokenExists}
		}
		return err
	}
	return tx.Commit()
}

// DeleteRefreshFamily removes every token of the family and returns how
// many there were.
func (s *RefreshTokenStore) DeleteRefreshFamily(ctx context.Context, familyID uuid.UUID) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM usersauth_refresh_token WHERE family_id = $1`, familyID)
	if err != nil {
		return 0, tokenError(ctx, "delete refresh token family", err)
	}
	return n, nil
}

// DeleteUserRefreshTokens removes every token of the user and returns how
// many there were.
func (s *RefreshTokenStore) DeleteUserRefreshTokens(ctx context.Context, userID uuid.UUID) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM usersauth_refresh_token WHERE user_id = $1`, userID)
	if err != nil {
		return 0, tokenError(ctx, "delete a user's refresh tokens", err)
	}
	return n, nil
}

// DeleteRefreshTokensExpiredBefore removes every token whose ExpiresAt is
// strictly before t and returns how many there were.
func (s *RefreshTokenStore) DeleteRefreshTokensExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM usersauth_refresh_token WHERE expires_at < $1`, s.db.timeArg(t))
	if err != nil {
		return 0, tokenError(ctx, "purge refresh tokens", err)
	}
	return n, nil
}

// UserRefreshTokens returns every token of the user, used or not.
func (s *RefreshTokenStore) UserRefreshTokens(ctx context.Context, userID uuid.UUID) ([]auth.RefreshToken, error) {
	const op = "list a user's refresh tokens"
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+refreshColumns+` FROM usersauth_refresh_token WHERE user_id = $1`, userID)
	if err != nil {
		return nil, tokenError(ctx, op, err)
	}
	defer rows.Close()
	tokens := []auth.RefreshToken{}
	for rows.Next() {
		t, err := scanRefresh(rows)
		if err != nil {
			return nil, tokenError(ctx, op, err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, tokenError(ctx, op, err)
	}
	return tokens, nil
}

// DeleteUserRefreshTokensExcept removes every token of the user but those
// of the family keep, and returns how many it removed.
func (s *RefreshTokenStore) DeleteUserRefreshTokensExcept(ctx context.Context, userID, keep uuid.UUID) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM usersauth_refresh_token WHERE user_id = $1 AND family_id <> $2`, userID, keep)
	if err != nil {
		return 0, tokenError(ctx, "delete a user's other refresh tokens", err)
	}
	return n, nil
}
