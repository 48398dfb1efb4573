package openapi

import (
	"strings"
	"unicode"
)

// FastAPI names an operation after its route's name and path (FastAPI's
// generate_unique_id): name and path joined, every character that is not a
// word character replaced by "_", then "_" and the lower-case method. A
// FastAPI Users route named "auth:jwt.login" on POST /auth/jwt/login is
// auth_jwt_login_auth_jwt_login_post, the function name every client
// generated from its document calls; the same rule on our names gives the
// name FastAPI would give under another backend name or prefix.

// OperationID is FastAPI's operation id for the route called name on path
// (an OpenAPI path, see Path) with method.
func OperationID(name, path, method string) string {
	id := strings.Map(func(r rune) rune {
		if isWord(r) {
			return r
		}
		return '_'
	}, name+path)
	return id + "_" + strings.ToLower(method)
}

// isWord is Python's \w on str patterns: letters, digits and underscore,
// in any script.
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// BodyName is the name FastAPI gives the schema of a body made of several
// fields (form fields, or JSON members declared one by one):
// Body_<operation id>.
func BodyName(operationID string) string { return "Body_" + operationID }

// Summary is FastAPI's summary of a route without one: its name with "_"
// as spaces, in Python's str.title(): "users:current_user" is
// "Users:Current User", "verify:request-token" "Verify:Request-Token".
func Summary(name string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range strings.ReplaceAll(name, "_", " ") {
		// str.title() upper-cases a cased character that follows an
		// uncased one and lower-cases the rest; digits and punctuation
		// are uncased, so "2fa" becomes "2Fa".
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		switch {
		case cased && prevCased:
			b.WriteRune(unicode.ToLower(r))
		case cased:
			b.WriteRune(unicode.ToTitle(r))
		default:
			b.WriteRune(r)
		}
		prevCased = cased
	}
	return b.String()
}

// Path turns a net/http ServeMux pattern's path into an OpenAPI path:
// "/users/{id}" stays, a wildcard "{rest...}" is "{rest}", and "{$}" (the
// exact path ending in a slash) is dropped.
func Path(pattern string) string {
	pattern = strings.ReplaceAll(pattern, "{$}", "")
	return strings.ReplaceAll(pattern, "...}", "}")
}

// PathParams lists the names of the parameters of an OpenAPI path, in
// order.
func PathParams(path string) []string {
	var names []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, path[i+1:i+j])
		path = path[i+j+1:]
	}
}
