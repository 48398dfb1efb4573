package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.OAuthStore[*user.User] = (*UserStore[*user.User])(nil)

// The OAuth accounts live in FastAPI Users' oauth_account table. Version 20
// of the schema makes (oauth_name, account_id) unique, which FastAPI Users
// does not, and indexes user_id.
const accountColumns = `id, oauth_name, access_token, expires_at, refresh_token, account_id, account_email, user_id`

const (
	getAccountByKey = `SELECT ` + accountColumns + ` FROM oauth_account WHERE oauth_name = $1 AND account_id = $2`
	listAccounts    = `SELECT ` + accountColumns + ` FROM oauth_account WHERE user_id = $1`
	insertAccount   = `INSERT INTO oauth_account (` + accountColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	updateAccount   = `UPDATE oauth_account SET access_token = $3, expires_at = $4, refresh_token = $5, account_email = $6
		WHERE id = $1 AND user_id = $2`
	deleteAccounts = `DELETE FROM oauth_account WHERE user_id = $1 AND oauth_name = $2`
)

// errAccountOwner reports an account that does not name the user created
// with it.
var errAccountOwner = errors.New("sqlstore: the OAuth account's UserID is not the new user's id")

func accountArgs(acc user.OAuthAccount) []any {
	var exp sql.NullInt64
	if acc.ExpiresAt != nil {
		exp = sql.NullInt64{Int64: *acc.ExpiresAt, Valid: true}
	}
	var refresh sql.NullString
	if acc.RefreshToken != nil {
		refresh = sql.NullString{String: *acc.RefreshToken, Valid: true}
	}
	return []any{acc.ID, acc.OAuthName, acc.AccessToken, exp, refresh, acc.AccountID, acc.AccountEmail, acc.UserID}
}

// scanAccounts reads every row of rows (columns accountColumns).
func scanAccounts(rows *sql.Rows) ([]user.OAuthAccount, error) {
	defer rows.Close()
	var out []user.OAuthAccount
	for rows.Next() {
		var (
			acc     user.OAuthAccount
			exp     sql.NullInt64
			refresh sql.NullString
		)
		if err := rows.Scan(&acc.ID, &acc.OAuthName, &acc.AccessToken, &exp, &refresh, &acc.AccountID, &acc.AccountEmail, &acc.UserID); err != nil {
			return nil, err
		}
		if exp.Valid {
			acc.ExpiresAt = &exp.Int64
		}
		if refresh.Valid {
			acc.RefreshToken = &refresh.String
		}
		out = append(out, acc)
	}
	return out, rows.Err()
}

// sortAccounts orders accounts by provider then account id, byte-wise: a
// PostgreSQL ORDER BY would follow the database's locale instead.
func sortAccounts(accs []user.OAuthAccount) {
	slices.SortFunc(accs, func(a, b user.OAuthAccount) int {
		return cmp.Or(cmp.Compare(a.OAuthName, b.OAuthName), cmp.Compare(a.AccountID, b.AccountID))
	})
}

// GetByOAuthAccount returns the user linked to the account accountID at the
// provider oauthName, with the account, or user.ErrNotFound.
func (s *UserStore[U]) GetByOAuthAccount(ctx context.Context, oauthName, accountID string) (U, user.OAuthAccount, error) {
	const op = "get OAuth account"
	var zero U
	rows, err := s.db.sql.QueryContext(ctx, getAccountByKey, oauthName, accountID)
	if err != nil {
		return zero, user.OAuthAccount{}, storeError(ctx, op, err)
	}
	accs, err := scanAccounts(rows)
	if err != nil {
		return zero, user.OAuthAccount{}, storeError(ctx, op, err)
	}
	if len(accs) == 0 {
		return zero, user.OAuthAccount{}, user.ErrNotFound
	}
	u, err := s.Get(ctx, accs[0].UserID)
	if err != nil {
		return zero, user.OAuthAccount{}, err
	}
	return u, accs[0], nil
}

// OAuthAccounts returns the user's accounts, ordered by provider then
// account id.
func (s *UserStore[U]) OAuthAccounts(ctx context.Context, userID uuid.UUID) ([]user.OAuthAccount, error) {
	rows, err := s.db.sql.QueryContext(ctx, listAccounts, userID)
	if err != nil {
		return nil, storeError(ctx, "list OAuth accounts", err)
	}
	accs, err := scanAccounts(rows)
	if err != nil {
		return nil, storeError(ctx, "list OAuth accounts", err)
	}
	sortAccounts(accs)
	return accs, nil
}

// AddOAuthAccount links acc to the user acc.UserID. The unique index on
// (oauth_name, account_id) refuses a taken account (user.ErrAlreadyExists),
// the foreign key an unknown user (user.ErrNotFound).
func (s *UserStore[U]) AddOAuthAccount(ctx context.Context, acc user.OAuthAccount) error {
	_, err := s.db.exec(ctx, insertAccount, accountArgs(acc)...)
	return accountError(ctx, "add OAuth account", err)
}

// UpdateOAuthAccount replaces the tokens and e-mail of the account acc.ID of
// the user acc.UserID, or returns user.ErrNotFound.
func (s *UserStore[U]) UpdateOAuthAccount(ctx context.Context, acc user.OAuthAccount) error {
	args := accountArgs(acc)
	n, err := s.db.exec(ctx, updateAccount, acc.ID, acc.UserID, args[2], args[3], args[4], acc.AccountEmail)
	if err != nil {
		return storeError(ctx, "update OAuth account", err)
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}

// CreateWithOAuthAccount inserts u and acc in one transaction: a failure of
// either insert rolls both back.
func (s *UserStore[U]) CreateWithOAuthAccount(ctx context.Context, u U, acc user.OAuthAccount) error {
	b := u.UserBase()
	if acc.UserID != b.ID {
		return errAccountOwner
	}
	userArgs, err := s.insertArgs(u)
	if err != nil {
		return err
	}
	err = retry(ctx, func() error { return s.createWithAccountOnce(ctx, userArgs, accountArgs(acc)) })
	return storeError(ctx, "create user with OAuth account", err)
}

func (s *UserStore[U]) createWithAccountOnce(ctx context.Context, userArgs, accArgs []any) error {
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, s.db.q.insert, userArgs...); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, insertAccount, accArgs...); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteOAuthAccounts unlinks the user's accounts at the provider oauthName
// in one transaction that first takes the user's row (PostgreSQL: SELECT ...
// FOR UPDATE; SQLite: the write lock), so that concurrent unlinks of one user
// run one after the other and each check sees what the others left.
func (s *UserStore[U]) DeleteOAuthAccounts(ctx context.Context, userID uuid.UUID, oauthName string, check func(u U, remaining []user.OAuthAccount) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		var called bool
		called, err = s.deleteAccountsOnce(ctx, userID, oauthName, check)
		if err == nil || called || !isTransient(err) || ctx.Err() != nil {
			break
		}
	}
	return err
}

func (s *UserStore[U]) deleteAccountsOnce(ctx context.Context, userID uuid.UUID, oauthName string, check func(u U, remaining []user.OAuthAccount) error) (called bool, err error) {
	const op = "delete OAuth accounts"
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, storeError(ctx, op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.db.q.lockByID != "" {
		if _, err := tx.ExecContext(ctx, s.db.q.lockByID, userID); err != nil {
			return false, storeError(ctx, op, err)
		}
	}
	u, _, err := s.readForWrite(ctx, tx, userID)
	if err != nil {
		return false, storeError(ctx, op, err)
	}
	rows, err := tx.QueryContext(ctx, listAccounts, userID)
	if err != nil {
		return false, storeError(ctx, op, err)
	}
	accs, err := scanAccounts(rows)
	if err != nil {
		return false, storeError(ctx, op, err)
	}
	sortAccounts(accs)
	linked := len(accs)
	remaining := slices.DeleteFunc(accs, func(a user.OAuthAccount) bool { return a.OAuthName == oauthName })
	if len(remaining) == linked {
		return false, user.ErrNotFound
	}
	if check != nil {
		if err := check(u, remaining); err != nil {
			return true, err
		}
	}
	if _, err := tx.ExecContext(ctx, deleteAccounts, userID, oauthName); err != nil {
		return true, storeError(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return true, storeError(ctx, op, err)
	}
	return true, nil
}

// Foreign key violations: SQLite's extended result code
// SQLITE_CONSTRAINT_FOREIGNKEY and PostgreSQL's SQLSTATE.
const (
	sqliteConstraintForeignKey = 787
	pgForeignKeyViolation      = "23503"
)

// accountError is storeError for a write naming a user by its id, whose
// foreign key refuses an unknown user: that is user.ErrNotFound.
func accountError(ctx context.Context, op string, err error) error {
	if s, ok := errors.AsType[sqlStater](err); ok && s.SQLState() == pgForeignKeyViolation {
		return user.ErrNotFound
	}
	if c, ok := errors.AsType[resultCoder](err); ok && c.Code() == sqliteConstraintForeignKey {
		return user.ErrNotFound
	}
	return storeError(ctx, op, err)
}
