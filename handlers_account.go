package usersauth

import (
	"context"
	"net/http"

	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/throttle"
)

// handleForgotPassword serves POST /auth/forgot-password: 202 null whatever
// the e-mail; the token goes to the AfterForgotPassword hook, off the request
// path.
func (a *UsersAuth[U]) handleForgotPassword(w http.ResponseWriter, r *http.Request) {
	a.acceptEmail(w, r, "forgot-password", a.limiter.limits.ForgotPassword, a.manager.ForgotPassword)
}

// handleRequestVerify serves POST /auth/request-verify-token: 202 null
// whatever the e-mail; the token goes to the AfterRequestVerify hook.
func (a *UsersAuth[U]) handleRequestVerify(w http.ResponseWriter, r *http.Request) {
	a.acceptEmail(w, r, "request-verify-token", a.limiter.limits.RequestVerify, a.manager.RequestVerify)
}

// acceptEmail validates {"email"} and hands the rest of the work to the
// background: the answer cannot depend on whether the account exists. The
// route is limited per client address, and the mail per account: a flood
// for one address queues one mail, whatever the account, so neither the
// answer nor its timing differs between existing and unknown accounts.
// When the work cannot be queued, the answer is 503 rather than a 202
// whose mail is lost.
func (a *UsersAuth[U]) acceptEmail(w http.ResponseWriter, r *http.Request, name string, rule throttle.Rule, work func(context.Context, string) error) {
	if err := a.queueEmail(w, r, name, rule, work); err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNull(w, http.StatusAccepted)
}

func (a *UsersAuth[U]) queueEmail(w http.ResponseWriter, r *http.Request, name string, rule throttle.Rule, work func(context.Context, string) error) error {
	if err := a.limiter.perAddress(r, name, rule); err != nil {
		return err
	}
	email, err := readEmail(w, r)
	if err != nil {
		return err
	}
	ctx := hookContext(r)
	if !a.limiter.mailAllowed(ctx, name, email) {
		return nil
	}
	return a.background.submit(ctx, name, func(ctx context.Context) error { return work(ctx, email) })
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
	if err := a.limiter.perAddress(r, "reset-password", a.limiter.limits.ResetPassword); err != nil {
		return err
	}
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
	if err := a.limiter.perAddress(r, "verify", a.limiter.limits.Verify); err != nil {
		return err
	}
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
