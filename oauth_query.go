package usersauth

import (
	"net/http"
	"net/url"
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

// parseCallbackQuery decodes the provider's redirect back. A query that is
// too long or malformed (bad percent-encoding, a semicolon) is refused
// whole, 400 Bad Request, rather than read in part as r.URL.Query would.
func parseCallbackQuery(raw string) (url.Values, error) {
	if len(raw) > maxCallbackQuery {
		return nil, newProblem(http.StatusBadRequest)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, newProblem(http.StatusBadRequest)
	}
	return q, nil
}

// authorizeQuery is what a client may ask of the authorize route.
type authorizeQuery struct {
	scopes   []string // nil: the provider's defaults
	redirect *url.URL // nil: answer the callback in JSON
}

// parseAuthorizeQuery reads ?scopes=a&scopes=b and ?redirect_to=<URL>.
// Failures are 422, in FastAPI's format for query parameters.
func parseAuthorizeQuery(raw string, origins redirectOrigins) (authorizeQuery, error) {
	var aq authorizeQuery
	if len(raw) > maxAuthorizeQuery {
		return aq, unprocessable(validationError{Type: "value_error", Loc: []any{"query"}, Msg: "Query string too long"})
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return aq, unprocessable(validationError{Type: "value_error", Loc: []any{"query"}, Msg: "Malformed query string"})
	}
	var errs []validationError
	if scopes, ok := q["scopes"]; ok {
		if len(scopes) > maxScopes {
			errs = append(errs, validationError{Type: "too_long", Loc: []any{"query", "scopes"},
				Msg: "List should have at most 32 items", Ctx: map[string]any{"max_length": maxScopes}})
		}
		for i, s := range scopes {
			if !validScope(s) {
				errs = append(errs, validationError{Type: "value_error", Loc: []any{"query", "scopes", i},
					Msg: "Value error, not a scope token (RFC 6749 section 3.3)"})
			}
		}
		aq.scopes = scopes
	}
	if targets, ok := q["redirect_to"]; ok {
		if len(targets) > 1 {
			errs = append(errs, validationError{Type: "value_error", Loc: []any{"query", "redirect_to"}, Msg: "Value error, only one value is allowed"})
		} else if aq.redirect, err = origins.target(targets[0]); err != nil {
			// The value is not echoed: the answer says only that it was refused.
			errs = append(errs, validationError{Type: "value_error", Loc: []any{"query", "redirect_to"}, Msg: "Value error, " + err.Error()})
		}
	}
	if len(errs) > 0 {
		return authorizeQuery{}, unprocessable(errs...)
	}
	return aq, nil
}

// validScope reports whether s is a scope-token (RFC 6749 section 3.3):
// printable ASCII but space, double quote and backslash.
func validScope(s string) bool {
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
