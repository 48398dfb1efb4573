package openapitest

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// The fixture is the openapi.json a FastAPI Users 14.0.2 reference app
// served (FastAPI 0.92, so OpenAPI 3.0.2): backends jwt (bearer, tokenUrl
// auth/jwt/login) and cookie, the register, reset, verify and users
// routers under /auth and /users, and the app's own GET
// /authenticated-route. Our document of the same configuration must call
// every route of FastAPI Users by the same operation id, refer to the same
// schemas by the same names, and name the security schemes alike, so that
// a client generated from either calls the other.

// appOwnPaths are the fixture's routes of the app itself, not of FastAPI
// Users.
var appOwnPaths = map[string]bool{"/authenticated-route": true}

// missingOnPurpose are the fixture's statuses and error examples our
// document leaves out, and why: FastAPI lists a default 200 for routes
// that answer 204, and 422 for a path parameter our routes answer 404 for.
var missingOnPurpose = map[string]string{
	"POST /auth/jwt/logout 200":    "logout answers 204, in FastAPI Users too",
	"POST /auth/cookie/logout 200": "logout answers 204, in FastAPI Users too",
	"POST /auth/cookie/login 200":  "a cookie login answers 204, in FastAPI Users too",
	"GET /users/{id} 422":          "an id that is not a UUID is 404 (as FastAPI Users' parse_id makes it)",
	"DELETE /users/{id} 422":       "an id that is not a UUID is 404",
	// FastAPI Users lists the code whatever the configuration; ours only
	// where it can be answered.
	"POST /auth/jwt/login LOGIN_USER_NOT_VERIFIED":    "answered only under Options.RequireVerification",
	"POST /auth/cookie/login LOGIN_USER_NOT_VERIFIED": "answered only under Options.RequireVerification",
}

func loadFixture(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("testdata/fastapi-users-openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	return load(t, data)
}

// refName is the component a schema reference names, or "".
func refName(ref *openapi3.SchemaRef) string {
	if ref == nil {
		return ""
	}
	return strings.TrimPrefix(ref.Ref, "#/components/schemas/")
}

// bodyRefs are the component names of an operation's request body, by
// media type.
func bodyRefs(op *openapi3.Operation) map[string]string {
	out := map[string]string{}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return out
	}
	for mt, m := range op.RequestBody.Value.Content {
		out[mt] = refName(m.Schema)
	}
	return out
}

// TestFastAPIUsersNames compares our document with the fixture, route by
// route: the same operation ids, the same request body schema names per
// media type FastAPI declares, the same schema names in the answers, the
// statuses FastAPI lists (but those in missingOnPurpose), every component
// schema of the fixture present, and the same security schemes.
func TestFastAPIUsersNames(t *testing.T) {
	fixture := loadFixture(t)
	ours := load(t, newUsersAuth(t, memory.New[*user.User](), nil).OpenAPI())
	compared := 0
	for path, item := range fixture.Paths.Map() {
		if appOwnPaths[path] {
			continue
		}
		for method, want := range item.Operations() {
			key := method + " " + path
			t.Run(key, func(t *testing.T) {
				compared++
				ourItem := ours.Paths.Value(path)
				if ourItem == nil || ourItem.GetOperation(method) == nil {
					t.Fatalf("%s is not in our document", key)
				}
				got := ourItem.GetOperation(method)
				if got.OperationID != want.OperationID {
					t.Errorf("operationId %q, want %q", got.OperationID, want.OperationID)
				}
				if got.Summary != want.Summary {
					t.Errorf("summary %q, want %q", got.Summary, want.Summary)
				}
				if !slices.Equal(got.Tags, want.Tags) {
					t.Errorf("tags %q, want %q", got.Tags, want.Tags)
				}
				gotBody := bodyRefs(got)
				for mt, name := range bodyRefs(want) {
					if gotBody[mt] != name {
						t.Errorf("request body %s: schema %q, want %q", mt, gotBody[mt], name)
					}
				}
				for status, wr := range want.Responses.Map() {
					gr := got.Responses.Value(status)
					if gr == nil {
						if _, ok := missingOnPurpose[key+" "+status]; !ok {
							t.Errorf("no %s answer", status)
						}
						continue
					}
					for mt, m := range wr.Value.Content {
						name := refName(m.Schema)
						if name == "" {
							continue // FastAPI's {} for an answer it does not model
						}
						gm := gr.Value.Content.Get(mt)
						if gm == nil || refName(gm.Schema) != name {
							t.Errorf("%s %s: want schema %s", status, mt, name)
						}
					}
					if len(wr.Value.Content) > 0 {
						want400 := wr.Value.Content.Get("application/json")
						if want400 != nil && len(want400.Examples) > 0 {
							gm := gr.Value.Content.Get("application/json")
							for code := range want400.Examples {
								_, onPurpose := missingOnPurpose[key+" "+code]
								if (gm == nil || gm.Examples[code] == nil) && !onPurpose {
									t.Errorf("%s: no example %s", status, code)
								}
							}
						}
					}
				}
				if (want.Security == nil || len(*want.Security) == 0) != (got.Security == nil || len(*got.Security) == 0) {
					t.Errorf("security %v, want %v", got.Security, want.Security)
				}
			})
		}
	}
	if compared != 14 {
		t.Errorf("compared %d routes of FastAPI Users, want the fixture's 14", compared)
	}
	t.Run("components", func(t *testing.T) {
		var missing []string
		for name := range fixture.Components.Schemas {
			if ours.Components.Schemas[name] == nil {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("schemas of FastAPI Users not in our document: %v", missing)
		}
		for name, want := range fixture.Components.SecuritySchemes {
			got := ours.Components.SecuritySchemes[name]
			if got == nil {
				t.Errorf("no security scheme %s", name)
				continue
			}
			w, g := want.Value, got.Value
			if g.Type != w.Type || g.In != w.In || g.Name != w.Name {
				t.Errorf("security scheme %s: %s %s %s, want %s %s %s", name, g.Type, g.In, g.Name, w.Type, w.In, w.Name)
			}
			if w.Flows != nil && (g.Flows == nil || g.Flows.Password == nil || g.Flows.Password.TokenURL != w.Flows.Password.TokenURL) {
				t.Errorf("security scheme %s: flows %+v, want tokenUrl %s", name, g.Flows, w.Flows.Password.TokenURL)
			}
		}
	})
}

// TestFixtureRequestsFitOurs: the requests a client generated from the
// fixture sends, which fit the fixture, fit our document: their bodies
// validate against our schemas of the same names. Each body is a value
// of the fixture's own schema, as a client builds it.
func TestFixtureRequestsFitOurs(t *testing.T) {
	fixture := loadFixture(t)
	ours := load(t, newUsersAuth(t, memory.New[*user.User](), nil).OpenAPI())
	bodies := map[string]map[string]any{
		"UserCreate": {"email": "king.arthur@camelot.bt", "password": "guinevere", "is_active": true, "is_superuser": false, "is_verified": false},
		"UserUpdate": {"email": "king.arthur@camelot.bt", "password": "excalibur", "is_active": true, "is_superuser": false, "is_verified": true},
		"Body_auth_jwt_login_auth_jwt_login_post":                  {"grant_type": "password", "username": "king.arthur@camelot.bt", "password": "guinevere", "scope": "", "client_id": "x", "client_secret": "y"},
		"Body_auth_cookie_login_auth_cookie_login_post":            {"username": "king.arthur@camelot.bt", "password": "guinevere"},
		"Body_reset_forgot_password_auth_forgot_password_post":     {"email": "king.arthur@camelot.bt"},
		"Body_reset_reset_password_auth_reset_password_post":       {"token": "t", "password": "excalibur"},
		"Body_verify_request_token_auth_request_verify_token_post": {"email": "king.arthur@camelot.bt"},
		"Body_verify_verify_auth_verify_post":                      {"token": "t"},
	}
	for name, value := range bodies {
		t.Run(name, func(t *testing.T) {
			if err := fixture.Components.Schemas[name].Value.VisitJSON(value); err != nil {
				t.Fatalf("the value does not fit the fixture's schema: %v", err)
			}
			if err := ours.Components.Schemas[name].Value.VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("the fixture's value does not fit our schema: %v", err)
			}
		})
	}
}
