package usersauth

import (
	"encoding/json"
	"mime"
	"net/http"
	"reflect"

	"github.com/usersauth/usersauth/backend"
)

// readRefreshRequest reads a bearer client's refresh request: the
// refresh_token grant of RFC 6749 section 6, as a URL-encoded or multipart
// form, or as a JSON object with the same members. grant_type is optional
// and, when present, must be "refresh_token"; scope and anything else are
// ignored. A missing or empty refresh_token is 422, like a login's missing
// password. The token is never echoed in an error.
func readRefreshRequest(w http.ResponseWriter, r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" && isJSONType(ct) {
		return readRefreshJSON(w, r)
	}
	form, err := readForm(w, r)
	if err != nil {
		return "", err
	}
	var errs []validationError
	if grant := lastValue(form, "grant_type"); grant != "" && grant != "refresh_token" {
		errs = append(errs, patternMismatch("grant_type", grant, "^refresh_token$"))
	}
	token := lastValue(form, "refresh_token")
	if token == "" {
		errs = append(errs, missing("refresh_token"))
	}
	if len(errs) > 0 {
		return "", unprocessable(errs...)
	}
	return token, nil
}

func readRefreshJSON(w http.ResponseWriter, r *http.Request) (string, error) {
	body, err := readJSON(w, r)
	if err != nil {
		return "", err
	}
	if body.shape != nil {
		return "", body.shape
	}
	var errs []validationError
	if grant, present := stringField(body.object, "grant_type", false, false, &errs); present && grant != "refresh_token" {
		errs = append(errs, patternMismatch("grant_type", grant, "^refresh_token$"))
	}
	var token string
	switch raw, ok := body.object["refresh_token"]; {
	case !ok:
		errs = append(errs, missing("refresh_token"))
	case raw[0] != '"' || json.Unmarshal(raw, &token) != nil:
		errs = append(errs, typeError("refresh_token", reflect.TypeFor[string](), nil))
	case token == "":
		errs = append(errs, missing("refresh_token"))
	}
	if len(errs) > 0 {
		return "", unprocessable(errs...)
	}
	return token, nil
}

// optionalRefreshToken returns the refresh token a logout request carries,
// if any: the cookie transport's refresh cookie, or a bearer client's
// refresh_token field. A body that is absent or does not parse is no
// refresh token, never an error: FastAPI Users' logout takes no body.
func (a *UsersAuth[U]) optionalRefreshToken(w http.ResponseWriter, r *http.Request, be *backend.Backend) (string, bool) {
	if be.Transport.CookieBased() {
		return be.Transport.(backend.RefreshTransport).RefreshToken(r)
	}
	if r.ContentLength == 0 {
		return "", false
	}
	token, err := readRefreshRequest(w, r)
	return token, err == nil
}
