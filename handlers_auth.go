package usersauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/user"
)

// tokens are what a sign-in issued: an access token, and a refresh token
// when the backend has them.
type tokens struct {
	access  string
	refresh *backend.RefreshGrant
}

// issue gives u, whom the sign-in policy let in, a session of backend m:
// its access token, and a refresh token when m has them, in one session
// that records where the request came from (the request of ctx, see
// signInContext). It runs the AfterLogin hook. Password login, both OAuth
// callbacks and any way in to come go through it, so every sign-in answers
// alike.
func (a *UsersAuth[U]) issue(ctx context.Context, m *mounted, u U) (tokens, error) {
	b := u.UserBase()
	ctx, err := a.signInContext(ctx, m)
	if err != nil {
		return tokens{}, err
	}
	access, err := m.Strategy.WriteToken(ctx, b)
	if err != nil {
		return tokens{}, err
	}
	t := tokens{access: access}
	if m.refresher != nil {
		grant, err := m.refresher.Issue(ctx, b.ID)
		if err != nil {
			// No answer carries the access token: end it rather than leave
			// a session nobody holds.
			_ = m.Strategy.DestroyToken(context.WithoutCancel(ctx), access, b)
			return tokens{}, err
		}
		t.refresh = &grant
	}
	a.manager.AfterLogin(ctx, u)
	return t, nil
}

// writeLogin writes m's answer to a sign-in that issued t.
func (m *mounted) writeLogin(w http.ResponseWriter, t tokens) error {
	if t.refresh == nil {
		return m.Transport.WriteLogin(w, t.access)
	}
	return m.refreshTransport.WriteLoginRefresh(w, t.access, *t.refresh)
}

// writeLogout writes m's logout answer.
func (m *mounted) writeLogout(w http.ResponseWriter) error {
	if m.refresher == nil {
		return m.Transport.WriteLogout(w)
	}
	return m.refreshTransport.WriteLogoutRefresh(w, m.refresher.Path())
}

// checkCSRF refuses a cross-site request to a route of a cookie backend
// that changes state without a session to check (login, refresh): a
// cross-site form could trigger it (login CSRF).
func (a *UsersAuth[U]) checkCSRF(r *http.Request, m *mounted) error {
	if m.Transport.CookieBased() {
		return a.checkOrigin(r)
	}
	return nil
}

// loginHandler serves POST /auth/{backend}/login: the OAuth2 password form
// (RFC 6749 section 4.3.2) with the e-mail as username.
func (a *UsersAuth[U]) loginHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.login(w, r, m); err != nil {
			a.writeError(w, r, opLogin, err)
		}
	}
}

func (a *UsersAuth[U]) login(w http.ResponseWriter, r *http.Request, m *mounted) error {
	if err := a.checkCSRF(r, m); err != nil {
		return err
	}
	form, err := wire.ReadLogin(w, r)
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	attempt, err := a.limiter.startLogin(r, form.Username)
	if err != nil {
		return err
	}
	u, err := a.manager.Authenticate(ctx, form.Username, form.Password)
	// The right password of a user with a second factor is not a failure,
	// nor yet a success: its events are given back, the account's count
	// stays, and the second step counts on.
	attempt.settle(ctx, err)
	if sf, ok := errors.AsType[*user.SecondFactorRequiredError](err); ok {
		return a.startSecondStep(ctx, m, u, sf)
	}
	if err != nil {
		return err
	}
	t, err := a.issue(ctx, m, u)
	if err != nil {
		return err
	}
	return m.writeLogin(w, t)
}

// logoutHandler serves POST /auth/{backend}/logout. As in FastAPI Users the
// token may come through any backend; this backend's strategy destroys it and
// its transport answers. With refresh tokens, the family of the refresh
// token the request carries, if any and if the user's, ends too: the
// cookie transport's refresh cookie (sent here only when its Path covers
// this route), or a bearer client's optional refresh_token field.
func (a *UsersAuth[U]) logoutHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.logout(w, r, m); err != nil {
			a.writeError(w, r, opOther, err)
		}
	}
}

func (a *UsersAuth[U]) logout(w http.ResponseWriter, r *http.Request, m *mounted) error {
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return err
	}
	if err := m.Strategy.DestroyToken(r.Context(), s.token, s.user.UserBase()); err != nil {
		return err
	}
	if m.refresher != nil {
		if token, ok := m.optionalRefreshToken(w, r); ok {
			if _, err := m.refresher.Revoke(r.Context(), token, s.user.UserBase().ID); err != nil {
				return err
			}
		}
	}
	return m.writeLogout(w)
}

// optionalRefreshToken returns the refresh token a logout request carries,
// if any: the cookie transport's refresh cookie, or a bearer client's
// refresh_token field. A body that is absent or does not parse is no
// refresh token, never an error: FastAPI Users' logout takes no body.
func (m *mounted) optionalRefreshToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	if m.Transport.CookieBased() {
		return m.refreshTransport.RefreshToken(r)
	}
	if r.ContentLength == 0 {
		return "", false
	}
	token, err := wire.ReadRefresh(w, r)
	return token, err == nil
}

// logoutAllHandler serves POST /auth/{backend}/logout-all (ours): the
// current user's sessions end everywhere, on every device and backend, then
// the answer is this backend's logout. Every server-side token and refresh
// family of the user is revoked and the user's TokenEpoch moves on, which
// ends revocable JWTs; a JWT strategy that is not revocable cannot end its
// tokens, which live until they expire. Authentication, the verification
// requirement and the CSRF check are those of logout.
func (a *UsersAuth[U]) logoutAllHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.logoutAll(w, r, m); err != nil {
			a.writeError(w, r, opOther, err)
		}
	}
}

func (a *UsersAuth[U]) logoutAll(w http.ResponseWriter, r *http.Request, m *mounted) error {
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return err
	}
	if err := a.manager.EndSessions(hookContext(r), s.user); err != nil {
		return err
	}
	// The caller's own token, whatever its strategy.
	if err := s.backend.Strategy.DestroyToken(r.Context(), s.token, s.user.UserBase()); err != nil {
		return err
	}
	return m.writeLogout(w)
}

// refreshHandler serves POST /auth/{backend}/refresh (ours): a refresh token
// is exchanged for a new access token and a new refresh token, answered
// exactly as a login. A bearer client sends the refresh token in the body
// (RFC 6749 section 6); a cookie client's browser sends the refresh cookie,
// and the request is CSRF-checked like a login. Any refresh token not
// accepted (unknown, expired, revoked, reused) is 401, as is one whose user
// is gone or may no longer sign in (CheckSignIn), or whose session was
// ended one by one (user.Base.EndedSessions); an unverified user where
// verification is required is 403. The new access token belongs to the
// family's session. The AfterLogin hook is not called: no one logged in.
func (a *UsersAuth[U]) refreshHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.refresh(w, r, m); err != nil {
			a.writeError(w, r, opRefresh, err)
		}
	}
}

func (a *UsersAuth[U]) refresh(w http.ResponseWriter, r *http.Request, m *mounted) error {
	token, err := a.readRefreshToken(w, r, m)
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	rt, err := m.refresher.Check(ctx, token)
	if err != nil {
		return err
	}
	u, err := a.manager.Get(ctx, rt.UserID)
	if err == nil {
		err = a.manager.CheckSignIn(ctx, u, user.SignInRefresh)
	}
	if err == nil && u.UserBase().SessionEnded(rt.FamilyID.String()) {
		// Ended one by one, and its family outlived the ending (a store
		// that failed then): end it now.
		err = user.ErrNotFound
	}
	if errors.Is(err, user.ErrNotFound) || errors.Is(err, user.ErrInvalidCredentials) {
		// The family outlived its user's access (a row removed or
		// deactivated behind the Manager's back): end it.
		_ = m.refresher.RevokeFamily(ctx, rt.FamilyID)
		return ErrUnauthorized
	}
	if err != nil {
		return err
	}
	grant, err := m.refresher.Rotate(ctx, rt)
	if err != nil {
		return err
	}
	ctx = backend.WithLogin(ctx, backend.Login{SessionID: rt.FamilyID, Origin: rt.Origin})
	access, err := m.Strategy.WriteToken(ctx, u.UserBase())
	if err != nil {
		return err
	}
	if _, keeps := m.Strategy.(backend.SessionKeeper); keeps {
		// The session may have been ended between the rotation and the
		// new token, which its ending did not see: end that token too.
		// (A JWT of it is refused through the user record anyway.)
		if _, err := m.refresher.Store().GetRefreshToken(ctx, auth.TokenDigest(grant.Token)); errors.Is(err, auth.ErrRefreshTokenNotFound) {
			_ = m.Strategy.DestroyToken(context.WithoutCancel(ctx), access, u.UserBase())
			return ErrUnauthorized
		}
	}
	return m.refreshTransport.WriteLoginRefresh(w, access, grant)
}

// readRefreshToken reads the refresh token of a refresh request: the
// cookie a browser sends, after the CSRF check, or a bearer client's form
// or JSON body.
func (a *UsersAuth[U]) readRefreshToken(w http.ResponseWriter, r *http.Request, m *mounted) (string, error) {
	if !m.Transport.CookieBased() {
		return wire.ReadRefresh(w, r)
	}
	if err := a.checkCSRF(r, m); err != nil {
		return "", err
	}
	token, ok := m.refreshTransport.RefreshToken(r)
	if !ok {
		return "", ErrUnauthorized
	}
	return token, nil
}
