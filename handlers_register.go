package usersauth

import "net/http"

// handleRegister serves POST /auth/register.
func (a *UsersAuth[U]) handleRegister(w http.ResponseWriter, r *http.Request) {
	body, err := readJSON(w, r)
	if err == nil && body.shape != nil {
		err = body.shape
	}
	if err != nil {
		a.writeError(w, r, opRegister, err)
		return
	}
	u, password, err := a.decodeCreate(body.object)
	if err != nil {
		a.writeError(w, r, opRegister, err)
		return
	}
	u, err = a.manager.Create(hookContext(r), u, password, true)
	if err != nil {
		a.writeError(w, r, opRegister, err)
		return
	}
	a.writeUser(w, r, http.StatusCreated, u)
}

// writeUser answers u's public JSON.
func (a *UsersAuth[U]) writeUser(w http.ResponseWriter, r *http.Request, status int, u U) {
	bp := bufferPool.Get().(*[]byte)
	buf, err := a.encodeUser((*bp)[:0], u)
	if err != nil {
		a.writeError(w, r, opOther, err)
	} else {
		writeJSON(w, status, buf)
	}
	*bp = buf[:0]
	bufferPool.Put(bp)
}
