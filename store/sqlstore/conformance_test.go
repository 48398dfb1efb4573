package sqlstore_test

import (
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

// TestConformance runs the shared user.Store suite on every backend: a
// SQLite file, an in-memory SQLite database and PostgreSQL.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, storetest.Factory{
				Users: func(t *testing.T) user.Store[*user.User] { return b.open(t).Users() },
				Members: func(t *testing.T) user.Store[*storetest.Member] {
					return sqlstore.UsersOf[*storetest.Member](b.open(t))
				},
			})
		})
	}
}

// TestListerConformance runs the user listing suite on every database.
func TestListerConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunLister(t, func(t *testing.T) user.Store[*user.User] { return b.open(t).Users() })
		})
	}
}
