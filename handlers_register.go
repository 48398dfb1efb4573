package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/wire"
)

// handleRegister serves POST /auth/register.
func (a *UsersAuth[U]) handleRegister(w http.ResponseWriter, r *http.Request) {
	if err := a.register(w, r); err != nil {
		a.writeError(w, r, opRegister, err)
	}
}

func (a *UsersAuth[U]) register(w http.ResponseWriter, r *http.Request) error {
	if err := a.limiter.perAddress(r, "register", a.limiter.limits.Register); err != nil {
		return err
	}
	obj, err := wire.ReadObject(w, r)
	if err != nil {
		return err
	}
	u, password, err := wire.DecodeCreate[U](a.schema, obj)
	if err != nil {
		return err
	}
	if u, err = a.manager.Register(hookContext(r), u, password); err != nil {
		return err
	}
	return a.writeUser(w, http.StatusCreated, u)
}
