package user

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Page sizes of ListUsers.
const (
	// DefaultListLimit is the page size when ListQuery.Limit is zero.
	DefaultListLimit = 50
	// MaxListLimit is the largest page ListUsers returns.
	MaxListLimit = 100
)

// MaxListKey bounds ListQuery.After and ListQuery.Prefix, in bytes: an e-mail
// key is at most a few times the 254 bytes of an address (NFKC may expand
// it), so anything longer matches nobody.
const MaxListKey = 1024

// ErrListUnsupported: the Store does not implement UserLister.
var ErrListUnsupported = errors.New("user: the store cannot list users")

// ErrBadListQuery is wrapped by ListUsers' error for a query it refuses: a
// limit out of range, or an After or Prefix that no e-mail key can be.
var ErrBadListQuery = errors.New("user: bad list query")

// ListQuery selects a page of users, ordered by e-mail key (EmailKey).
type ListQuery struct {
	// Prefix keeps only the users whose e-mail key starts with the key of
	// Prefix: a case-insensitive prefix of their address. Empty keeps all.
	Prefix string
	// After starts the page after this e-mail key: the Next of the
	// previous page, or EmailKey of an address. Empty starts at the first.
	After string
	// Limit is the page size, from 1 to MaxListLimit; zero means
	// DefaultListLimit.
	Limit int
}

// UserLister is the optional capability of a Store to page through its
// users by e-mail key, for administration (GET /users, the admin
// command's list). Pages are keyset pages: each starts after the last key
// of the one before, so users added or removed meanwhile neither shift nor
// repeat the others. store/memory and store/sqlstore implement it; their
// conformance suite is storetest.RunLister.
type UserLister[U Model] interface {
	// ListUsers returns at most q.Limit users whose e-mail key is greater
	// than q.After and starts with q.Prefix, both taken as they are (keys,
	// already normalised), in increasing key order. q.Limit is between 1
	// and MaxListLimit + 1. The users are the caller's, as Get's are.
	ListUsers(ctx context.Context, q ListQuery) ([]U, error)
}

// keyLike reports whether s may be (a piece of) an e-mail key: UTF-8, at
// most MaxListKey bytes, without NUL, which no address holds (and
// PostgreSQL's text cannot).
func keyLike(s string) bool {
	return len(s) <= MaxListKey && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// UserPage is one page of ListUsers.
type UserPage[U Model] struct {
	// Users are the page's users, in increasing e-mail key order.
	Users []U
	// Next is the After of the next page: the e-mail key of the page's last
	// user; empty when no user follows.
	Next string
}

// ListUsers returns a page of users, for a superuser's listing and admin
// tools. q.Prefix is normalised as an address is (EmailKey); q.After is a
// key as Next gives it. Errors: ErrListUnsupported, one wrapping
// ErrBadListQuery, or the store's own.
func (m *Manager[U]) ListUsers(ctx context.Context, q ListQuery) (UserPage[U], error) {
	lister, ok := m.store.(UserLister[U])
	if !ok {
		return UserPage[U]{}, ErrListUnsupported
	}
	if q.Limit == 0 {
		q.Limit = DefaultListLimit
	}
	switch {
	case q.Limit < 0 || q.Limit > MaxListLimit:
		return UserPage[U]{}, fmt.Errorf("%w: limit %d is not between 1 and %d", ErrBadListQuery, q.Limit, MaxListLimit)
	case !keyLike(q.After):
		return UserPage[U]{}, fmt.Errorf("%w: after is not an e-mail key", ErrBadListQuery)
	case !keyLike(q.Prefix):
		return UserPage[U]{}, fmt.Errorf("%w: prefix is not a piece of an address", ErrBadListQuery)
	}
	limit := q.Limit
	q.Prefix = EmailKey(q.Prefix)
	// One more than the page tells whether another follows.
	q.Limit++
	users, err := lister.ListUsers(ctx, q)
	if err != nil {
		return UserPage[U]{}, err
	}
	page := UserPage[U]{Users: users}
	if len(users) > limit {
		page.Users = users[:limit]
		page.Next = EmailKey(page.Users[limit-1].UserBase().Email)
	}
	return page, nil
}
