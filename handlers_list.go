package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/wire"
)

// handleListUsers serves GET /users (ours, superuser): a page of users
// ordered by e-mail key, ?limit= (1 to 100, default 50), ?after= (the
// "next" of the previous page), ?q= (a case-insensitive prefix of the
// address). Authorisation comes before the query's validation, as for the
// other superuser routes: 401, 403, then 422.
func (a *UsersAuth[U]) handleListUsers(w http.ResponseWriter, r *http.Request) {
	if err := a.listUsersPage(w, r); err != nil {
		a.writeError(w, r, opOther, err)
	}
}

func (a *UsersAuth[U]) listUsersPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.current(r, a.superReq); err != nil {
		return err
	}
	q, err := wire.ReadListQuery(r)
	if err != nil {
		return err
	}
	page, err := a.manager.ListUsers(r.Context(), q)
	if err != nil {
		return err
	}
	return wire.WriteUserPage(w, a.schema, page)
}
