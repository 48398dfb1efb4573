package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/usersauth/usersauth/user"
)

// Members are read from the object by their exact names, never by decoding
// the body into a struct: encoding/json matches names case-insensitively,
// which would let "IS_SUPERUSER" set IsSuperuser. Privileged members (id,
// is_active, is_superuser, is_verified, hashed_password) are read only from a
// superuser's update, and only by their exact names.

// Errors collects the validation errors of one payload, in the order found.
type Errors []ValidationError

// Err returns the 422 answer listing the errors, or nil when there are none.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return Unprocessable(e...)
}

// String reads a required or optional JSON string member. present reports
// whether the member was there with a string; a null is an error unless
// nullable. The value of a member named "password" is never echoed.
func (o Object) String(name string, required, nullable bool, errs *Errors) (s string, present bool) {
	raw, ok := o[name]
	if !ok {
		if required {
			*errs = append(*errs, Missing(name))
		}
		return "", false
	}
	if isNull(raw) {
		if !nullable {
			*errs = append(*errs, TypeError(name, reflect.TypeFor[string](), nil))
		}
		return "", false
	}
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		var input any = raw
		if secretMember(name) {
			input = nil
		}
		*errs = append(*errs, TypeError(name, reflect.TypeFor[string](), input))
		return "", false
	}
	return s, true
}

// RawObject reads a required JSON object member, as it was sent, for a
// decoder of its own (a WebAuthn credential): missing is an error, as is
// any other type. The value is never echoed.
func (o Object) RawObject(name string, errs *Errors) json.RawMessage {
	raw, ok := o[name]
	switch {
	case !ok:
		*errs = append(*errs, Missing(name))
		return nil
	case raw[0] != '{':
		*errs = append(*errs, TypeError(name, reflect.TypeFor[map[string]any](), nil))
		return nil
	}
	return raw
}

// secretMember reports the members whose values are never echoed in an
// error, whatever they hold.
func secretMember(name string) bool {
	switch name {
	case "password", "current_password", "token", "refresh_token", "code", "ticket":
		return true
	}
	return false
}

// Bool reads an optional JSON boolean member; null is an error (ours:
// FastAPI Users answers 500 for a null flag).
func (o Object) Bool(name string, errs *Errors) *bool {
	raw, ok := o[name]
	if !ok {
		return nil
	}
	switch string(raw) {
	case "true":
		v := true
		return &v
	case "false":
		v := false
		return &v
	}
	var input any = raw
	if isNull(raw) {
		input = nil
	}
	*errs = append(*errs, TypeError(name, reflect.TypeFor[bool](), input))
	return nil
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// Email reads and normalises the "email" member (user.NormalizeEmail).
func (o Object) Email(required bool, errs *Errors) (string, bool) {
	s, ok := o.String("email", required, false, errs)
	if !ok {
		return "", false
	}
	norm, err := user.NormalizeEmail(s)
	if bad, ok := errors.AsType[*user.InvalidEmailError](err); ok {
		*errs = append(*errs, InvalidEmail(s, bad.Reason))
		return "", false
	}
	if err != nil {
		*errs = append(*errs, ValidationError{Type: "value_error", Loc: []any{"body", "email"}, Msg: "value is not a valid email address", Input: s})
		return "", false
	}
	return norm, true
}

// HostFields checks the host's own fields present in o and returns them as
// a JSON object holding only those the caller may set, each by its exact
// name, or nil when there are none. Registration (creating) requires the
// fields tagged required.
func (o Object) HostFields(schema *user.Schema, superuser, creating bool, errs *Errors) json.RawMessage {
	var buf bytes.Buffer
	for _, f := range schema.Fields {
		raw, ok := o[f.Name]
		if !ok {
			if creating && f.Required {
				*errs = append(*errs, Missing(f.Name))
			}
			continue
		}
		if f.SuperuserOnly && !superuser {
			continue
		}
		if isNull(raw) && !f.Nullable {
			*errs = append(*errs, TypeError(f.Name, f.Type, nil))
			continue
		}
		if err := json.Unmarshal(raw, reflect.New(f.Type).Interface()); err != nil {
			*errs = append(*errs, TypeError(f.Name, f.Type, raw))
			continue
		}
		if buf.Len() == 0 {
			buf.WriteByte('{')
		} else {
			buf.WriteByte(',')
		}
		name, _ := json.Marshal(f.Name)
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(raw)
	}
	if buf.Len() == 0 {
		return nil
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// DecodeCreate reads a registration payload into a new user and its
// password. is_active, is_superuser, is_verified and id are ignored.
func DecodeCreate[U user.Model](schema *user.Schema, o Object) (U, string, error) {
	var errs Errors
	email, _ := o.Email(true, &errs)
	password, _ := o.String("password", true, false, &errs)
	fields := o.HostFields(schema, false, true, &errs)
	var zero U
	if err := errs.Err(); err != nil {
		return zero, "", err
	}
	u := user.New[U]()
	if fields != nil {
		if err := json.Unmarshal(fields, u); err != nil {
			return zero, "", err
		}
	}
	u.UserBase().Email = email
	return u, password, nil
}

// DecodeUpdate reads a PATCH payload. A non-superuser's flags are ignored
// without being read; a superuser's are validated. {"password": null} leaves
// the password alone.
func DecodeUpdate(schema *user.Schema, o Object, superuser bool) (user.Update, error) {
	var errs Errors
	var upd user.Update
	if email, ok := o.Email(false, &errs); ok {
		upd.Email = &email
	}
	if password, ok := o.String("password", false, true, &errs); ok {
		upd.Password = &password
	}
	if superuser {
		upd.IsActive = o.Bool("is_active", &errs)
		upd.IsSuperuser = o.Bool("is_superuser", &errs)
		upd.IsVerified = o.Bool("is_verified", &errs)
	}
	upd.Fields = o.HostFields(schema, superuser, false, &errs)
	if err := errs.Err(); err != nil {
		return user.Update{}, err
	}
	return upd, nil
}
