package storetest

import "github.com/usersauth/usersauth/user"

// Member is a host's user type as the suite sees it: user.Base embedded, and
// fields of the host's own, including a slice, which an adapter must persist
// and return like the common ones.
type Member struct {
	user.Base
	DisplayName string   `json:"display_name"`
	Visits      int      `json:"visits"`
	Tags        []string `json:"tags"`
}
