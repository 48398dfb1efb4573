package openapi

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	numberType        = reflect.TypeFor[json.Number]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// SchemaOf is the schema of the JSON encoding/json writes for a value of
// type t, and reads into one: a *T may be null, a slice or map may be null
// (nil), a time.Time is a date-time string, a []byte a base64 string, a
// type with a MarshalText method a string, a struct an object of its
// exported fields under their json names. A type with its own MarshalJSON
// writes what it likes: its schema accepts anything. So does a type
// encoding/json cannot write (a channel, a function) or a type met again
// inside itself (a recursive struct).
func SchemaOf(t reflect.Type) *Schema {
	return schemaOf(t, map[reflect.Type]bool{})
}

func schemaOf(t reflect.Type, seen map[reflect.Type]bool) *Schema {
	switch t {
	case timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case rawMessageType:
		return &Schema{}
	case numberType:
		return &Schema{Type: "number"}
	}
	if t.Kind() == reflect.Pointer {
		return Nullable(schemaOf(t.Elem(), seen))
	}
	// Methods on *T count too, as they do for an addressable value.
	pt := reflect.PointerTo(t)
	switch {
	case t.Implements(jsonMarshalerType) || pt.Implements(jsonMarshalerType):
		return &Schema{}
	case t.Implements(textMarshalerType) || pt.Implements(textMarshalerType):
		return String()
	}
	switch t.Kind() {
	case reflect.Bool:
		return Boolean()
	case reflect.Int, reflect.Int8, reflect.Int16:
		return Integer()
	case reflect.Int32:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Int64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		zero := int64(0)
		return &Schema{Type: "integer", Minimum: &zero}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}
	case reflect.String:
		return String()
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(textMarshalerType) && !reflect.PointerTo(t.Elem()).Implements(jsonMarshalerType) {
			// encoding/json writes a []byte as standard base64.
			return Nullable(&Schema{Type: "string", ContentEncoding: "base64"})
		}
		return Nullable(&Schema{Type: "array", Items: schemaOf(t.Elem(), seen)})
	case reflect.Array:
		return &Schema{Type: "array", Items: schemaOf(t.Elem(), seen)}
	case reflect.Map:
		return Nullable(&Schema{Type: "object", AdditionalProperties: schemaOf(t.Elem(), seen)})
	case reflect.Struct:
		if seen[t] {
			return &Schema{}
		}
		seen[t] = true
		defer delete(seen, t)
		s := &Schema{Type: "object"}
		for _, f := range jsonFields(t) {
			fs := schemaOf(f.typ, seen)
			if f.quoted {
				fs = String()
			}
			s.Properties.Set(f.name, fs)
		}
		return s
	}
	return &Schema{} // interfaces, and what encoding/json cannot write
}

// jsonField is one member encoding/json writes for a struct.
type jsonField struct {
	name   string
	typ    reflect.Type
	quoted bool // the ",string" option on a number, a boolean or a string
}

// jsonFields lists the members encoding/json writes for struct type t, in
// order: its exported fields under their json names, and the fields of
// embedded structs without a name of their own, where a shallower field of
// the same name wins.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	taken := map[string]bool{}
	level := []reflect.Type{t}
	visited := map[reflect.Type]bool{}
	for len(level) > 0 {
		var next []reflect.Type
		var found []jsonField
		for _, st := range level {
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := f.Type
				if f.Anonymous && name == "" {
					et := ft
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if et.Kind() == reflect.Struct {
						next = append(next, et)
						continue
					}
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				found = append(found, jsonField{name: name, typ: ft, quoted: hasOption(opts, "string") && quotable(ft)})
			}
		}
		for _, f := range found {
			if !taken[f.name] {
				taken[f.name] = true
				out = append(out, f)
			}
		}
		level = next
	}
	return out
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// quotable reports whether the ",string" option applies to t: strings,
// numbers and booleans, directly or through one pointer.
func quotable(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
