package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/usersauth/usersauth/user"
)

var _ user.UserLister[*user.User] = (*Store[*user.User])(nil)

// ListUsers returns copies of at most q.Limit users whose e-mail key is
// greater than q.After and starts with q.Prefix, in increasing key order
// (user.UserLister). It visits every key under the read lock, so a page
// costs time in proportion to the users stored: fine for the tests and
// small services this store is for.
func (s *Store[U]) ListUsers(_ context.Context, q user.ListQuery) ([]U, error) {
	if q.Limit <= 0 {
		return []U{}, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, min(len(s.byEmail), 4*q.Limit))
	for k := range s.byEmail {
		if k > q.After && strings.HasPrefix(k, q.Prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	keys = keys[:min(len(keys), q.Limit)]
	users := make([]U, len(keys))
	for i, k := range keys {
		users[i] = user.Clone(s.byID[s.byEmail[k]].user)
	}
	return users, nil
}
