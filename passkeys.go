package usersauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/user"
)

// Error codes of passkeys (ours).
const (
	codeLoginPasskeyFailed    = "LOGIN_PASSKEY_FAILED"
	codeRegisterPasskeyFailed = "REGISTER_PASSKEY_FAILED"
	codeRegisterPasskeyLimit  = "REGISTER_PASSKEY_LIMIT" // user.MaxPasskeys reached
)

// passkeyLoginRoutes are a backend's passkey sign-in routes, with Passkeys.
func (a *UsersAuth[U]) passkeyLoginRoutes(prefix string, m *mounted) []route {
	if a.passkeys == nil {
		return nil
	}
	return []route{
		{http.MethodPost, prefix + "/passkey/begin", a.passkeyBeginHandler(m)},
		{http.MethodPost, prefix + "/passkey/finish", a.passkeyFinishHandler(m)},
	}
}

// passkeyUsersRoutes are the signed-in user's passkey routes, with
// Passkeys.
func (a *UsersAuth[U]) passkeyUsersRoutes(prefix string) []route {
	if a.passkeys == nil {
		return nil
	}
	return []route{
		{http.MethodPost, prefix + "/me/passkeys/begin", a.handleBeginPasskeyRegistration},
		{http.MethodPost, prefix + "/me/passkeys/finish", a.handleFinishPasskeyRegistration},
		{http.MethodGet, prefix + "/me/passkeys", a.handleListPasskeys},
		{http.MethodDelete, prefix + "/me/passkeys/{id}", a.handleDeletePasskey},
	}
}

// registeredPasskey is the answer to a registration: no credential
// material, which the user has no use for.
type registeredPasskey struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// listedPasskey is a passkey as GET /users/me/passkeys lists it.
type listedPasskey struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // null until the first sign-in
}

func listed(p user.Passkey) listedPasskey {
	l := listedPasskey{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt.UTC()}
	if !p.LastUsedAt.IsZero() {
		t := p.LastUsedAt.UTC()
		l.LastUsedAt = &t
	}
	return l
}

// handleBeginPasskeyRegistration serves POST /users/me/passkeys/begin: the
// creation options for navigator.credentials.create, {"publicKey": {...}}.
// The body is optional and ignored.
func (a *UsersAuth[U]) handleBeginPasskeyRegistration(w http.ResponseWriter, r *http.Request) {
	if err := a.beginPasskeyRegistration(w, r); err != nil {
		a.writeError(w, r, opPasskeyRegister, err)
	}
}

func (a *UsersAuth[U]) beginPasskeyRegistration(w http.ResponseWriter, r *http.Request) error {
	body, err := wire.ReadOptionalJSON(w, r)
	if err != nil {
		return err
	}
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return err
	}
	if _, err := body.Require(); err != nil {
		return err
	}
	options, err := a.manager.BeginPasskeyRegistration(hookContext(r), s.user)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	wire.WriteJSON(w, http.StatusOK, options)
	return nil
}

// handleFinishPasskeyRegistration serves POST /users/me/passkeys/finish
// {credential, name?}: 201 {id, name, created_at}. The user's other
// sessions end: a factor was enabled.
func (a *UsersAuth[U]) handleFinishPasskeyRegistration(w http.ResponseWriter, r *http.Request) {
	if err := a.finishPasskeyRegistration(w, r); err != nil {
		a.writeError(w, r, opPasskeyRegister, err)
	}
}

func (a *UsersAuth[U]) finishPasskeyRegistration(w http.ResponseWriter, r *http.Request) error {
	s, obj, err := a.currentWithBody(w, r)
	if err != nil {
		return err
	}
	var errs wire.Errors
	credential := obj.RawObject("credential", &errs)
	name, _ := obj.String("name", false, true, &errs)
	if err := errs.Err(); err != nil {
		return err
	}
	ctx := hookContext(r)
	p, err := a.manager.FinishPasskeyRegistration(ctx, s.user, credential, name)
	if err != nil {
		return err
	}
	if err := a.endOtherSessions(ctx, s); err != nil {
		return err
	}
	return wire.WriteValue(w, http.StatusCreated, registeredPasskey{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt.UTC()})
}

// handleListPasskeys serves GET /users/me/passkeys: [{id, name,
// created_at, last_used_at}], oldest first.
func (a *UsersAuth[U]) handleListPasskeys(w http.ResponseWriter, r *http.Request) {
	if err := a.listPasskeys(w, r); err != nil {
		a.writeError(w, r, opOther, err)
	}
}

func (a *UsersAuth[U]) listPasskeys(w http.ResponseWriter, r *http.Request) error {
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return err
	}
	list, err := a.manager.Passkeys(r.Context(), s.user)
	if err != nil {
		return err
	}
	out := make([]listedPasskey, len(list))
	for i, p := range list {
		out[i] = listed(p)
	}
	return wire.WriteValue(w, http.StatusOK, out)
}

// handleDeletePasskey serves DELETE /users/me/passkeys/{id}: 204, or 404
// for an id that is not one of the caller's passkeys. The user's other
// sessions end: a factor was removed.
func (a *UsersAuth[U]) handleDeletePasskey(w http.ResponseWriter, r *http.Request) {
	if err := a.deletePasskey(r); err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

func (a *UsersAuth[U]) deletePasskey(r *http.Request) error {
	s, err := a.current(r, a.userReq|enrolling)
	if err != nil {
		return err
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return user.ErrNotFound
	}
	ctx := hookContext(r)
	if err := a.manager.DeletePasskey(ctx, s.user, id); err != nil {
		return err
	}
	return a.endOtherSessions(ctx, s)
}

// passkeyBeginHandler serves POST /auth/{backend}/passkey/begin (ours).
// Without a ticket (an empty body or {}), a passwordless sign-in: 200
// {"ticket", "publicKey"}, the request options naming no credential. With
// {"ticket"} of a LOGIN_2FA_REQUIRED answer, the passkey second step: the
// same shape, the same ticket, options allowing the ticket's user's
// passkeys; POST /auth/{backend}/login/2fa {ticket, credential} completes
// it. Counted per client address (Limits.PasskeyBegin); CSRF-checked for a
// cookie backend, like its login.
func (a *UsersAuth[U]) passkeyBeginHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.passkeyBegin(w, r, m); err != nil {
			a.writeError(w, r, opPasskeyLogin, err)
		}
	}
}

func (a *UsersAuth[U]) passkeyBegin(w http.ResponseWriter, r *http.Request, m *mounted) error {
	if err := a.checkCSRF(r, m); err != nil {
		return err
	}
	body, err := wire.ReadOptionalJSON(w, r)
	if err != nil {
		return err
	}
	obj, err := body.Require()
	if err != nil {
		return err
	}
	var errs wire.Errors
	ticket, secondStep := obj.String("ticket", false, false, &errs)
	if err := errs.Err(); err != nil {
		return err
	}
	if err := a.limiter.perAddress(r, "passkey", a.limiter.limits.PasskeyBegin); err != nil {
		return err
	}
	ctx := hookContext(r)
	answer := struct {
		Ticket    string          `json:"ticket"`
		PublicKey json.RawMessage `json:"publicKey"`
	}{Ticket: ticket}
	if secondStep {
		answer.PublicKey, err = a.manager.BeginPasskeySecondStep(ctx, ticket, m.Name)
	} else {
		var login user.PasskeyLogin
		login, err = a.manager.BeginPasskeyLogin(ctx, m.Name)
		answer.Ticket, answer.PublicKey = login.Ticket, login.PublicKey
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return wire.WriteValue(w, http.StatusOK, answer)
}

// passkeyFinishHandler serves POST /auth/{backend}/passkey/finish
// {ticket, credential} (ours): the backend's login answer, or 400
// LOGIN_PASSKEY_FAILED for anything wrong, the reason logged. Throttled as
// a login: per client address, and per account once the credential names
// one (failures count, a success clears the account's count); CSRF-checked
// for a cookie backend; the sign-in policy applied (CheckSignIn with
// SignInPasskey: active, verified when required, no second step).
func (a *UsersAuth[U]) passkeyFinishHandler(m *mounted) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.passkeyFinish(w, r, m); err != nil {
			a.writeError(w, r, opPasskeyLogin, err)
		}
	}
}

func (a *UsersAuth[U]) passkeyFinish(w http.ResponseWriter, r *http.Request, m *mounted) error {
	if err := a.checkCSRF(r, m); err != nil {
		return err
	}
	obj, err := wire.ReadObject(w, r)
	if err != nil {
		return err
	}
	var errs wire.Errors
	ticket, _ := obj.String("ticket", true, false, &errs)
	credential := obj.RawObject("credential", &errs)
	if err := errs.Err(); err != nil {
		return err
	}
	ctx := hookContext(r)
	attempt, err := a.startPasskeyLogin(r, credential)
	if err != nil {
		return err
	}
	u, err := a.manager.FinishPasskeyLogin(ctx, ticket, m.Name, credential)
	if errors.Is(err, user.ErrPasskeyRefused) {
		attempt.settle(ctx, user.ErrInvalidCredentials)
	} else {
		attempt.settle(ctx, err)
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

// startPasskeyLogin counts a passkey sign-in attempt as a login: under the
// account of the passkey the answer names, and the client address; an
// answer naming no known passkey under the address alone, so that such
// attempts from everywhere do not share one account's limit.
func (a *UsersAuth[U]) startPasskeyLogin(r *http.Request, credential []byte) (*loginAttempt, error) {
	owner, err := a.manager.PasskeyOwner(r.Context(), credential)
	switch {
	case err == nil:
		return a.limiter.startLogin(r, owner.UserBase().Email)
	case !errors.Is(err, user.ErrNotFound):
		return nil, err
	}
	l := a.limiter
	_, address := l.loginKeys(r, "")
	taken, err := l.take(r.Context(), "login", address)
	if err != nil {
		return nil, err
	}
	return &loginAttempt{l: l, address: address, taken: taken}, nil
}

// readSecondStep reads POST /auth/{backend}/login/2fa: a ticket and a code
// as a form or JSON, or, as JSON, a ticket and a passkey credential (the
// credential wins when both are sent). A code needs TwoFactor, a
// credential Passkeys: without TwoFactor the credential is required.
func (a *UsersAuth[U]) readSecondStep(w http.ResponseWriter, r *http.Request) (ticket, code string, credential json.RawMessage, err error) {
	if a.passkeys == nil || !wire.IsJSONType(r.Header.Get("Content-Type")) {
		fields, err := wire.ReadFields(w, r, "ticket", "code")
		return fields["ticket"], fields["code"], nil, err
	}
	obj, err := wire.ReadObject(w, r)
	if err != nil {
		return "", "", nil, err
	}
	var errs wire.Errors
	ticket = nonEmpty(obj, "ticket", &errs)
	if _, ok := obj["credential"]; ok || a.twoFactor == nil {
		credential = obj.RawObject("credential", &errs)
	} else {
		code = nonEmpty(obj, "code", &errs)
	}
	return ticket, code, credential, errs.Err()
}

// nonEmpty reads a required string member, an empty one counting as
// missing, as ReadFields does.
func nonEmpty(obj wire.Object, name string, errs *wire.Errors) string {
	v, ok := obj.String(name, true, false, errs)
	if ok && v == "" {
		*errs = append(*errs, wire.Missing(name))
	}
	return v
}
