package wire

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"reflect"
)

// ReadForm reads a URL-encoded or multipart form body, within MaxBodyBytes.
// Another content type (JSON included) reads as an empty form, as FastAPI
// reads it.
func ReadForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, NewProblem(http.StatusRequestEntityTooLarge)
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
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, NewProblem(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return nil, &Problem{Status: http.StatusBadRequest, Detail: "There was an error parsing the body"}
	}
	return form, nil
}

// LastValue is a form field's last value, "" when absent: FastAPI takes the
// last of repeated fields.
func LastValue(form url.Values, k string) string {
	v := form[k]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// Login is the OAuth2 password form of a login (RFC 6749 section 4.3.2),
// with the e-mail as username.
type Login struct {
	Username, Password string
}

// ReadLogin reads username and password from a URL-encoded or multipart
// form. Another content type (JSON included) reads as an empty form, so both
// fields are reported missing, as FastAPI does. An empty field counts as
// missing; a repeated one takes its last value; grant_type, when present,
// must be "password"; scope, client_id and client_secret are ignored.
func ReadLogin(w http.ResponseWriter, r *http.Request) (Login, error) {
	form, err := ReadForm(w, r)
	if err != nil {
		return Login{}, err
	}
	var errs Errors
	if grant := LastValue(form, "grant_type"); grant != "" && grant != "password" {
		errs = append(errs, PatternMismatch("grant_type", grant, "^password$"))
	}
	l := Login{Username: LastValue(form, "username"), Password: LastValue(form, "password")}
	if l.Username == "" {
		errs = append(errs, Missing("username"))
	}
	if l.Password == "" {
		errs = append(errs, Missing("password"))
	}
	if err := errs.Err(); err != nil {
		return Login{}, err
	}
	return l, nil
}

// ReadRefresh reads a bearer client's refresh request: the refresh_token
// grant of RFC 6749 section 6, as a URL-encoded or multipart form, or as a
// JSON object with the same members. grant_type is optional and, when
// present, must be "refresh_token"; scope and anything else are ignored. A
// missing or empty refresh_token is 422, like a login's missing password.
// The token is never echoed in an error.
func ReadRefresh(w http.ResponseWriter, r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" && IsJSONType(ct) {
		return readRefreshJSON(w, r)
	}
	form, err := ReadForm(w, r)
	if err != nil {
		return "", err
	}
	var errs Errors
	if grant := LastValue(form, "grant_type"); grant != "" && grant != "refresh_token" {
		errs = append(errs, PatternMismatch("grant_type", grant, "^refresh_token$"))
	}
	token := LastValue(form, "refresh_token")
	if token == "" {
		errs = append(errs, Missing("refresh_token"))
	}
	if err := errs.Err(); err != nil {
		return "", err
	}
	return token, nil
}

func readRefreshJSON(w http.ResponseWriter, r *http.Request) (string, error) {
	obj, err := ReadObject(w, r)
	if err != nil {
		return "", err
	}
	var errs Errors
	if grant, present := obj.String("grant_type", false, false, &errs); present && grant != "refresh_token" {
		errs = append(errs, PatternMismatch("grant_type", grant, "^refresh_token$"))
	}
	token := obj.requiredString("refresh_token", &errs)
	if err := errs.Err(); err != nil {
		return "", err
	}
	return token, nil
}

// ReadFields reads required string members from a JSON object body, or
// from a URL-encoded or multipart form: the two shapes a route taking a few
// plain values accepts. A missing or empty member is 422; values are never
// echoed (they are tickets and codes).
func ReadFields(w http.ResponseWriter, r *http.Request, names ...string) (map[string]string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	out := make(map[string]string, len(names))
	var errs Errors
	if mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
		form, err := ReadForm(w, r)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if v := LastValue(form, n); v != "" {
				out[n] = v
			} else {
				errs = append(errs, Missing(n))
			}
		}
		return out, errs.Err()
	}
	obj, err := ReadObject(w, r)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if v := obj.requiredString(n, &errs); v != "" {
			out[n] = v
		}
	}
	return out, errs.Err()
}

// requiredString reads a JSON string member that must be there and not
// empty: missing or empty is Missing, another type a TypeError. The value
// is never echoed. It returns "" after an error.
func (o Object) requiredString(name string, errs *Errors) string {
	raw, ok := o[name]
	var v string
	switch {
	case !ok:
		*errs = append(*errs, Missing(name))
	case raw[0] != '"' || json.Unmarshal(raw, &v) != nil:
		*errs = append(*errs, TypeError(name, reflect.TypeFor[string](), nil))
		return ""
	case v == "":
		*errs = append(*errs, Missing(name))
	}
	return v
}
