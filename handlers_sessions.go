package usersauth

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/user"
)

// The session routes (ours): a user lists the devices signed in and ends
// one; a superuser does the same for any user, and can end all of them.
// Which sessions exist is the backends' (see sessions.go): server-side
// tokens and refresh-token families; a JWT without refresh tokens is none.

// sessionsRoutes are the session routes under the users router's prefix.
func (a *UsersAuth[U]) sessionsRoutes(prefix string) []route {
	return []route{
		{http.MethodGet, prefix + "/me/sessions", a.handleMySessions},
		{http.MethodDelete, prefix + "/me/sessions/{session}", a.handleEndMySession},
		{http.MethodGet, prefix + "/{id}/sessions", a.handleUserSessions},
		{http.MethodDelete, prefix + "/{id}/sessions", a.handleEndUserSessions},
		{http.MethodDelete, prefix + "/{id}/sessions/{session}", a.handleEndUserSession},
	}
}

// handleMySessions serves GET /users/me/sessions: the caller's sessions,
// the one the request is made in marked current.
func (a *UsersAuth[U]) handleMySessions(w http.ResponseWriter, r *http.Request) {
	s, err := a.current(r, a.userReq)
	if err == nil {
		err = a.writeSessions(w, r, s, s.user)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
	}
}

// handleEndMySession serves DELETE /users/me/sessions/{session}: that
// device is logged out at once, on every instance; 404 for an id that is
// none of the caller's live sessions.
func (a *UsersAuth[U]) handleEndMySession(w http.ResponseWriter, r *http.Request) {
	s, err := a.current(r, a.userReq)
	if err == nil {
		err = a.endSession(r, s, s.user)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

// handleUserSessions serves GET /users/{id}/sessions (superuser).
func (a *UsersAuth[U]) handleUserSessions(w http.ResponseWriter, r *http.Request) {
	s, u, err := a.superuserSession(r)
	if err == nil {
		err = a.writeSessions(w, r, s, u)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
	}
}

// handleEndUserSessions serves DELETE /users/{id}/sessions (superuser):
// every session of the user ends, as on logout-all.
func (a *UsersAuth[U]) handleEndUserSessions(w http.ResponseWriter, r *http.Request) {
	_, u, err := a.superuserSession(r)
	if err == nil {
		err = a.manager.EndSessions(hookContext(r), u)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

// handleEndUserSession serves DELETE /users/{id}/sessions/{session}
// (superuser).
func (a *UsersAuth[U]) handleEndUserSession(w http.ResponseWriter, r *http.Request) {
	s, u, err := a.superuserSession(r)
	if err == nil {
		err = a.endSession(r, s, u)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

// superuserSession checks that the caller is a superuser, then finds the
// user the path names (see superuserTarget), and returns the caller's
// session too.
func (a *UsersAuth[U]) superuserSession(r *http.Request) (session[U], U, error) {
	s, err := a.current(r, a.superReq)
	if err != nil {
		var zero U
		return s, zero, err
	}
	u, err := a.lookup(r)
	return s, u, err
}

func (a *UsersAuth[U]) writeSessions(w http.ResponseWriter, r *http.Request, s session[U], u U) error {
	list, err := a.manager.Sessions(userContext(r, s), u)
	if err != nil {
		return err
	}
	wire.WriteSessions(w, list)
	return nil
}

// endSession ends u's session named by the {session} path segment; an id
// that does not parse is as unknown as one that is not there.
func (a *UsersAuth[U]) endSession(r *http.Request, s session[U], u U) error {
	id, err := uuid.Parse(r.PathValue("session"))
	if err != nil || len(r.PathValue("session")) != 36 {
		return user.ErrSessionNotFound
	}
	return a.manager.EndSession(userContext(r, s), u, id)
}
