package usersauth

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// handleGetMe serves GET /users/me, the hot path of most clients: no
// allocation of its own beyond what the store and strategy need.
func (a *UsersAuth[U]) handleGetMe(w http.ResponseWriter, r *http.Request) {
	s, err := a.current(r, a.userReq)
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	if a.oauth != nil && a.oauth.includeAccounts {
		a.writeUserWithAccounts(w, r, http.StatusOK, s.user)
		return
	}
	a.writeUser(w, r, http.StatusOK, s.user)
}

// handlePatchMe serves PATCH /users/me. Precedence: malformed JSON, then
// authentication, then field validation.
func (a *UsersAuth[U]) handlePatchMe(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r)
	if err != nil {
		a.writeError(w, r, opUpdate, err)
		return
	}
	s, err := a.current(r, a.userReq)
	if err != nil {
		a.writeError(w, r, opUpdate, err)
		return
	}
	a.update(w, r, body, s.user, false)
}

func (a *UsersAuth[U]) update(w http.ResponseWriter, r *http.Request, body jsonBody, u U, superuser bool) {
	if body.shape != nil {
		a.writeError(w, r, opUpdate, body.shape)
		return
	}
	upd, err := a.decodeUpdate(body.object, superuser)
	if err == nil {
		u, err = a.manager.Update(hookContext(r), u, upd, !superuser)
	}
	if err != nil {
		a.writeError(w, r, opUpdate, err)
		return
	}
	a.writeUser(w, r, http.StatusOK, u)
}

// lookup finds the user named by the {id} path segment; an id that does not
// parse is as unknown as one that is not there.
func (a *UsersAuth[U]) lookup(r *http.Request) (U, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		var zero U
		return zero, user.ErrNotFound
	}
	return a.manager.Get(r.Context(), id)
}

// handleGetUser serves GET /users/{id}. The superuser check comes before the
// lookup, so existence never leaks to others.
func (a *UsersAuth[U]) handleGetUser(w http.ResponseWriter, r *http.Request) {
	_, err := a.current(r, a.superReq)
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	u, err := a.lookup(r)
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	a.writeUser(w, r, http.StatusOK, u)
}

// handlePatchUser serves PATCH /users/{id}: malformed JSON, then
// authorisation, then the lookup, then field validation.
func (a *UsersAuth[U]) handlePatchUser(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r)
	if err == nil {
		_, err = a.current(r, a.superReq)
	}
	var u U
	if err == nil {
		u, err = a.lookup(r)
	}
	if err != nil {
		a.writeError(w, r, opUpdate, err)
		return
	}
	a.update(w, r, body, u, true)
}

// handleDeleteUser serves DELETE /users/{id}.
func (a *UsersAuth[U]) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	_, err := a.current(r, a.superReq)
	var u U
	if err == nil {
		u, err = a.lookup(r)
	}
	if err == nil {
		err = a.manager.Delete(hookContext(r), u)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	writeNoContent(w)
}
