package sqlstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/usersauth/usersauth/user"
)

// baseKeys are the JSON keys of user.Base that have columns of their own
// and are never stored in extra.
func isBaseKey(k string) bool {
	switch k {
	case "id", "email", "is_active", "is_superuser", "is_verified":
		return true
	}
	return false
}

// emptyExtra is what a user without fields of its own stores in extra.
const emptyExtra = "{}"

// errExtraNotObject reports a host type that does not marshal to a JSON
// object, which extra cannot hold.
var errExtraNotObject = errors.New("sqlstore: user type does not marshal to a JSON object")

// hasOwnFields reports whether the struct U points to has anything besides
// the embedded user.Base to store in extra. For *user.User it has not, and
// the store skips JSON altogether.
func hasOwnFields[U user.Model]() bool {
	t := reflect.TypeFor[U]()
	if t.Implements(reflect.TypeFor[json.Marshaler]()) || t.Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return true
	}
	s := t.Elem()
	if s.Kind() != reflect.Struct {
		return true
	}
	base := reflect.TypeFor[user.Base]()
	for i := range s.NumField() {
		f := s.Field(i)
		if f.Anonymous && f.Type == base {
			continue
		}
		return true
	}
	return false
}

// encodeExtra returns the JSON object of u's own fields: u marshalled with
// encoding/json, less the keys of user.Base. If old (the row's current
// extra) is a JSON object, its keys that u's type does not have are kept:
// they belong to another user type sharing the table, such as an admin
// tool's *user.User, or to an older version of the host's type.
func encodeExtra(u any, old []byte) (string, error) {
	b, err := json.Marshal(u)
	if err != nil {
		return "", err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return "", errExtraNotObject
	}
	for k := range fields {
		if isBaseKey(k) {
			delete(fields, k)
		}
	}
	if len(old) > 0 && !bytes.Equal(old, []byte(emptyExtra)) {
		var kept map[string]json.RawMessage
		if json.Unmarshal(old, &kept) == nil {
			for k, v := range kept {
				if _, ok := fields[k]; !ok && !isBaseKey(k) {
					fields[k] = v
				}
			}
		}
	}
	if len(fields) == 0 {
		return emptyExtra, nil
	}
	out, err := json.Marshal(fields)
	return string(out), err
}

// decodeExtra sets u's own fields from extra. The caller sets the columns
// of user.Base afterwards, so extra can never override them.
func decodeExtra(extra []byte, u any) error {
	if len(extra) == 0 || bytes.Equal(extra, []byte(emptyExtra)) {
		return nil
	}
	return json.Unmarshal(extra, u)
}
