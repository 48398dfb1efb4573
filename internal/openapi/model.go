package openapi

import (
	"bytes"
	"encoding/json"
)

// Version is the OpenAPI version of every document: 3.1, whose schemas are
// JSON Schema 2020-12 (nullable is written as a type array with "null").
const Version = "3.1.0"

// Document is the root object of an OpenAPI document.
type Document struct {
	OpenAPI    string         `json:"openapi"`
	Info       Info           `json:"info"`
	Tags       []Tag          `json:"tags,omitempty"`
	Paths      Map[*PathItem] `json:"paths"`
	Components Components     `json:"components"`
}

// Info names the API.
type Info struct {
	Title       string `json:"title"`
	Summary     string `json:"summary,omitempty"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version"`
}

// Tag groups operations; generated clients and documentation viewers show
// the groups.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Components holds what the document refers to by name.
type Components struct {
	Schemas         Map[*Schema]         `json:"schemas,omitempty"`
	Responses       Map[*Response]       `json:"responses,omitempty"`
	SecuritySchemes Map[*SecurityScheme] `json:"securitySchemes,omitempty"`
}

// PathItem holds the operations of one path, one per method.
type PathItem struct {
	Get    *Operation `json:"get,omitempty"`
	Put    *Operation `json:"put,omitempty"`
	Post   *Operation `json:"post,omitempty"`
	Delete *Operation `json:"delete,omitempty"`
	Patch  *Operation `json:"patch,omitempty"`
}

// Set puts op under method (GET, PUT, POST, DELETE or PATCH) and reports
// whether the method is one a PathItem holds.
func (p *PathItem) Set(method string, op *Operation) bool {
	switch method {
	case "GET":
		p.Get = op
	case "PUT":
		p.Put = op
	case "POST":
		p.Post = op
	case "DELETE":
		p.Delete = op
	case "PATCH":
		p.Patch = op
	default:
		return false
	}
	return true
}

// Operation is one method on one path.
type Operation struct {
	Tags        []string       `json:"tags,omitempty"`
	Summary     string         `json:"summary,omitempty"`
	Description string         `json:"description,omitempty"`
	OperationID string         `json:"operationId"`
	Parameters  []*Parameter   `json:"parameters,omitempty"`
	RequestBody *RequestBody   `json:"requestBody,omitempty"`
	Responses   Map[*Response] `json:"responses"`
	// Security lists alternatives: any one of them satisfies the
	// operation. Nil means the operation needs no credential.
	Security []map[string][]string `json:"security,omitempty"`
}

// Parameter is a path, query, header or cookie parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

// RequestBody is what an operation reads from the body, per media type.
type RequestBody struct {
	Description string          `json:"description,omitempty"`
	Required    bool            `json:"required,omitempty"`
	Content     Map[*MediaType] `json:"content"`
}

// MediaType is the schema and examples of one content type.
type MediaType struct {
	Schema   *Schema       `json:"schema,omitempty"`
	Examples Map[*Example] `json:"examples,omitempty"`
}

// Example is one named example value.
type Example struct {
	Summary string `json:"summary,omitempty"`
	Value   any    `json:"value"`
}

// Response is one status of an operation, or a reference to a shared one
// in Components.Responses (Ref set, nothing else).
type Response struct {
	Ref         string          `json:"$ref,omitempty"`
	Description string          `json:"description,omitempty"`
	Headers     Map[*Header]    `json:"headers,omitempty"`
	Content     Map[*MediaType] `json:"content,omitempty"`
}

// Header is a response header.
type Header struct {
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

// SecurityScheme is how a credential travels: an OAuth2 password flow
// (bearer tokens) or an API key in a cookie.
type SecurityScheme struct {
	Type        string      `json:"type"`
	Description string      `json:"description,omitempty"`
	Name        string      `json:"name,omitempty"`
	In          string      `json:"in,omitempty"`
	Flows       *OAuthFlows `json:"flows,omitempty"`
}

// OAuthFlows holds the one flow the bearer transport has.
type OAuthFlows struct {
	Password *OAuthFlow `json:"password,omitempty"`
}

// OAuthFlow is an OAuth2 flow: where the token comes from, and its scopes
// (none here, but the field is required).
type OAuthFlow struct {
	TokenURL   string            `json:"tokenUrl"`
	RefreshURL string            `json:"refreshUrl,omitempty"`
	Scopes     map[string]string `json:"scopes"`
}

// Schema is a JSON Schema 2020-12 schema, as OpenAPI 3.1 has them. The
// zero value accepts any value.
type Schema struct {
	Ref         string `json:"$ref,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Type is a string ("object") or, for a nullable value, a list of two
	// ([]string{"string", "null"}).
	Type                 any          `json:"type,omitempty"`
	Format               string       `json:"format,omitempty"`
	ContentEncoding      string       `json:"contentEncoding,omitempty"`
	Enum                 []any        `json:"enum,omitempty"`
	Pattern              string       `json:"pattern,omitempty"`
	Minimum              *int64       `json:"minimum,omitempty"`
	MaxItems             *int         `json:"maxItems,omitempty"`
	Items                *Schema      `json:"items,omitempty"`
	Properties           Map[*Schema] `json:"properties,omitempty"`
	Required             []string     `json:"required,omitempty"`
	AdditionalProperties *Schema      `json:"additionalProperties,omitempty"`
	AnyOf                []*Schema    `json:"anyOf,omitempty"`
	Default              any          `json:"default,omitempty"`
	Examples             []any        `json:"examples,omitempty"`
	Deprecated           bool         `json:"deprecated,omitempty"`
	ReadOnly             bool         `json:"readOnly,omitempty"`
}

// Ref is a reference to the schema named name in Components.Schemas.
func Ref(name string) *Schema { return &Schema{Ref: "#/components/schemas/" + name} }

// ResponseRef is a reference to the response named name in
// Components.Responses.
func ResponseRef(name string) *Response { return &Response{Ref: "#/components/responses/" + name} }

// String is the schema of a JSON string.
func String() *Schema { return &Schema{Type: "string"} }

// Boolean is the schema of a JSON boolean.
func Boolean() *Schema { return &Schema{Type: "boolean"} }

// Integer is the schema of a JSON integer.
func Integer() *Schema { return &Schema{Type: "integer"} }

// Nullable returns s allowing null too: its type gains "null", or, for a
// schema without a single type (a reference, a union, the schema of any
// value), it becomes a union with null. The schema of any value ({})
// accepts null already in OpenAPI 3.1, but not under OpenAPI 3.0's rules,
// which some validators fall back to (kin-openapi does for schemas with
// references): the union says it under both.
func Nullable(s *Schema) *Schema {
	if t, ok := s.Type.(string); ok && s.Ref == "" {
		c := *s
		c.Type = []string{t, "null"}
		return &c
	}
	if _, ok := s.Type.([]string); ok {
		return s // already nullable
	}
	return &Schema{AnyOf: []*Schema{s, {Type: "null"}}}
}

// Map is a JSON object whose members keep the order they were set in, as
// FastAPI writes its documents (a Go map would be written sorted).
type Map[T any] []Entry[T]

// Entry is one member of a Map.
type Entry[T any] struct {
	Key   string
	Value T
}

// Set puts value under key: in place when key is there, last otherwise.
func (m *Map[T]) Set(key string, value T) {
	for i := range *m {
		if (*m)[i].Key == key {
			(*m)[i].Value = value
			return
		}
	}
	*m = append(*m, Entry[T]{key, value})
}

// Get returns the value under key.
func (m Map[T]) Get(key string) (T, bool) {
	for _, e := range m {
		if e.Key == key {
			return e.Value, true
		}
	}
	var zero T
	return zero, false
}

// MarshalJSON writes the members in order. Like Marshal, it leaves <, >
// and & as they are: the document is JSON for tools, not HTML.
func (m Map[T]) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, e := range m {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(e.Key); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		buf.WriteByte(':')
		if err := enc.Encode(e.Value); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Marshal encodes v, a Document or a part of one, without escaping <, >
// and &.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
