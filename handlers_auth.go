package usersauth

import (
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// loginHandler serves POST /auth/{backend}/login: the OAuth2 password form
// (RFC 6749 section 4.3.2) with the e-mail as username.
func (a *UsersAuth[U]) loginHandler(be *backend.Backend) http.HandlerFunc {
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
		if err != nil {
			a.writeError(w, r, opLogin, err)
			return
		}
		token, err := be.Strategy.WriteToken(ctx, u.UserBase())
		if err != nil {
			a.writeError(w, r, opLogin, err)
			return
		}
		a.manager.AfterLogin(ctx, u)
		if err := be.Transport.WriteLogin(w, token); err != nil {
			a.writeError(w, r, opLogin, err)
		}
	}
}

// logoutHandler serves POST /auth/{backend}/logout. As in FastAPI Users the
// token may come through any backend; this backend's strategy destroys it and
// its transport answers.
func (a *UsersAuth[U]) logoutHandler(be *backend.Backend) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := a.current(r, a.userReq)
		if err == nil {
			err = be.Strategy.DestroyToken(r.Context(), s.token, s.user.UserBase())
		}
		if err == nil {
			err = be.Transport.WriteLogout(w)
		}
		if err != nil {
			a.writeError(w, r, opOther, err)
		}
	}
}

// readLoginForm reads username and password from a URL-encoded or multipart
// form. Another content type (JSON included) reads as an empty form, so both
// fields are reported missing, as FastAPI does. An empty field counts as
// missing; a repeated one takes its last value; grant_type, when present,
// must be "password".
func readLoginForm(w http.ResponseWriter, r *http.Request) (username, password string, err error) {
	if r.ContentLength > MaxBodyBytes {
		return "", "", newProblem(http.StatusRequestEntityTooLarge)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	var form url.Values
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
		return "", "", newProblem(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return "", "", &problem{status: http.StatusBadRequest, detail: "There was an error parsing the body"}
	}
	last := func(k string) string {
		v := form[k]
		if len(v) == 0 {
			return ""
		}
		return v[len(v)-1]
	}
	var errs []validationError
	if grant := last("grant_type"); grant != "" && grant != "password" {
		errs = append(errs, validationError{
			Type: "string_pattern_mismatch", Loc: []any{"body", "grant_type"},
			Msg: "String should match pattern '^password$'", Input: grant, Ctx: map[string]any{"pattern": "^password$"},
		})
	}
	username, password = last("username"), last("password")
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
