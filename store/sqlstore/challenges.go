package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.ChallengeStore = (*UserStore[*user.User])(nil)

// Challenges live in usersauth_challenge (version 23 of the schema), keyed
// by the digest of their token; every instance on the database sees the
// same ones. Taking is one DELETE ... RETURNING, so of concurrent takers
// one gets the row; a failed try is a conditional decrement and, at zero,
// the deletion, in one transaction.
const (
	challengeColumns = `digest, kind, user_id, backend, payload, expires_at, tries_left`
	insertChallenge  = `INSERT INTO usersauth_challenge (` + challengeColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	getChallenge     = `SELECT ` + challengeColumns + ` FROM usersauth_challenge WHERE digest = $1`
	takeChallenge    = `DELETE FROM usersauth_challenge WHERE digest = $1 RETURNING ` + challengeColumns
	failChallenge    = `UPDATE usersauth_challenge SET tries_left = tries_left - 1 WHERE digest = $1 AND tries_left > 0 RETURNING tries_left`
	deleteChallenge  = `DELETE FROM usersauth_challenge WHERE digest = $1`
	purgeChallenges  = `DELETE FROM usersauth_challenge WHERE expires_at <= $1`
)

func scanChallenge(row *sql.Row) (user.Challenge, error) {
	var (
		c   user.Challenge
		uid uuid.NullUUID
	)
	if err := row.Scan(&c.Digest, &c.Kind, &uid, &c.Backend, &c.Payload, scanTime{&c.ExpiresAt}, &c.TriesLeft); err != nil {
		return user.Challenge{}, err
	}
	c.UserID = uid.UUID
	return c, nil
}

// CreateChallenge stores c: user.ErrAlreadyExists for a taken digest (the
// primary key), user.ErrNotFound for an unknown user (the foreign key).
func (s *UserStore[U]) CreateChallenge(ctx context.Context, c user.Challenge) error {
	if err := c.Check(); err != nil {
		return err
	}
	payload := c.Payload
	if payload == nil {
		payload = []byte{} // the column is NOT NULL; drivers send a nil slice as NULL
	}
	_, err := s.db.exec(ctx, insertChallenge, c.Digest, c.Kind, nullUUID(c.UserID), c.Backend, payload, s.db.timeArg(c.ExpiresAt), c.TriesLeft)
	return accountError(ctx, "create challenge", err)
}

// GetChallenge returns the challenge with that digest, or user.ErrNotFound.
func (s *UserStore[U]) GetChallenge(ctx context.Context, digest string) (user.Challenge, error) {
	c, err := scanChallenge(s.db.sql.QueryRowContext(ctx, getChallenge, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return user.Challenge{}, user.ErrNotFound
	}
	if err != nil {
		return user.Challenge{}, storeError(ctx, "get challenge", err)
	}
	return c, nil
}

// FailChallenge counts a failed try and deletes the challenge at zero, in
// one transaction: the decrement's row lock orders concurrent tries.
func (s *UserStore[U]) FailChallenge(ctx context.Context, digest string) (int, error) {
	var left int
	err := s.db.inTx(ctx, "count a failed try", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, failChallenge, digest).Scan(&left)
		if errors.Is(err, sql.ErrNoRows) {
			return errRefused{user.ErrNotFound}
		}
		if err != nil {
			return err
		}
		if left <= 0 {
			_, err = tx.ExecContext(ctx, deleteChallenge, digest)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return left, nil
}

// TakeChallenge deletes the challenge and returns it, or user.ErrNotFound.
func (s *UserStore[U]) TakeChallenge(ctx context.Context, digest string) (user.Challenge, error) {
	var c user.Challenge
	err := retry(ctx, func() (err error) {
		c, err = scanChallenge(s.db.sql.QueryRowContext(ctx, takeChallenge, digest))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return user.Challenge{}, user.ErrNotFound
	}
	if err != nil {
		return user.Challenge{}, storeError(ctx, "take challenge", err)
	}
	return c, nil
}

// DeleteExpiredChallenges deletes the challenges expired at now.
func (s *UserStore[U]) DeleteExpiredChallenges(ctx context.Context, now time.Time) (int, error) {
	n, err := s.db.exec(ctx, purgeChallenges, s.db.timeArg(now))
	if err != nil {
		return 0, storeError(ctx, "purge challenges", err)
	}
	return n, nil
}
