package integration

import (
	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/store/sqlstore"
)

// sqlstore's StateStore is a usersauth.StateStore: the store package cannot
// say so itself, as a store never imports the root.
var _ usersauth.StateStore = (*sqlstore.StateStore)(nil)
