package sqlstore

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/usersauth/usersauth/user"
)

var _ user.UserLister[*user.User] = (*UserStore[*user.User])(nil)

// ListUsers returns at most q.Limit users whose e-mail key is greater than
// q.After and starts with q.Prefix, in increasing key order
// (user.UserLister). The prefix is a range of the unique index on
// email_key, [Prefix, the next string of its length) compared byte for
// byte, as both dialects compare the column, so no character of it is a
// pattern. The query has one lower bound, the greater of After (excluded)
// and Prefix (included), and at most one upper bound, so that the planner
// of either dialect starts the scan of the index there: a page costs the
// same at any table size.
func (s *UserStore[U]) ListUsers(ctx context.Context, q user.ListQuery) ([]U, error) {
	const op = "list users"
	if q.Limit <= 0 {
		return []U{}, nil
	}
	from := q.After >= q.Prefix // keys after After already start no lower than Prefix
	query, args := s.db.q.listAfter1, []any{q.After, q.Limit}
	if !from {
		query, args[0] = s.db.q.listFrom1, q.Prefix
	}
	if q.Prefix != "" {
		if end, ok := prefixEnd(q.Prefix); ok {
			args = append(args, end)
			query = s.db.q.listAfterBelow3
			if !from {
				query = s.db.q.listFromBelow3
			}
		}
	}
	rows, err := s.db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, storeError(ctx, op, err)
	}
	defer rows.Close()
	users := make([]U, 0, min(q.Limit, 64))
	for rows.Next() {
		u, _, err := s.scan(rows, true, false)
		if err != nil {
			return nil, storeError(ctx, op, err)
		}
		// Only a key that is not UTF-8 can be past the prefix's range
		// without a successor; keep the answer exact all the same.
		if strings.HasPrefix(user.EmailKey(u.UserBase().Email), q.Prefix) {
			users = append(users, u)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(ctx, op, err)
	}
	return users, nil
}

// prefixEnd returns the least string greater than every string that starts
// with p, for UTF-8 compared byte for byte (which is code point order): p
// with its last code point incremented, skipping surrogates, after dropping
// trailing U+10FFFF. It reports false when p is all U+10FFFF (every string
// from p on starts with it) or is not UTF-8.
func prefixEnd(p string) (string, bool) {
	if !utf8.ValidString(p) {
		return "", false
	}
	for p != "" {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		if r == utf8.MaxRune {
			continue
		}
		r++
		if r == 0xD800 {
			r = 0xE000 // surrogates are no code points of UTF-8
		}
		return p + string(r), true
	}
	return "", false
}

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
