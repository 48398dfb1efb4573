package oauthflow

import (
	"net/http"
	"net/url"

	"github.com/usersauth/usersauth/internal/wire"
)

// Limits of the OAuth routes' query strings (ours), checked before anything
// is decoded.
const (
	// maxCallbackQuery bounds the callback's query: a state token (8 KiB at
	// most) and a code, with room to spare.
	maxCallbackQuery = 16 << 10
	// maxAuthorizeQuery bounds the authorize route's query.
	maxAuthorizeQuery = 8 << 10
	// maxScopes and maxScopeLength bound what a client may ask for.
	maxScopes      = 32
	maxScopeLength = 256
)

// ParseCallbackQuery decodes the provider's redirect back. A query that is
// too long or malformed (bad percent-encoding, a semicolon) is refused
// whole, 400 Bad Request, rather than read in part as r.URL.Query would.
func ParseCallbackQuery(raw string) (url.Values, error) {
	if len(raw) > maxCallbackQuery {
		return nil, wire.NewProblem(http.StatusBadRequest)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, wire.NewProblem(http.StatusBadRequest)
	}
	return q, nil
}

// AuthorizeQuery is what a client may ask of the authorize route.
type AuthorizeQuery struct {
	Scopes   []string // nil: the provider's defaults
	Redirect *url.URL // nil: answer the callback in JSON
}

// ParseAuthorizeQuery reads ?scopes=a&scopes=b and ?redirect_to=<URL>, a
// target on the flow's allow-list. Failures are 422, in FastAPI's format for
// query parameters.
func (f *Flow) ParseAuthorizeQuery(raw string) (AuthorizeQuery, error) {
	return parseAuthorizeQuery(raw, f.origins)
}

func parseAuthorizeQuery(raw string, origins Origins) (AuthorizeQuery, error) {
	var aq AuthorizeQuery
	if len(raw) > maxAuthorizeQuery {
		return aq, wire.Unprocessable(wire.ValidationError{Type: "value_error", Loc: []any{"query"}, Msg: "Query string too long"})
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return aq, wire.Unprocessable(wire.ValidationError{Type: "value_error", Loc: []any{"query"}, Msg: "Malformed query string"})
	}
	var errs wire.Errors
	if scopes, ok := q["scopes"]; ok {
		if len(scopes) > maxScopes {
			errs = append(errs, wire.ValidationError{Type: "too_long", Loc: []any{"query", "scopes"},
				Msg: "List should have at most 32 items", Ctx: map[string]any{"max_length": maxScopes}})
		}
		for i, s := range scopes {
			if !ValidScope(s) {
				errs = append(errs, wire.ValidationError{Type: "value_error", Loc: []any{"query", "scopes", i},
					Msg: "Value error, not a scope token (RFC 6749 section 3.3)"})
			}
		}
		aq.Scopes = scopes
	}
	if targets, ok := q["redirect_to"]; ok {
		if len(targets) > 1 {
			errs = append(errs, wire.ValidationError{Type: "value_error", Loc: []any{"query", "redirect_to"}, Msg: "Value error, only one value is allowed"})
		} else if aq.Redirect, err = origins.Target(targets[0]); err != nil {
			// The value is not echoed: the answer says only that it was refused.
			errs = append(errs, wire.ValidationError{Type: "value_error", Loc: []any{"query", "redirect_to"}, Msg: "Value error, " + err.Error()})
		}
	}
	if len(errs) > 0 {
		return AuthorizeQuery{}, wire.Unprocessable(errs...)
	}
	return aq, nil
}

// ValidScope reports whether s is a scope-token (RFC 6749 section 3.3):
// printable ASCII but space, double quote and backslash.
func ValidScope(s string) bool {
	if s == "" || len(s) > maxScopeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
