package sqlstore

import (
	"context"
	"errors"
	"time"
)

// StateStore records the OAuth states already used, in the table
// usersauth_oauth_state, so that each state works once across every instance
// sharing the database. It implements usersauth.StateStore; get it from
// DB.OAuthStates. It is safe for concurrent use.
type StateStore struct {
	db *DB
	// Now gives the current time, by which rows past their expiry are
	// deleted; nil means time.Now.
	Now func() time.Time
}

// OAuthStates returns the store of used OAuth states, to give as
// usersauth.Options.OAuthStates when several instances serve one user base.
func (db *DB) OAuthStates() *StateStore { return &StateStore{db: db} }

// maxStateKeyLength is the column's width: a hex SHA-256 digest.
const maxStateKeyLength = 64

// errStateKey reports a key the column cannot hold.
var errStateKey = errors.New("sqlstore: OAuth state key empty or longer than 64 bytes")

const (
	purgeStates = `DELETE FROM usersauth_oauth_state WHERE expires_at < $1`
	insertState = `INSERT INTO usersauth_oauth_state (state_key, expires_at) VALUES ($1, $2) ON CONFLICT (state_key) DO NOTHING`
)

// Use records key until expires and reports whether this is its first use:
// of concurrent calls with one key, across processes, exactly one gets true,
// as the table's primary key decides. Rows past their expiry are deleted on
// the way, so the table holds about an hour of sign-ins.
func (s *StateStore) Use(ctx context.Context, key string, expires time.Time) (bool, error) {
	const op = "use OAuth state"
	if key == "" || len(key) > maxStateKeyLength {
		return false, errStateKey
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var n int64
	err := retry(ctx, func() (err error) {
		n, err = s.useOnce(ctx, key, expires.Unix(), now().Unix())
		return err
	})
	if err != nil {
		return false, storeError(ctx, op, err)
	}
	return n == 1, nil
}

func (s *StateStore) useOnce(ctx context.Context, key string, expires, now int64) (int64, error) {
	if _, err := s.db.sql.ExecContext(ctx, purgeStates, now); err != nil {
		return 0, err
	}
	res, err := s.db.sql.ExecContext(ctx, insertState, key, expires)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
