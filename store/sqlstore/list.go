package sqlstore

import (
	"context"

	"github.com/usersauth/usersauth/user"
)

// Page sizes of List.
const (
	// DefaultListLimit is the page size when ListOptions.Limit is zero.
	DefaultListLimit = 100
	// MaxListLimit is the largest page List returns.
	MaxListLimit = 1000
)

// ListOptions selects a page of users for List. The zero value is the first
// DefaultListLimit users.
type ListOptions struct {
	// After, if not empty, starts the page after this address, compared by
	// user.EmailKey: pass the last address of the previous page to page
	// through users without skipping or repeating any while others are
	// added or removed.
	After string
	// Offset skips that many users (after After). Negative counts as zero.
	Offset int
	// Limit is the page size: zero or negative is DefaultListLimit, and
	// more than MaxListLimit is MaxListLimit.
	Limit int
}

// List returns a page of users ordered by e-mail key (the lower-cased,
// NFKC-normalised address), for administration.
func (s *UserStore[U]) List(ctx context.Context, opts ListOptions) ([]U, error) {
	const op = "list users"
	limit := opts.Limit
	switch {
	case limit <= 0:
		limit = DefaultListLimit
	case limit > MaxListLimit:
		limit = MaxListLimit
	}
	offset := max(opts.Offset, 0)
	query, args := s.db.q.list, []any{limit, offset}
	if opts.After != "" {
		query, args = s.db.q.listAfter, append(args, user.EmailKey(opts.After))
	}
	rows, err := s.db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, storeError(ctx, op, err)
	}
	defer rows.Close()
	users := make([]U, 0, min(limit, 64))
	for rows.Next() {
		u, _, err := s.scan(rows, true, false)
		if err != nil {
			return nil, storeError(ctx, op, err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(ctx, op, err)
	}
	return users, nil
}

// Count returns the number of users.
func (s *UserStore[U]) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.sql.QueryRowContext(ctx, s.db.q.count).Scan(&n); err != nil {
		return 0, storeError(ctx, "count users", err)
	}
	return n, nil
}
