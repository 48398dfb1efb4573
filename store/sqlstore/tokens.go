package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
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

// CreateToken stores t. It returns auth.ErrTokenExists, and writes nothing,
// if a token with the same digest exists.
func (s *AccessTokenStore) CreateToken(ctx context.Context, t auth.AccessToken) error {
	_, err := s.db.exec(ctx, `INSERT INTO accesstoken (token, created_at, user_id) VALUES ($1, $2, $3)`,
		t.Digest, s.db.timeArg(t.CreatedAt), t.UserID)
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
// strategy calls it on every request.
func (s *AccessTokenStore) GetToken(ctx context.Context, digest string) (auth.AccessToken, error) {
	at := auth.AccessToken{}
	err := s.db.stmts.getToken.QueryRowContext(ctx, digest).Scan(&at.Digest, &at.UserID, scanTime{&at.CreatedAt})
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
