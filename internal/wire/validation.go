package wire

import (
	"encoding/json"
	"net/http"
	"reflect"
)

// ValidationError is one item of a 422 answer, in the shape FastAPI
// (through pydantic) gives it.
type ValidationError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// Unprocessable is the 422 answer listing errs.
func Unprocessable(errs ...ValidationError) *Problem {
	return &Problem{Status: http.StatusUnprocessableEntity, Detail: errs}
}

// Missing reports a required body member that is absent: loc is its path
// under "body".
func Missing(loc ...any) ValidationError {
	return ValidationError{Type: "missing", Loc: append([]any{"body"}, loc...), Msg: "Field required"}
}

// TypeError reports a body member of the wrong JSON type, naming the
// expected type the way pydantic does. input is the offending value (nil for
// null, or when it must not be echoed).
func TypeError(name string, t reflect.Type, input any) ValidationError {
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
		return TypeError(name, t.Elem(), input)
	}
	return ValidationError{Type: typ, Loc: []any{"body", name}, Msg: msg, Input: input}
}

// PatternMismatch reports a form member that must have one exact value, as
// pydantic words it.
func PatternMismatch(name, input, pattern string) ValidationError {
	return ValidationError{
		Type: "string_pattern_mismatch", Loc: []any{"body", name},
		Msg: "String should match pattern '" + pattern + "'", Input: input, Ctx: map[string]any{"pattern": pattern},
	}
}

// InvalidEmail reports an e-mail address the normaliser refused, with its
// reason (written for the end user). input is echoed: it is an address,
// never a secret.
func InvalidEmail(input any, reason string) ValidationError {
	return ValidationError{
		Type: "value_error", Loc: []any{"body", "email"},
		Msg: "value is not a valid email address: " + reason, Input: input, Ctx: map[string]any{"reason": reason},
	}
}
