package usersauth

import (
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/user"
)

// handleGetMe serves GET /users/me, the hot path of most clients: no
// allocation of its own beyond what the store and strategy need.
func (a *UsersAuth[U]) handleGetMe(w http.ResponseWriter, r *http.Request) {
	s, err := a.current(r, a.userReq|enrolling)
	if err == nil {
		err = a.writeMe(w, r, http.StatusOK, s.user)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
	}
}

// handlePatchMe serves PATCH /users/me. Precedence: malformed JSON, then
// authentication, then field validation.
func (a *UsersAuth[U]) handlePatchMe(w http.ResponseWriter, r *http.Request) {
	if err := a.patchMe(w, r); err != nil {
		a.writeError(w, r, opUpdate, err)
	}
}

func (a *UsersAuth[U]) patchMe(w http.ResponseWriter, r *http.Request) error {
	body, err := wire.ReadJSON(w, r)
	if err != nil {
		return err
	}
	s, err := a.current(r, a.userReq)
	if err != nil {
		return err
	}
	obj, err := body.Require()
	if err != nil {
		return err
	}
	upd, err := wire.DecodeUpdate(a.schema, obj, false)
	if err != nil {
		return err
	}
	ctx := userContext(r, s)
	if a.requireCurrentPassword && (upd.Email != nil || upd.Password != nil) {
		if err := a.reauthenticate(r, s.user, obj); err != nil {
			return err
		}
	}
	u, err := a.manager.UpdateSelf(ctx, s.user, upd)
	if err != nil {
		return err
	}
	return a.writeUser(w, http.StatusOK, u)
}

// reauthenticate checks the current_password of a change of e-mail or
// password (Options.RequireCurrentPassword): missing is 422, wrong is 400
// UPDATE_USER_BAD_CURRENT_PASSWORD and counts as a failed login of the
// account, so a stolen session cannot guess its way to the password.
func (a *UsersAuth[U]) reauthenticate(r *http.Request, u U, obj wire.Object) error {
	current, err := requiredString(obj, "current_password")
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	attempt, err := a.limiter.startLogin(r, u.UserBase().Email)
	if err != nil {
		return err
	}
	err = a.manager.VerifyPassword(ctx, u, current)
	if errors.Is(err, user.ErrBadPassword) {
		attempt.settle(ctx, user.ErrInvalidCredentials)
		return errBadCurrentPassword
	}
	attempt.settle(ctx, err)
	return err
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

// superuserTarget checks that the caller is a superuser, then finds the user
// the path names: the check comes first, so existence never leaks to
// others.
func (a *UsersAuth[U]) superuserTarget(r *http.Request) (U, error) {
	_, u, err := a.superuserSession(r)
	return u, err
}

// handleGetUser serves GET /users/{id}.
func (a *UsersAuth[U]) handleGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.superuserTarget(r)
	if err == nil {
		err = a.writeUser(w, http.StatusOK, u)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
	}
}

// handlePatchUser serves PATCH /users/{id}: malformed JSON, then
// authorisation, then the lookup, then field validation.
func (a *UsersAuth[U]) handlePatchUser(w http.ResponseWriter, r *http.Request) {
	if err := a.patchUser(w, r); err != nil {
		a.writeError(w, r, opUpdate, err)
	}
}

func (a *UsersAuth[U]) patchUser(w http.ResponseWriter, r *http.Request) error {
	body, err := wire.ReadJSON(w, r)
	if err != nil {
		return err
	}
	u, err := a.superuserTarget(r)
	if err != nil {
		return err
	}
	obj, err := body.Require()
	if err != nil {
		return err
	}
	upd, err := wire.DecodeUpdate(a.schema, obj, true)
	if err != nil {
		return err
	}
	if u, err = a.manager.UpdateAsSuperuser(hookContext(r), u, upd); err != nil {
		return err
	}
	return a.writeUser(w, http.StatusOK, u)
}

// handleDeleteUser serves DELETE /users/{id}.
func (a *UsersAuth[U]) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.superuserTarget(r)
	if err == nil {
		err = a.manager.Delete(hookContext(r), u)
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

// writeUser answers u's public JSON.
func (a *UsersAuth[U]) writeUser(w http.ResponseWriter, status int, u U) error {
	return wire.WriteUser(w, status, a.schema, u)
}

// writeMe answers u's public JSON as GET /users/me and the association
// callback give it: with "oauth_accounts" when Options.IncludeOAuthAccounts
// is set.
func (a *UsersAuth[U]) writeMe(w http.ResponseWriter, r *http.Request, status int, u U) error {
	if a.oauth == nil || !a.oauth.includeAccounts {
		return a.writeUser(w, status, u)
	}
	accs, err := a.manager.OAuthAccounts(r.Context(), u)
	if err != nil {
		return err
	}
	return wire.WriteUserWithAccounts(w, status, a.schema, u, accs)
}
