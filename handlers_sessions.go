package usersauth

import (
	"errors"
	"net/http"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// logoutAllHandler serves POST /auth/{backend}/logout-all (ours): the
// current user's sessions end everywhere, on every device and backend, then
// the answer is this backend's logout. Every server-side token and refresh
// family of the user is revoked and the user's TokenEpoch moves on, which
// ends revocable JWTs; a JWT strategy that is not revocable cannot end its
// tokens, which live until they expire. Authentication, the verification
// requirement and the CSRF check are those of logout.
func (a *UsersAuth[U]) logoutAllHandler(i int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := a.current(r, a.userReq)
		if err == nil {
			err = a.manager.EndSessions(hookContext(r), s.user)
		}
		if err == nil {
			// The caller's own token, whatever its strategy.
			err = s.backend.Strategy.DestroyToken(r.Context(), s.token, s.user.UserBase())
		}
		if err == nil {
			err = a.writeLogout(w, i)
		}
		if err != nil {
			a.writeError(w, r, opOther, err)
		}
	}
}

// refreshHandler serves POST /auth/{backend}/refresh (ours): a refresh token
// is exchanged for a new access token and a new refresh token, answered
// exactly as a login. A bearer client sends the refresh token in the body
// (RFC 6749 section 6); a cookie client's browser sends the refresh cookie,
// and the request is CSRF-checked like a login. Any refresh token not
// accepted (unknown, expired, revoked, reused) is 401, as is one whose user
// is gone or inactive; an unverified user where verification is required is
// 403. The AfterLogin hook is not called: no one logged in.
func (a *UsersAuth[U]) refreshHandler(i int) http.HandlerFunc {
	be, rf := &a.backends[i], a.refreshers[i]
	tr := be.Transport.(backend.RefreshTransport)
	return func(w http.ResponseWriter, r *http.Request) {
		var (
			token string
			err   error
		)
		if be.Transport.CookieBased() {
			if a.csrf != nil && a.csrf.Check(r) != nil {
				a.writeError(w, r, opRefresh, ErrForbidden)
				return
			}
			var ok bool
			if token, ok = tr.RefreshToken(r); !ok {
				a.writeError(w, r, opRefresh, ErrUnauthorized)
				return
			}
		} else if token, err = readRefreshRequest(w, r); err != nil {
			a.writeError(w, r, opRefresh, err)
			return
		}
		ctx := hookContext(r)
		rt, err := rf.Check(ctx, token)
		if err != nil {
			a.writeError(w, r, opRefresh, err)
			return
		}
		u, err := a.manager.Get(ctx, rt.UserID)
		if err == nil && !u.UserBase().IsActive {
			err = user.ErrNotFound
		}
		if errors.Is(err, user.ErrNotFound) {
			// The family outlived its user's access (a row removed or
			// deactivated behind the Manager's back): end it.
			_ = rf.RevokeFamily(ctx, rt.FamilyID)
			err = ErrUnauthorized
		}
		if err == nil && a.requireVerification && !u.UserBase().IsVerified {
			err = ErrForbidden
		}
		var grant backend.RefreshGrant
		if err == nil {
			grant, err = rf.Rotate(ctx, rt)
		}
		var access string
		if err == nil {
			access, err = be.Strategy.WriteToken(ctx, u.UserBase())
		}
		if err == nil {
			err = tr.WriteLoginRefresh(w, access, grant)
		}
		if err != nil {
			a.writeError(w, r, opRefresh, err)
		}
	}
}
