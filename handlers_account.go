package usersauth

import (
	"context"
	"encoding/json"
	"net/http"
)

// readObject reads a JSON object body for a route without authentication:
// any problem with it is answered at once.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	body, err := readJSON(w, r)
	if err == nil && body.shape != nil {
		err = body.shape
	}
	return body.object, err
}

// handleForgotPassword serves POST /auth/forgot-password: 202 null whatever
// the e-mail; the token goes to the AfterForgotPassword hook, off the request
// path.
func (a *UsersAuth[U]) handleForgotPassword(w http.ResponseWriter, r *http.Request) {
	a.acceptEmail(w, r, "forgot-password", a.manager.ForgotPassword)
}

// handleRequestVerify serves POST /auth/request-verify-token: 202 null
// whatever the e-mail; the token goes to the AfterRequestVerify hook.
func (a *UsersAuth[U]) handleRequestVerify(w http.ResponseWriter, r *http.Request) {
	a.acceptEmail(w, r, "request-verify-token", a.manager.RequestVerify)
}

// acceptEmail validates {"email"} and hands the rest of the work to the
// background: the answer cannot depend on whether the account exists.
func (a *UsersAuth[U]) acceptEmail(w http.ResponseWriter, r *http.Request, name string, work func(context.Context, string) error) {
	obj, err := readObject(w, r)
	if err == nil {
		var errs []validationError
		email, _ := emailField(obj, true, &errs)
		if len(errs) > 0 {
			err = unprocessable(errs...)
		} else {
			a.background.run(hookContext(r), name, func(ctx context.Context) error { return work(ctx, email) })
		}
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	writeNull(w, http.StatusAccepted)
}

// handleResetPassword serves POST /auth/reset-password.
func (a *UsersAuth[U]) handleResetPassword(w http.ResponseWriter, r *http.Request) {
	obj, err := readObject(w, r)
	if err == nil {
		var errs []validationError
		token, _ := stringField(obj, "token", true, false, &errs)
		password, _ := stringField(obj, "password", true, false, &errs)
		if len(errs) > 0 {
			err = unprocessable(errs...)
		} else {
			_, err = a.manager.ResetPassword(hookContext(r), token, password)
		}
	}
	if err != nil {
		a.writeError(w, r, opReset, err)
		return
	}
	writeNull(w, http.StatusOK)
}

// handleVerify serves POST /auth/verify.
func (a *UsersAuth[U]) handleVerify(w http.ResponseWriter, r *http.Request) {
	obj, err := readObject(w, r)
	var u U
	if err == nil {
		var errs []validationError
		token, _ := stringField(obj, "token", true, false, &errs)
		if len(errs) > 0 {
			err = unprocessable(errs...)
		} else {
			u, err = a.manager.Verify(hookContext(r), token)
		}
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	a.writeUser(w, r, http.StatusOK, u)
}
