package user

import (
	"fmt"
	"reflect"
	"strings"
)

// Field describes one of the host's own fields: a JSON-visible field of the
// user struct outside Base.
//
// Two options of the struct tag `usersauth` change how the HTTP routes treat
// a field:
//
//	Plan  string `json:"plan" usersauth:"superuser"` // only a superuser's PATCH /users/{id} sets it
//	Name  string `json:"name" usersauth:"required"`  // POST /auth/register refuses a payload without it
//
// Without options a field is optional and settable by the user through
// registration and PATCH /users/me.
type Field struct {
	// Name is the exact JSON name. Payload keys match it byte for byte.
	Name string
	// Type is the Go type of the field.
	Type reflect.Type
	// Required fields must be present in a registration payload.
	Required bool
	// SuperuserOnly fields are ignored unless a superuser sets them.
	SuperuserOnly bool
	// Nullable reports whether JSON null is a valid value (pointers, slices,
	// maps, interfaces).
	Nullable bool
	// OmitEmpty reports a json tag with omitempty or omitzero: the field is
	// left out of the user's JSON when empty, so a reader cannot count on
	// it.
	OmitEmpty bool
}

// Schema lists a user type's own fields.
type Schema struct {
	Fields []Field
	byName map[string]int
}

// Lookup returns the field with exactly the JSON name name.
func (s *Schema) Lookup(name string) (Field, bool) {
	i, ok := s.byName[name]
	if !ok {
		return Field{}, false
	}
	return s.Fields[i], true
}

// reservedNames are the JSON names of Base and of the payloads; a host field
// may not take one.
var reservedNames = map[string]bool{
	"id": true, "email": true, "password": true, "hashed_password": true,
	"is_active": true, "is_superuser": true, "is_verified": true, "oauth_accounts": true,
}

// SchemaOf inspects U, a pointer to a struct embedding Base, and returns its
// own fields the way encoding/json sees them. It fails when U does not embed
// Base directly, or when two fields share a JSON name or a field takes a name
// of Base.
func SchemaOf[U Model]() (*Schema, error) {
	t := reflect.TypeFor[U]()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("user: %v is not a pointer to a struct", t)
	}
	s := &Schema{byName: map[string]int{}}
	baseFound := false
	if err := s.walk(t.Elem(), &baseFound); err != nil {
		return nil, err
	}
	if !baseFound {
		return nil, fmt.Errorf("user: %v does not embed user.Base", t.Elem())
	}
	return s, nil
}

var baseType = reflect.TypeFor[Base]()

func (s *Schema) walk(t reflect.Type, baseFound *bool) error {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type == baseType {
			*baseFound = true
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, tagOpts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if err := s.walk(f.Type, baseFound); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if reservedNames[name] {
			return fmt.Errorf("user: field %s uses the reserved JSON name %q", f.Name, name)
		}
		if _, dup := s.byName[name]; dup {
			return fmt.Errorf("user: two fields use the JSON name %q", name)
		}
		fd := Field{Name: name, Type: f.Type}
		for opt := range strings.SplitSeq(tagOpts, ",") {
			if opt == "omitempty" || opt == "omitzero" {
				fd.OmitEmpty = true
			}
		}
		for opt := range strings.SplitSeq(f.Tag.Get("usersauth"), ",") {
			switch strings.TrimSpace(opt) {
			case "":
			case "required":
				fd.Required = true
			case "superuser":
				fd.SuperuserOnly = true
			default:
				return fmt.Errorf("user: field %s: unknown usersauth tag option %q", f.Name, opt)
			}
		}
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			fd.Nullable = true
		}
		s.byName[name] = len(s.Fields)
		s.Fields = append(s.Fields, fd)
	}
	return nil
}
