package usersauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/usersauth/usersauth/user"
)

// Payload decoding works on the members of the JSON object by their exact
// names, never by decoding the body into a struct: encoding/json matches
// names case-insensitively, which would let "IS_SUPERUSER" set IsSuperuser.
// Privileged keys (id, is_active, is_superuser, is_verified, hashed_password)
// are read only from a superuser's update, and only by their exact names.

// stringField reads a required or optional JSON string. present reports
// whether the key was there; a null is an error unless nullable.
func stringField(obj map[string]json.RawMessage, name string, required, nullable bool, errs *[]validationError) (s string, present bool) {
	raw, ok := obj[name]
	if !ok {
		if required {
			*errs = append(*errs, missing(name))
		}
		return "", false
	}
	if isNull(raw) {
		if !nullable {
			*errs = append(*errs, typeError(name, reflect.TypeFor[string](), nil))
		}
		return "", false
	}
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		var input any = raw
		if name == "password" {
			input = nil // never echo anything sent as a password
		}
		*errs = append(*errs, typeError(name, reflect.TypeFor[string](), input))
		return "", false
	}
	return s, true
}

// boolField reads an optional JSON boolean; null is an error (ours: FastAPI
// Users answers 500 for a null flag).
func boolField(obj map[string]json.RawMessage, name string, errs *[]validationError) *bool {
	raw, ok := obj[name]
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
	*errs = append(*errs, typeError(name, reflect.TypeFor[bool](), input))
	return nil
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// typeError reports a value of the wrong JSON type, naming the expected
// type the way pydantic does. input is the offending value (nil for null).
func typeError(name string, t reflect.Type, input any) validationError {
	if raw, ok := input.(json.RawMessage); ok {
		input = raw
	}
	typ, msg := "value_error", "Input is not a valid value"
	switch t.Kind() {
	case reflect.String:
		typ, msg = "string_type", "Input should be a valid string"
	case reflect.Bool:
		typ, msg = "bool_type", "Input should be a valid boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		typ, msg = "int_type", "Input should be a valid integer"
	case reflect.Float32, reflect.Float64:
		typ, msg = "float_type", "Input should be a valid number"
	case reflect.Slice, reflect.Array:
		typ, msg = "list_type", "Input should be a valid list"
	case reflect.Map, reflect.Struct:
		typ, msg = "dict_type", "Input should be a valid dictionary"
	case reflect.Pointer:
		return typeError(name, t.Elem(), input)
	}
	return validationError{Type: typ, Loc: []any{"body", name}, Msg: msg, Input: input}
}

// emailField reads and normalises an e-mail address.
func emailField(obj map[string]json.RawMessage, required bool, errs *[]validationError) (string, bool) {
	s, ok := stringField(obj, "email", required, false, errs)
	if !ok {
		return "", false
	}
	norm, err := user.NormalizeEmail(s)
	var bad *user.InvalidEmailError
	if errors.As(err, &bad) {
		*errs = append(*errs, validationError{
			Type: "value_error", Loc: []any{"body", "email"},
			Msg:   "value is not a valid email address: " + bad.Reason,
			Input: s, Ctx: map[string]any{"reason": bad.Reason},
		})
		return "", false
	}
	if err != nil {
		*errs = append(*errs, validationError{Type: "value_error", Loc: []any{"body", "email"}, Msg: "value is not a valid email address", Input: s})
		return "", false
	}
	return norm, true
}

// hostFields checks the host's own fields present in obj and returns them as
// a JSON object holding only those the caller may set, each by its exact
// name. Registration requires the fields tagged required.
func hostFields(schema *user.Schema, obj map[string]json.RawMessage, superuser, creating bool, errs *[]validationError) json.RawMessage {
	var buf bytes.Buffer
	for _, f := range schema.Fields {
		raw, ok := obj[f.Name]
		if !ok {
			if creating && f.Required {
				*errs = append(*errs, missing(f.Name))
			}
			continue
		}
		if f.SuperuserOnly && !superuser {
			continue
		}
		if isNull(raw) && !f.Nullable {
			*errs = append(*errs, typeError(f.Name, f.Type, nil))
			continue
		}
		if err := json.Unmarshal(raw, reflect.New(f.Type).Interface()); err != nil {
			*errs = append(*errs, typeError(f.Name, f.Type, raw))
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

// decodeCreate reads a registration payload into a new user and its
// password. is_active, is_superuser, is_verified and id are ignored.
func (a *UsersAuth[U]) decodeCreate(obj map[string]json.RawMessage) (U, string, error) {
	var errs []validationError
	email, _ := emailField(obj, true, &errs)
	password, _ := stringField(obj, "password", true, false, &errs)
	fields := hostFields(a.schema, obj, false, true, &errs)
	var zero U
	if len(errs) > 0 {
		return zero, "", unprocessable(errs...)
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

// decodeUpdate reads a PATCH payload. A non-superuser's flags are ignored
// without being read; a superuser's are validated. {"password": null} leaves
// the password alone.
func (a *UsersAuth[U]) decodeUpdate(obj map[string]json.RawMessage, superuser bool) (user.Update, error) {
	var errs []validationError
	var upd user.Update
	if email, ok := emailField(obj, false, &errs); ok {
		upd.Email = &email
	}
	if password, ok := stringField(obj, "password", false, true, &errs); ok {
		upd.Password = &password
	}
	if superuser {
		upd.IsActive = boolField(obj, "is_active", &errs)
		upd.IsSuperuser = boolField(obj, "is_superuser", &errs)
		upd.IsVerified = boolField(obj, "is_verified", &errs)
	}
	upd.Fields = hostFields(a.schema, obj, superuser, false, &errs)
	if len(errs) > 0 {
		return user.Update{}, unprocessable(errs...)
	}
	return upd, nil
}
