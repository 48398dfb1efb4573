package usersauth

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// loginHandler serves POST /auth/{backend}/login: the OAuth2 password form
// (RFC 6749 section 4.3.2) with the e-mail as username.
func (a *UsersAuth[U]) loginHandler(i int) http.HandlerFunc {
	be := &a.backends[i]
	return func(w http.ResponseWriter, r *http.Request) {
		// A login that sets a cookie is a state change a cross-site form
		// could trigger (login CSRF).
		if a.csrf != nil && be.Transport.CookieBased() && a.csrf.Check(r) != nil {
			a.writeError(w, r, opLogin, ErrForbidden)
			return
		}
		username, password, err := readLoginForm(w, r)
		if err != nil {
			a.writeError(w, r, opLogin, err)
			return
		}
		ctx := hookContext(r)
		u, err := a.manager.Authenticate(ctx, username, password)
		if err == nil && a.requireVerification && !u.UserBase().IsVerified {
			err = user.ErrNotVerified
		}
		if err == nil {
			err = a.writeLogin(ctx, w, i, u)
		}
		if err != nil {
			a.writeError(w, r, opLogin, err)
		}
	}
}

// writeLogin issues the i-th backend's tokens for u, runs the AfterLogin
// hook and writes the login answer: an access token, and a refresh token
// when the backend has them.
func (a *UsersAuth[U]) writeLogin(ctx context.Context, w http.ResponseWriter, i int, u U) error {
	be, rf := &a.backends[i], a.refreshers[i]
	b := u.UserBase()
	token, err := be.Strategy.WriteToken(ctx, b)
	if err != nil {
		return err
	}
	if rf == nil {
		a.manager.AfterLogin(ctx, u)
		return be.Transport.WriteLogin(w, token)
	}
	grant, err := rf.Issue(ctx, b.ID)
	if err != nil {
		// No answer carries the access token: end it rather than leave a
		// session nobody holds.
		_ = be.Strategy.DestroyToken(context.WithoutCancel(ctx), token, b)
		return err
	}
	a.manager.AfterLogin(ctx, u)
	return be.Transport.(backend.RefreshTransport).WriteLoginRefresh(w, token, grant)
}

// logoutHandler serves POST /auth/{backend}/logout. As in FastAPI Users the
// token may come through any backend; this backend's strategy destroys it and
// its transport answers. With refresh tokens, the family of the refresh
// token the request carries, if any and if the user's, ends too: the
// cookie transport's refresh cookie (sent here only when its Path covers
// this route), or a bearer client's optional refresh_token field.
func (a *UsersAuth[U]) logoutHandler(i int) http.HandlerFunc {
	be, rf := &a.backends[i], a.refreshers[i]
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := a.current(r, a.userReq)
		if err == nil {
			err = be.Strategy.DestroyToken(r.Context(), s.token, s.user.UserBase())
		}
		if err == nil && rf != nil {
			if token, ok := a.optionalRefreshToken(w, r, be); ok {
				_, err = rf.Revoke(r.Context(), token, s.user.UserBase().ID)
			}
		}
		if err == nil {
			err = a.writeLogout(w, i)
		}
		if err != nil {
			a.writeError(w, r, opOther, err)
		}
	}
}

// writeLogout writes the i-th backend's logout answer.
func (a *UsersAuth[U]) writeLogout(w http.ResponseWriter, i int) error {
	be, rf := &a.backends[i], a.refreshers[i]
	if rf == nil {
		return be.Transport.WriteLogout(w)
	}
	return be.Transport.(backend.RefreshTransport).WriteLogoutRefresh(w, rf.Path())
}

// readLoginForm reads username and password from a URL-encoded or multipart
// form. Another content type (JSON included) reads as an empty form, so both
// fields are reported missing, as FastAPI does. An empty field counts as
// missing; a repeated one takes its last value; grant_type, when present,
// must be "password".
func readLoginForm(w http.ResponseWriter, r *http.Request) (username, password string, err error) {
	form, err := readForm(w, r)
	if err != nil {
		return "", "", err
	}
	var errs []validationError
	if grant := lastValue(form, "grant_type"); grant != "" && grant != "password" {
		errs = append(errs, patternMismatch("grant_type", grant, "^password$"))
	}
	username, password = lastValue(form, "username"), lastValue(form, "password")
	if username == "" {
		errs = append(errs, missing("username"))
	}
	if password == "" {
		errs = append(errs, missing("password"))
	}
	if len(errs) > 0 {
		return "", "", unprocessable(errs...)
	}
	return username, password, nil
}

// readForm reads a URL-encoded or multipart form body, within MaxBodyBytes.
// Another content type reads as an empty form.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, newProblem(http.StatusRequestEntityTooLarge)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	var (
		form url.Values
		err  error
	)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
		form = r.PostForm
	case "multipart/form-data":
		err = r.ParseMultipartForm(MaxBodyBytes)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
			form = r.MultipartForm.Value
		}
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, newProblem(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return nil, &problem{status: http.StatusBadRequest, detail: "There was an error parsing the body"}
	}
	return form, nil
}

// lastValue is a form field's last value, "" when absent.
func lastValue(form url.Values, k string) string {
	v := form[k]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// patternMismatch reports a form field that must have one exact value, as
// pydantic words it.
func patternMismatch(name, input, pattern string) validationError {
	return validationError{
		Type: "string_pattern_mismatch", Loc: []any{"body", name},
		Msg: "String should match pattern '" + pattern + "'", Input: input, Ctx: map[string]any{"pattern": pattern},
	}
}
