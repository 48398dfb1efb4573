package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes is the largest request body any route reads (ours: FastAPI
// Users sets no limit). A larger one is answered 413.
const MaxBodyBytes = 64 << 10

// ReadBody reads the whole body, up to MaxBodyBytes.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, NewProblem(http.StatusRequestEntityTooLarge)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, NewProblem(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return nil, NewProblem(http.StatusBadRequest)
	}
	return body, nil
}

// Object is a JSON object body by the exact names of its members.
type Object map[string]json.RawMessage

// Body is a request body read for a JSON route. When the content type is not
// JSON, or the body is empty or not a JSON object, Object is nil and Shape
// holds the validation error FastAPI would give; a route that authenticates
// answers it only after authentication, as the contract's precedence says.
type Body struct {
	Object Object
	Shape  *Problem
}

// Require returns the object, or the shape problem as an error.
func (b Body) Require() (Object, error) {
	if b.Shape != nil {
		return nil, b.Shape
	}
	return b.Object, nil
}

// IsJSONType reports whether a Content-Type header selects JSON: absent,
// application/json, or application/*+json.
func IsJSONType(header string) bool {
	if header == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	if mt == "application/json" {
		return true
	}
	sub, ok := strings.CutPrefix(mt, "application/")
	return ok && strings.HasSuffix(sub, "+json")
}

// ReadJSON reads a JSON object body. Malformed JSON is an error at once (422
// json_invalid, first in the precedence order); a well-formed body of the
// wrong shape is reported in Body.Shape.
func ReadJSON(w http.ResponseWriter, r *http.Request) (Body, error) {
	body, err := ReadBody(w, r)
	if err != nil {
		return Body{}, err
	}
	return jsonBody(r, body)
}

// jsonBody reads body, the whole body of r, as ReadJSON does.
func jsonBody(r *http.Request, body []byte) (Body, error) {
	if !IsJSONType(r.Header.Get("Content-Type")) {
		return Body{Shape: notAnObject()}, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Body{Shape: Unprocessable(ValidationError{Type: "missing", Loc: []any{"body"}, Msg: "Field required"})}, nil
	}
	obj, isObject, err := ParseObject(body)
	if err != nil {
		return Body{}, err
	}
	if !isObject {
		return Body{Shape: notAnObject()}, nil
	}
	return Body{Object: obj}, nil
}

// ReadOptionalJSON reads a JSON object body that may be left out: an empty
// body is an empty object; any other is read as ReadJSON reads it. For the
// routes whose body is optional, such as the start of a passkey ceremony.
func ReadOptionalJSON(w http.ResponseWriter, r *http.Request) (Body, error) {
	body, err := ReadBody(w, r)
	if err != nil {
		return Body{}, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Body{Object: Object{}}, nil
	}
	return jsonBody(r, body)
}

// ReadObject reads a JSON object body for a route without authentication:
// any problem with it is an error at once.
func ReadObject(w http.ResponseWriter, r *http.Request) (Object, error) {
	body, err := ReadJSON(w, r)
	if err != nil {
		return nil, err
	}
	return body.Require()
}

// notAnObject is the answer to a body that is not a JSON object. Unlike
// pydantic, it does not echo the body: it may hold a password.
func notAnObject() *Problem {
	return Unprocessable(ValidationError{
		Type: "model_attributes_type", Loc: []any{"body"},
		Msg: "Input should be a valid dictionary or object to extract fields from",
	})
}

func jsonInvalid(offset int64, reason string) *Problem {
	return Unprocessable(ValidationError{
		Type: "json_invalid", Loc: []any{"body", offset}, Msg: "JSON decode error",
		Input: map[string]any{}, Ctx: map[string]any{"error": reason},
	})
}

// ParseObject parses body strictly: valid UTF-8, exactly one JSON value and
// nothing after it but whitespace, and, when it is an object, no key twice
// (one value per field: two parsers must never read one payload differently).
// It returns the object's members keyed by their exact names.
func ParseObject(body []byte) (Object, bool, error) {
	if !utf8.Valid(body) {
		off := 0
		for off < len(body) {
			r, size := utf8.DecodeRune(body[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, false, jsonInvalid(int64(off), "Invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
			// encoding/json counts the bytes read including the offending
			// one; the contract (like Python's json) gives its position.
			return nil, false, jsonInvalid(max(syn.Offset-1, 0), syntaxReason(syn))
		}
		return nil, false, jsonInvalid(int64(len(body)), "Expecting value")
	}
	rest := body[dec.InputOffset():]
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) > 0 {
		return nil, false, jsonInvalid(int64(len(body)-len(trimmed)), "Extra data")
	}
	if v[0] != '{' {
		return nil, false, nil
	}
	obj := Object{}
	od := json.NewDecoder(bytes.NewReader(v))
	od.Token() // '{'
	for od.More() {
		start := od.InputOffset()
		tok, err := od.Token()
		if err != nil {
			return nil, false, jsonInvalid(start, "Expecting property name")
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := od.Decode(&raw); err != nil {
			return nil, false, jsonInvalid(od.InputOffset(), "Expecting value")
		}
		if _, dup := obj[key]; dup {
			// start is where the previous member ended; the key begins at
			// the next quote.
			at := start + int64(bytes.IndexByte(v[start:], '"'))
			return nil, false, jsonInvalid(at, fmt.Sprintf("Duplicate key %q", key))
		}
		obj[key] = raw
	}
	return obj, true, nil
}

func syntaxReason(err *json.SyntaxError) string {
	msg := err.Error()
	// encoding/json's messages are written for programmers but hold only the
	// offending character, never the surrounding input.
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}
