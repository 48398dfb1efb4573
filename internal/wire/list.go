package wire

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/usersauth/usersauth/user"
)

// MaxListQuery bounds the q of GET /users, in characters: no address is
// longer than 254 bytes (RFC 5321 section 4.5.3.1.3), so a longer prefix
// matches nobody.
const MaxListQuery = 254

// EncodeCursor is the "next" of a page of GET /users: the e-mail key to
// start after, opaque to the client (base64url, unpadded).
func EncodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// decodeCursor reads what EncodeCursor wrote: canonical unpadded base64url
// of a non-empty key that could be an e-mail key (UTF-8, no NUL, at most
// user.MaxListKey bytes).
func decodeCursor(c string) (string, bool) {
	if c == "" || len(c) > base64.RawURLEncoding.EncodedLen(user.MaxListKey) {
		return "", false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > user.MaxListKey || !utf8.Valid(b) || strings.IndexByte(string(b), 0) >= 0 {
		return "", false
	}
	return string(b), true
}

// ReadListQuery reads the query of GET /users: limit (1 to
// user.MaxListLimit, default user.DefaultListLimit), after (a cursor from a
// page's "next") and q (a prefix of the address). A repeated parameter takes
// its last value, as FastAPI does; an empty after or q counts as absent.
// Anything else is a 422 with one item per bad parameter, in pydantic's
// words, loc ["query", name].
func ReadListQuery(r *http.Request) (user.ListQuery, error) {
	query := r.URL.Query()
	q := user.ListQuery{Limit: user.DefaultListLimit}
	var errs []ValidationError
	if query.Has("limit") {
		v := LastValue(query, "limit")
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			errs = append(errs, ValidationError{Type: "int_parsing", Loc: []any{"query", "limit"},
				Msg: "Input should be a valid integer, unable to parse string as an integer", Input: clip(v)})
		case n < 1:
			errs = append(errs, ValidationError{Type: "greater_than_equal", Loc: []any{"query", "limit"},
				Msg: "Input should be greater than or equal to 1", Input: v, Ctx: map[string]any{"ge": 1}})
		case n > user.MaxListLimit:
			errs = append(errs, ValidationError{Type: "less_than_equal", Loc: []any{"query", "limit"},
				Msg: "Input should be less than or equal to " + strconv.Itoa(user.MaxListLimit), Input: v, Ctx: map[string]any{"le": user.MaxListLimit}})
		default:
			q.Limit = n
		}
	}
	if v := LastValue(query, "after"); v != "" {
		if key, ok := decodeCursor(v); ok {
			q.After = key
		} else {
			errs = append(errs, ValidationError{Type: "value_error", Loc: []any{"query", "after"},
				Msg: "Value error, not a cursor of this listing", Input: clip(v), Ctx: map[string]any{"error": "not a cursor of this listing"}})
		}
	}
	if v := LastValue(query, "q"); v != "" {
		switch {
		case !utf8.ValidString(v):
			errs = append(errs, ValidationError{Type: "string_unicode", Loc: []any{"query", "q"},
				Msg: "Input should be a valid string, unable to parse raw data as a unicode string", Input: nil})
		case utf8.RuneCountInString(v) > MaxListQuery:
			errs = append(errs, ValidationError{Type: "string_too_long", Loc: []any{"query", "q"},
				Msg: "String should have at most " + strconv.Itoa(MaxListQuery) + " characters", Input: clip(v), Ctx: map[string]any{"max_length": MaxListQuery}})
		case strings.IndexByte(v, 0) >= 0:
			errs = append(errs, ValidationError{Type: "value_error", Loc: []any{"query", "q"},
				Msg: "Value error, no address holds a NUL character", Input: nil, Ctx: map[string]any{"error": "no address holds a NUL character"}})
		default:
			q.Prefix = v
		}
	}
	if len(errs) > 0 {
		return user.ListQuery{}, Unprocessable(errs...)
	}
	return q, nil
}

// clip bounds an echoed input, so a 422 never answers kilobytes.
func clip(s string) string {
	const max = 256
	if len(s) <= max {
		return s
	}
	for i := max; i > max-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:max]
}

// WriteUserPage answers 200 {"items": [UserRead...], "next": cursor|null}.
func WriteUserPage[U user.Model](w http.ResponseWriter, schema *user.Schema, page user.UserPage[U]) error {
	buf := make([]byte, 0, 32+160*len(page.Users))
	buf = append(buf, `{"items":[`...)
	for i, u := range page.Users {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = AppendUser(buf, schema, u); err != nil {
			return err
		}
	}
	buf = append(buf, `],"next":`...)
	if page.Next == "" {
		buf = append(buf, "null"...)
	} else {
		buf = AppendString(buf, EncodeCursor(page.Next))
	}
	buf = append(buf, '}')
	WriteJSON(w, http.StatusOK, buf)
	return nil
}
