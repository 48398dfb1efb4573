package openapitest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestDocumentValidates: in every configuration the document loads as
// OpenAPI 3.1 and passes kin-openapi's validation of the whole document
// (components, paths, operations, parameters, security requirements
// against the schemes, and every example against its schema, under JSON
// Schema 2020-12).
func TestDocumentValidates(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			ua := newUsersAuth(t, memory.New[*user.User](), c.configure)
			doc := load(t, ua.OpenAPI())
			if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
				t.Fatalf("openapi %q: want 3.1.0", doc.OpenAPI)
			}
			if doc.Paths.Len() == 0 {
				t.Fatal("no paths")
			}
		})
	}
}

// member is a host's user type, like examples/custom-user's Member, with
// fields of several JSON types.
type member struct {
	user.Base
	DisplayName string            `json:"display_name" usersauth:"required"`
	Avatar      *string           `json:"avatar"`
	Plan        string            `json:"plan" usersauth:"superuser"`
	Score       int               `json:"score,omitempty"`
	Born        time.Time         `json:"born"`
	Labels      map[string]string `json:"labels"`
	Address     struct {
		Street string `json:"street"`
		Zip    string `json:"zip"`
	} `json:"address"`
}

// TestHostFields: the host's own fields are in UserRead, UserCreate and
// UserUpdate as the routes take and give them, and real requests and
// answers carrying them validate against the document: a registration
// without a required field is refused by the document as by the route
// (422), and one with a field of the wrong type too.
func TestHostFields(t *testing.T) {
	ua := newUsersAuth(t, memory.New[*member](), nil)
	doc := load(t, ua.OpenAPI())
	schemas := doc.Components.Schemas
	for _, tt := range []struct {
		schema, field, typ string
		required           bool
	}{
		{"UserRead", "display_name", "string", true},
		{"UserRead", "avatar", "string", true},
		{"UserRead", "score", "integer", false},
		{"UserRead", "born", "string", true},
		{"UserRead", "labels", "object", true},
		{"UserRead", "address", "object", true},
		{"UserCreate", "display_name", "string", true},
		{"UserCreate", "avatar", "string", false},
		{"UserUpdate", "plan", "string", false},
		{"UserUpdate", "display_name", "string", false},
	} {
		t.Run(tt.schema+"."+tt.field, func(t *testing.T) {
			s := schemas[tt.schema].Value
			p, ok := s.Properties[tt.field]
			if !ok {
				t.Fatalf("%s has no %s: %v", tt.schema, tt.field, s.Properties)
			}
			if !p.Value.Type.Includes(tt.typ) {
				t.Errorf("type %v, want %s", p.Value.Type, tt.typ)
			}
			required := false
			for _, r := range s.Required {
				required = required || r == tt.field
			}
			if required != tt.required {
				t.Errorf("required %v, want %v", required, tt.required)
			}
		})
	}
	if _, ok := schemas["UserCreate"].Value.Properties["plan"]; ok {
		t.Error("UserCreate has plan, which only a superuser sets")
	}
	if !schemas["UserRead"].Value.Properties["avatar"].Value.Type.Includes("null") {
		t.Error("avatar is not nullable")
	}

	c := newChecker(t, doc, mount(ua))
	reg := c.do("POST", "/auth/register", jsonHeader,
		[]byte(`{"email":"king.arthur@camelot.bt","password":"guinevere","display_name":"Arthur","avatar":null,"labels":{"role":"king"},"address":{"street":"Camelot"}}`), 201)
	var u map[string]any
	if err := json.Unmarshal(reg.body, &u); err != nil || u["display_name"] != "Arthur" {
		t.Fatalf("registered %s", reg.body)
	}
	c.invalid("POST", "/auth/register", jsonHeader, []byte(`{"email":"lancelot@camelot.bt","password":"guinevere"}`))
	c.invalid("POST", "/auth/register", jsonHeader, []byte(`{"email":"lancelot@camelot.bt","password":"guinevere","display_name":7}`))
	login := c.do("POST", "/auth/jwt/login", formHeader, form("username", "king.arthur@camelot.bt", "password", "guinevere"), 200)
	bearer := bearerHeader(t, login.body)
	c.do("GET", "/users/me", bearer, nil, 200)
	c.do("PATCH", "/users/me", withJSON(bearer), []byte(`{"avatar":"https://camelot.bt/arthur.png","score":3}`), 200)
}

// mount serves ua's routes as a host does.
func mount[U user.Model](ua *usersauth.UsersAuth[U]) *http.ServeMux {
	mux := http.NewServeMux()
	ua.Mount(mux)
	return mux
}
