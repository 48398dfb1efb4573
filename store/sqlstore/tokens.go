package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// AccessTokenStore keeps the database strategy's tokens (it implements
// backend.TokenStore) in FastAPI Users' accesstoken table, whose token
// column holds the SHA-256 digest of a token rather than the token (see the
// package documentation, "Access tokens"). A user's tokens are deleted with
// the user (ON DELETE CASCADE), so a token can only be stored for a user in
// the same database. Get it from DB.AccessTokens. It is safe for concurrent
// use.
type AccessTokenStore struct {
	db *DB
}

// AccessTokens returns the store of the database strategy's tokens:
//
//	strategy := backend.Database(db.AccessTokens(), time.Hour)
func (db *DB) AccessTokens() *AccessTokenStore { return &AccessTokenStore{db: db} }

// tokenError wraps a driver failure of a token store under the operation's
// name, or the context's error when the context ended. Driver text stays
// out of any answer to a client; the HTTP layer answers 500.
func tokenError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// exec runs a write, retrying a transient lock conflict, and returns the
// number of rows it affected.
func (db *DB) exec(ctx context.Context, query string, args ...any) (int, error) {
	var res sql.Result
	err := retry(ctx, func() (err error) {
		res, err = db.sql.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// txExec runs a write in tx and returns the number of rows it affected.
func txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// accessColumns are the columns of an access token, in scanAccess order.
const accessColumns = `token, user_id, created_at, session_id, expires_at, last_used_at, backend, client_addr, user_agent`

// requestColumns are the columns of an access token a request reads
// (GetToken), in scanRequest order: what a session list alone shows is left
// out of the hot path.
const requestColumns = `token, user_id, created_at, session_id, last_used_at`

// scanAccess reads a row of accessColumns. A NULL session_id (a row an
// older version wrote) reads as uuid.Nil, which the strategy takes as the
// token's own session.
func scanAccess(row interface{ Scan(...any) error }) (auth.AccessToken, error) {
	var at auth.AccessToken
	var session uuid.NullUUID
	err := row.Scan(&at.Digest, &at.UserID, scanTime{&at.CreatedAt}, &session, scanTime{&at.ExpiresAt}, scanTime{&at.LastUsedAt},
		&at.Origin.Backend, &at.Origin.ClientAddr, &at.Origin.UserAgent)
	at.SessionID = session.UUID
	return at, err
}

// scanRequest reads a row of requestColumns.
func scanRequest(row *sql.Row) (auth.AccessToken, error) {
	var at auth.AccessToken
	var session uuid.NullUUID
	err := row.Scan(&at.Digest, &at.UserID, scanTime{&at.CreatedAt}, &session, scanTime{&at.LastUsedAt})
	at.SessionID = session.UUID
	return at, err
}

// nullTime is the argument of a nullable time column: NULL for the zero
// time.
func (db *DB) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.timeArg(t)
}

// nullUUID is the argument of a nullable id column: NULL for uuid.Nil.
func nullUUID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id
}

// CreateToken stores t. It returns auth.ErrTokenExists, and writes nothing,
// if a token with the same digest exists.
func (s *AccessTokenStore) CreateToken(ctx context.Context, t auth.AccessToken) error {
	db := s.db
	_, err := db.exec(ctx, `INSERT INTO accesstoken (`+accessColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.Digest, t.UserID, db.timeArg(t.CreatedAt), nullUUID(t.SessionID), db.nullTime(t.ExpiresAt), db.nullTime(t.LastUsedAt),
		t.Origin.Backend, t.Origin.ClientAddr, t.Origin.UserAgent)
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return auth.ErrTokenExists
	}
	return tokenError(ctx, "create access token", err)
}

// GetToken returns the token with the given digest, or auth.ErrTokenNotFound.
// It is one lookup by primary key, on a prepared statement: the database
// strategy calls it on every request. It reads what a request needs
// (ExpiresAt and Origin stay zero; UserTokens has them).
func (s *AccessTokenStore) GetToken(ctx context.Context, digest string) (auth.AccessToken, error) {
	at, err := scanRequest(s.db.stmts.getToken.QueryRowContext(ctx, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.AccessToken{}, auth.ErrTokenNotFound
	}
	if err != nil {
		return auth.AccessToken{}, tokenError(ctx, "get access token", err)
	}
	return at, nil
}

// DeleteToken removes the token with the given digest, or returns
// auth.ErrTokenNotFound.
func (s *AccessTokenStore) DeleteToken(ctx context.Context, digest string) error {
	n, err := s.db.exec(ctx, `DELETE FROM accesstoken WHERE token = $1`, digest)
	if err != nil {
		return tokenError(ctx, "delete access token", err)
	}
	if n == 0 {
		return auth.ErrTokenNotFound
	}
	return nil
}

// DeleteUserTokens removes every token of the user and returns how many
// there were.
func (s *AccessTokenStore) DeleteUserTokens(ctx context.Context, userID uuid.UUID) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM accesstoken WHERE user_id = $1`, userID)
	if err != nil {
		return 0, tokenError(ctx, "delete a user's access tokens", err)
	}
	return n, nil
}

// DeleteTokensCreatedBefore removes every token created strictly before t
// and returns how many there were.
func (s *AccessTokenStore) DeleteTokensCreatedBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM accesstoken WHERE created_at < $1`, s.db.timeArg(t))
	if err != nil {
		return 0, tokenError(ctx, "purge access tokens", err)
	}
	return n, nil
}

// UserTokens returns every token of the user, expired or not.
func (s *AccessTokenStore) UserTokens(ctx context.Context, userID uuid.UUID) ([]auth.AccessToken, error) {
	const op = "list a user's access tokens"
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+accessColumns+` FROM accesstoken WHERE user_id = $1`, userID)
	if err != nil {
		return nil, tokenError(ctx, op, err)
	}
	defer rows.Close()
	tokens := []auth.AccessToken{}
	for rows.Next() {
		at, err := scanAccess(rows)
		if err != nil {
			return nil, tokenError(ctx, op, err)
		}
		tokens = append(tokens, at)
	}
	if err := rows.Err(); err != nil {
		return nil, tokenError(ctx, op, err)
	}
	return tokens, nil
}

// TouchToken sets the LastUsedAt of the token with the given digest, or
// returns auth.ErrTokenNotFound.
func (s *AccessTokenStore) TouchToken(ctx context.Context, digest string, at time.Time) error {
	n, err := s.db.exec(ctx, `UPDATE accesstoken SET last_used_at = $2 WHERE token = $1`, digest, s.db.timeArg(at))
	if err != nil {
		return tokenError(ctx, "touch access token", err)
	}
	if n == 0 {
		return auth.ErrTokenNotFound
	}
	return nil
}

// DeleteUserTokensExcept removes every token of the user but the one whose
// digest is keep, and returns how many it removed.
func (s *AccessTokenStore) DeleteUserTokensExcept(ctx context.Context, userID uuid.UUID, keep string) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM accesstoken WHERE user_id = $1 AND token <> $2`, userID, keep)
	if err != nil {
		return 0, tokenError(ctx, "delete a user's other access tokens", err)
	}
	return n, nil
}

// SessionUser returns the user whose access tokens or refresh family have
// the session id, or user.ErrNotFound: how an admin tool that is given a
// session id alone finds whose it is. A token stored without a session id
// is found by the id its digest gives it (auth.TokenSessionID).
func (db *DB) SessionUser(ctx context.Context, sessionID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := db.sql.QueryRowContext(ctx, `SELECT user_id FROM accesstoken WHERE session_id = $1
		UNION SELECT user_id FROM accesstoken WHERE session_id IS NULL AND substr(token, 1, 32) = $2
		UNION SELECT user_id FROM usersauth_refresh_token WHERE family_id = $1`,
		sessionID, hex.EncodeToString(sessionID[:])).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, user.ErrNotFound
	}
	if err != nil {
		return uuid.Nil, tokenError(ctx, "find a session's user", err)
	}
	return id, nil
}
