package usersauth

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

// validationError is one item of a 422 answer, in the shape FastAPI (through
// pydantic) gives it.
type validationError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

func unprocessable(errs ...validationError) *problem {
	return &problem{status: http.StatusUnprocessableEntity, detail: errs}
}

func missing(loc ...any) validationError {
	return validationError{Type: "missing", Loc: append([]any{"body"}, loc...), Msg: "Field required"}
}

// readBody reads the whole body, up to MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, newProblem(http.StatusRequestEntityTooLarge)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, newProblem(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return nil, newProblem(http.StatusBadRequest)
	}
	return body, nil
}

// jsonBody is a request body read for a JSON route. When the content type is
// not JSON, or the body is empty or not a JSON object, object is nil and
// shape holds the validation error FastAPI would give; it is answered only
// after authentication, as the contract's precedence rules say.
type jsonBody struct {
	object map[string]json.RawMessage
	shape  *problem
}

// isJSONType reports whether a Content-Type header selects JSON: absent,
// application/json, or application/*+json.
func isJSONType(header string) bool {
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

// readJSON reads a JSON object body. Malformed JSON is an error at once (422
// json_invalid, first in the precedence order); a well-formed body of the
// wrong shape is reported in jsonBody.shape.
func readJSON(w http.ResponseWriter, r *http.Request) (jsonBody, error) {
	body, err := readBody(w, r)
	if err != nil {
		return jsonBody{}, err
	}
	if !isJSONType(r.Header.Get("Content-Type")) {
		return jsonBody{shape: notAnObject()}, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return jsonBody{shape: unprocessable(validationError{Type: "missing", Loc: []any{"body"}, Msg: "Field required"})}, nil
	}
	obj, isObject, err := parseObject(body)
	if err != nil {
		return jsonBody{}, err
	}
	if !isObject {
		return jsonBody{shape: notAnObject()}, nil
	}
	return jsonBody{object: obj}, nil
}

// notAnObject is the answer to a body that is not a JSON object. Unlike
// pydantic, it does not echo the body: it may hold a password.
func notAnObject() *problem {
	return unprocessable(validationError{
		Type: "model_attributes_type", Loc: []any{"body"},
		Msg: "Input should be a valid dictionary or object to extract fields from",
	})
}

func jsonInvalid(offset int64, reason string) *problem {
	return unprocessable(validationError{
		Type: "json_invalid", Loc: []any{"body", offset}, Msg: "JSON decode error",
		Input: map[string]any{}, Ctx: map[string]any{"error": reason},
	})
}

// parseObject parses body strictly: valid UTF-8, exactly one JSON value and
// nothing after it but whitespace, and, when it is an object, no key twice
// (one value per field: two parsers must never read one payload differently).
// It returns the object's members keyed by their exact names.
func parseObject(body []byte) (map[string]json.RawMessage, bool, error) {
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
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
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
	obj := map[string]json.RawMessage{}
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
