package usersauth

import (
	"context"
	"net/http"

	"github.com/usersauth/usersauth/internal/wire"
)

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
	email, err := readEmail(w, r)
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	a.background.run(hookContext(r), name, func(ctx context.Context) error { return work(ctx, email) })
	wire.WriteNull(w, http.StatusAccepted)
}

// readEmail reads the body {"email"} of forgot-password and
// request-verify-token.
func readEmail(w http.ResponseWriter, r *http.Request) (string, error) {
	obj, err := wire.ReadObject(w, r)
	if err != nil {
		return "", err
	}
	var errs wire.Errors
	email, _ := obj.Email(true, &errs)
	return email, errs.Err()
}

// handleResetPassword serves POST /auth/reset-password.
func (a *UsersAuth[U]) handleResetPassword(w http.ResponseWriter, r *http.Request) {
	if err := a.resetPassword(w, r); err != nil {
		a.writeError(w, r, opReset, err)
		return
	}
	wire.WriteNull(w, http.StatusOK)
}

func (a *UsersAuth[U]) resetPassword(w http.ResponseWriter, r *http.Request) error {
	obj, err := wire.ReadObject(w, r)
	if err != nil {
		return err
	}
	var errs wire.Errors
	token, _ := obj.String("token", true, false, &errs)
	password, _ := obj.String("password", true, false, &errs)
	if err := errs.Err(); err != nil {
		return err
	}
	_, err = a.manager.ResetPassword(hookContext(r), token, password)
	return err
}

// handleVerify serves POST /auth/verify.
func (a *UsersAuth[U]) handleVerify(w http.ResponseWriter, r *http.Request) {
	if err := a.verify(w, r); err != nil {
		a.writeError(w, r, opOther, err)
	}
}

func (a *UsersAuth[U]) verify(w http.ResponseWriter, r *http.Request) error {
	obj, err := wire.ReadObject(w, r)
	if err != nil {
		return err
	}
	var errs wire.Errors
	token, _ := obj.String("token", true, false, &errs)
	if err := errs.Err(); err != nil {
		return err
	}
	u, err := a.manager.Verify(hookContext(r), token)
	if err != nil {
		return err
	}
	return a.writeUser(w, http.StatusOK, u)
}
