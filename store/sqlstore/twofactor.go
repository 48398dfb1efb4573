package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.TwoFactorStore = (*UserStore[*user.User])(nil)

// The second factors live in usersauth_totp (one row per user) and
// usersauth_recovery_code (one row per unused code), from version 23 of the
// schema. Single-row changes are one conditional statement, whose row lock
// (PostgreSQL) or the write lock (SQLite) decides between concurrent
// callers. Changes of several rows run in a transaction that first locks
// the user's row, so that two of them on one user run one after the other:
// two regenerations of the codes cannot leave both sets.
const (
	getTOTP        = `SELECT sealed_secret, last_step, created_at, confirmed_at FROM usersauth_totp WHERE user_id = $1`
	setPendingTOTP = `INSERT INTO usersauth_totp (user_id, sealed_secret, last_step, created_at, confirmed_at) VALUES ($1, $2, 0, $3, NULL)
		ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, last_step = 0, created_at = excluded.created_at
		WHERE usersauth_totp.confirmed_at IS NULL`
	confirmTOTP = `UPDATE usersauth_totp SET confirmed_at = $3, last_step = $4
		WHERE user_id = $1 AND sealed_secret = $2 AND confirmed_at IS NULL`
	useTOTPStep    = `UPDATE usersauth_totp SET last_step = $2 WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2`
	resealTOTP     = `UPDATE usersauth_totp SET sealed_secret = $3 WHERE user_id = $1 AND sealed_secret = $2`
	deleteTOTP     = `DELETE FROM usersauth_totp WHERE user_id = $1`
	deleteCodes    = `DELETE FROM usersauth_recovery_code WHERE user_id = $1`
	insertCode     = `INSERT INTO usersauth_recovery_code (user_id, digest) VALUES ($1, $2)`
	useCode        = `DELETE FROM usersauth_recovery_code WHERE user_id = $1 AND digest = $2`
	countCodes     = `SELECT COUNT(*) FROM usersauth_recovery_code WHERE user_id = $1`
	lockUserPG     = `SELECT 1 FROM "user" WHERE id = $1 FOR UPDATE`
	totpConfirmedQ = `SELECT confirmed_at IS NOT NULL FROM usersauth_totp WHERE user_id = $1`
)

// Refusals of values the user.TwoFactorStore contract excludes.
var (
	errEmptySecret   = fmt.Errorf("%w: empty sealed TOTP secret", user.ErrInvalidRecord)
	errZeroConfirmed = fmt.Errorf("%w: a TOTP factor is confirmed at a time, not the zero time", user.ErrInvalidRecord)
)

// errRefused carries a refusal (a sentinel of the contract) out of a
// transaction, which is then rolled back and not retried.
type errRefused struct{ err error }

func (e errRefused) Error() string { return e.err.Error() }

// inTx runs once in a transaction, committed if once returns nil, retried
// on a transient lock conflict, and returns once's refusal as is or any
// other failure through accountError.
func (db *DB) inTx(ctx context.Context, op string, once func(tx *sql.Tx) error) error {
	err := retry(ctx, func() error {
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if err := once(tx); err != nil {
			return err
		}
		return tx.Commit()
	})
	if refused, ok := errors.AsType[errRefused](err); ok {
		return refused.err
	}
	if err != nil {
		return accountError(ctx, op, err)
	}
	return nil
}

// lockUser takes the write lock on the user's row for the rest of tx
// (PostgreSQL: SELECT ... FOR UPDATE; SQLite: a write, which takes the
// database's write lock), or refuses with user.ErrNotFound.
func (db *DB) lockUser(ctx context.Context, tx *sql.Tx, id uuid.UUID) error {
	var found bool
	if db.dialect == Postgres {
		var one int
		err := tx.QueryRowContext(ctx, lockUserPG, id).Scan(&one)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		found = err == nil
	} else {
		n, err := txExec(ctx, tx, db.q.lockByID, id)
		if err != nil {
			return err
		}
		found = n > 0
	}
	if !found {
		return errRefused{user.ErrNotFound}
	}
	return nil
}

// TOTP returns the user's TOTP factor, or user.ErrNotFound.
func (s *UserStore[U]) TOTP(ctx context.Context, userID uuid.UUID) (user.TOTPFactor, error) {
	f := user.TOTPFactor{UserID: userID}
	err := s.db.sql.QueryRowContext(ctx, getTOTP, userID).
		Scan(&f.SealedSecret, &f.LastStep, scanTime{&f.CreatedAt}, scanTime{&f.ConfirmedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return user.TOTPFactor{}, user.ErrNotFound
	}
	if err != nil {
		return user.TOTPFactor{}, storeError(ctx, "get TOTP factor", err)
	}
	return f, nil
}

// SetPendingTOTP stores f as the user's pending factor in one upsert that
// replaces only a pending row: user.ErrTOTPAlreadyEnabled when a confirmed
// one is there, user.ErrNotFound (the foreign key) for an unknown user.
func (s *UserStore[U]) SetPendingTOTP(ctx context.Context, f user.TOTPFactor) error {
	if f.SealedSecret == "" {
		return errEmptySecret
	}
	n, err := s.db.exec(ctx, setPendingTOTP, f.UserID, f.SealedSecret, s.db.timeArg(f.CreatedAt))
	if err != nil {
		return accountError(ctx, "set pending TOTP factor", err)
	}
	if n == 0 {
		return user.ErrTOTPAlreadyEnabled
	}
	return nil
}

// ConfirmTOTP confirms the pending factor and replaces the recovery codes
// in one transaction.
func (s *UserStore[U]) ConfirmTOTP(ctx context.Context, userID uuid.UUID, sealedSecret string, step int64, at time.Time, digests []string) error {
	if err := user.CheckRecoveryDigests(digests); err != nil {
		return err
	}
	if at.IsZero() {
		return errZeroConfirmed
	}
	return s.db.inTx(ctx, "confirm TOTP factor", func(tx *sql.Tx) error {
		if err := s.db.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		n, err := txExec(ctx, tx, confirmTOTP, userID, sealedSecret, s.db.timeArg(at), step)
		if err != nil {
			return err
		}
		if n == 0 {
			return errRefused{user.ErrNotFound}
		}
		return replaceCodes(ctx, tx, userID, digests)
	})
}

// replaceCodes deletes the user's codes and inserts digests, in tx.
func replaceCodes(ctx context.Context, tx *sql.Tx, userID uuid.UUID, digests []string) error {
	if _, err := tx.ExecContext(ctx, deleteCodes, userID); err != nil {
		return err
	}
	for _, d := range digests {
		if _, err := tx.ExecContext(ctx, insertCode, userID, d); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep records step in one conditional UPDATE: of concurrent calls
// with one step, the row lock lets one through and the others find the
// step stored.
func (s *UserStore[U]) UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) error {
	const op = "use TOTP step"
	n, err := s.db.exec(ctx, useTOTPStep, userID, step)
	if err != nil {
		return storeError(ctx, op, err)
	}
	if n == 1 {
		return nil
	}
	var confirmed bool
	err = s.db.sql.QueryRowContext(ctx, totpConfirmedQ, userID).Scan(&confirmed)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && !confirmed):
		return user.ErrNotFound
	case err != nil:
		return storeError(ctx, op, err)
	}
	return user.ErrTOTPStepUsed
}

// ResealTOTP replaces the sealed secret if it is still old.
func (s *UserStore[U]) ResealTOTP(ctx context.Context, userID uuid.UUID, old, sealed string) error {
	if sealed == "" {
		return errEmptySecret
	}
	n, err := s.db.exec(ctx, resealTOTP, userID, old, sealed)
	if err != nil {
		return storeError(ctx, "reseal TOTP secret", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}

// DeleteTOTP removes the user's TOTP factor, or returns user.ErrNotFound.
func (s *UserStore[U]) DeleteTOTP(ctx context.Context, userID uuid.UUID) error {
	n, err := s.db.exec(ctx, deleteTOTP, userID)
	if err != nil {
		return storeError(ctx, "delete TOTP factor", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}

// ReplaceRecoveryCodes replaces the user's codes in one transaction that
// holds the user's row.
func (s *UserStore[U]) ReplaceRecoveryCodes(ctx context.Context, userID uuid.UUID, digests []string) error {
	if err := user.CheckRecoveryDigests(digests); err != nil {
		return err
	}
	return s.db.inTx(ctx, "replace recovery codes", func(tx *sql.Tx) error {
		if err := s.db.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		return replaceCodes(ctx, tx, userID, digests)
	})
}

// UseRecoveryCode deletes the code's row: of concurrent deletions one
// finds it. The row is found by its keyed digest in the primary key's
// index; timing reveals at most a digest prefix, which says nothing of any
// code without the key.
func (s *UserStore[U]) UseRecoveryCode(ctx context.Context, userID uuid.UUID, digest string) error {
	n, err := s.db.exec(ctx, useCode, userID, digest)
	if err != nil {
		return storeError(ctx, "use recovery code", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}

// CountRecoveryCodes returns how many codes the user has left.
func (s *UserStore[U]) CountRecoveryCodes(ctx context.Context, userID uuid.UUID) (int, error) {
	var n int
	if err := s.db.sql.QueryRowContext(ctx, countCodes, userID).Scan(&n); err != nil {
		return 0, storeError(ctx, "count recovery codes", err)
	}
	return n, nil
}

// DeleteTwoFactor removes the user's factor and codes in one transaction.
func (s *UserStore[U]) DeleteTwoFactor(ctx context.Context, userID uuid.UUID) error {
	return s.db.inTx(ctx, "delete second factors", func(tx *sql.Tx) error {
		if err := s.db.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		var removed int64
		for _, q := range []string{deleteTOTP, deleteCodes} {
			n, err := txExec(ctx, tx, q, userID)
			if err != nil {
				return err
			}
			removed += n
		}
		if removed == 0 {
			return errRefused{user.ErrNotFound}
		}
		return nil
	})
}
