package usersauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/usersauth/usersauth/internal/openapi"
	"github.com/usersauth/usersauth/internal/wire"
)

// OpenAPI returns the OpenAPI 3.1 document, in JSON, of exactly what this
// UsersAuth serves at the paths Mount and Handler give its routes: every
// route with its parameters, request bodies (JSON, and forms where FastAPI
// declares forms), responses with their schemas and the error codes each
// route answers (as ErrorModel examples, as FastAPI Users documents them),
// the host's own user fields in UserRead, UserCreate and UserUpdate, one
// security scheme per kind of backend (the OAuth2 password flow with the
// backend's tokenUrl for bearer transports, an API key in a cookie for
// cookie transports), the OAuth providers' routes and the routes of the
// options turned on (refresh tokens, two-factor login, passkeys,
// throttling's 429s).
//
// Routes FastAPI Users has keep its operation ids and schema names
// (auth_jwt_login_auth_jwt_login_post, UserRead,
// Body_auth_jwt_login_auth_jwt_login_post, ErrorModel, ...), made by
// FastAPI's rule from the route's name and path, so a client generated from
// a FastAPI Users openapi.json calls the same functions here; the routes of
// our own are named by the same rule.
//
// The paths are those of Mount and Handler, under Options.PathPrefix. The
// document is built on each call; OpenAPIHandler builds it once. A host
// that mounts routers one by one (At), or adds routes of its own, edits
// the paths of the JSON.
func (a *UsersAuth[U]) OpenAPI() []byte {
	b, err := openapi.Marshal(a.openAPIDocument().doc)
	if err != nil {
		// Every value of the document is a string, a number, a boolean or
		// a collection of them: this is a bug of the library.
		panic(fmt.Sprintf("usersauth: encoding the OpenAPI document: %v", err))
	}
	return b
}

// OpenAPIHandler serves the document OpenAPI returns to GET and HEAD as
// application/json, for example at GET /openapi.json. It is built once,
// when OpenAPIHandler is called, and served with a strong ETag and
// Cache-Control: no-cache, so that clients and caches keep it and
// revalidate it with a 304 (RFC 9111 section 5.2.2.4): a redeploy that
// changes the routes is seen at once. Other methods are 405.
func (a *UsersAuth[U]) OpenAPIHandler() http.Handler {
	body := a.OpenAPI()
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			wire.WriteProblem(w, wire.NewProblem(http.StatusMethodNotAllowed))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// The routes' descriptions live beside the routes, one openapi_*.go file
// per concern of router.go: describeRoutes calls them as allRoutes calls
// the route lists, and the document takes, for every mounted route, the
// description made for its method and path. A route without one is still
// in the document, with a bare operation, and fails
// TestOpenAPIDescribesEveryRoute.

// describeRoutes describes every route of allRoutes, at the same paths
// (under Options.PathPrefix).
func (a *UsersAuth[U]) describeRoutes(d *apiDoc) {
	auth := a.prefix + "/auth"
	a.describeRegister(d, auth)
	a.describeReset(d, auth)
	a.describeVerify(d, auth)
	for _, m := range a.backends {
		a.describeAuth(d, auth+"/"+m.Name, m)
	}
	a.describeAllOAuth(d, auth)
	a.describeUsers(d, a.prefix+"/users")
}

// apiOp is the description of one route, which the document turns into
// its operation.
type apiOp struct {
	// name is the route's name as FastAPI Users names it
	// ("auth:jwt.login"), or as it would name ours: the operation id and
	// the summary are made from it, and "users:" names put the operation
	// under the users tag, any other under auth.
	name        string
	description string
	// user: the route needs a signed-in user, through any backend.
	user bool
	// params are the query and cookie parameters; path parameters come
	// from the path (pathParameter).
	params []*openapi.Parameter
	// body is a body of a schema of its own (UserCreate, UserUpdate).
	body *openapi.RequestBody
	// fields, instead, is a body of several members, whose schema FastAPI
	// names Body_<operation id>: read from fieldsIn, required unless
	// optionalBody.
	fields       *openapi.Schema
	fieldsIn     bodyKind
	optionalBody bool
	responses    []apiResponse
}

// bodyKind is where a body of fields is read from.
type bodyKind int

const (
	jsonIn       bodyKind = iota // a JSON object
	formIn                       // a URL-encoded or multipart form
	formOrJSONIn                 // either
)

// apiResponse is one status of an operation.
type apiResponse struct {
	status int
	r      *openapi.Response
}

// apiDoc collects the descriptions of the routes and what they refer to.
type apiDoc struct {
	ops map[string]*apiOp // by "METHOD /path", as in route
	// order is the order the descriptions were added in.
	order      []string
	components openapi.Components
	// security are the alternatives that satisfy a route needing a user:
	// one security scheme per kind of backend.
	security []map[string][]string
}

// add describes the route of method on path (a ServeMux pattern's path, as
// in route).
func (d *apiDoc) add(method, path string, op *apiOp) {
	if op.fields != nil {
		name := openapi.BodyName(openapi.OperationID(op.name, openapi.Path(path), method))
		op.body = fieldsBody(d.body(name, op.fields), op.fieldsIn)
		op.body.Required = !op.optionalBody
	}
	key := method + " " + path
	if _, dup := d.ops[key]; !dup {
		d.order = append(d.order, key)
	}
	d.ops[key] = op
}

// schema registers a component schema under name, once, and returns a
// reference to it.
func (d *apiDoc) schema(name string, build func() *openapi.Schema) *openapi.Schema {
	if _, ok := d.components.Schemas.Get(name); !ok {
		s := build()
		s.Title = name
		d.components.Schemas.Set(name, s)
	}
	return openapi.Ref(name)
}

// sharedResponse registers a response under name in the components, once,
// and returns a reference to it.
func (d *apiDoc) sharedResponse(name string, build func() *openapi.Response) *openapi.Response {
	if _, ok := d.components.Responses.Get(name); !ok {
		d.components.Responses.Set(name, build())
	}
	return openapi.ResponseRef(name)
}

// openAPIBuild is the document, and what tests require to be empty: the
// mounted routes without a description, and the descriptions of routes
// that are not mounted ("METHOD /path").
type openAPIBuild struct {
	doc          *openapi.Document
	undocumented []route
	unmounted    []string
}

// openAPIDocument builds the document of the mounted routes.
func (a *UsersAuth[U]) openAPIDocument() openAPIBuild {
	d := &apiDoc{ops: map[string]*apiOp{}}
	a.describeSecurity(d)
	a.describeRoutes(d)
	doc := &openapi.Document{
		OpenAPI: openapi.Version,
		Info: openapi.Info{
			Title:       "usersauth",
			Description: "User registration, authentication and management in the HTTP dialect of FastAPI Users.",
			Version:     "1.0.0",
		},
		Tags: []openapi.Tag{
			{Name: "auth", Description: "Registration, sign-in and sign-out, password reset, e-mail verification."},
			{Name: "users", Description: "The signed-in user, and user management for superusers."},
		},
	}
	var b openAPIBuild
	mounted := map[string]bool{}
	for _, r := range a.allRoutes() {
		mounted[r.method+" "+r.path] = true
		op, ok := d.ops[r.method+" "+r.path]
		if !ok {
			b.undocumented = append(b.undocumented, r)
			op = &apiOp{name: "route", responses: []apiResponse{{0, &openapi.Response{Description: "Not described."}}}}
		}
		path := openapi.Path(r.path)
		item, ok := doc.Paths.Get(path)
		if !ok {
			item = &openapi.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.Set(r.method, d.operation(op, r.method, path))
	}
	for _, key := range d.order {
		if !mounted[key] {
			b.unmounted = append(b.unmounted, key)
		}
	}
	doc.Components = d.components
	sortMap(doc.Components.Schemas)
	sortMap(doc.Components.Responses)
	b.doc = doc
	return b
}

// sortMap orders components by name, as FastAPI writes them.
func sortMap[T any](m openapi.Map[T]) {
	slices.SortFunc(m, func(a, b openapi.Entry[T]) int { return strings.Compare(a.Key, b.Key) })
}

// operation turns op into the document's operation for method on path.
func (d *apiDoc) operation(op *apiOp, method, path string) *openapi.Operation {
	tag := "auth"
	if strings.HasPrefix(op.name, "users:") {
		tag = "users"
	}
	o := &openapi.Operation{
		Tags:        []string{tag},
		Summary:     openapi.Summary(op.name),
		Description: op.description,
		OperationID: openapi.OperationID(op.name, path, method),
		RequestBody: op.body,
	}
	for _, name := range openapi.PathParams(path) {
		o.Parameters = append(o.Parameters, pathParameter(name, path))
	}
	o.Parameters = append(o.Parameters, op.params...)
	for _, r := range op.responses {
		status := "default"
		if r.status != 0 {
			status = strconv.Itoa(r.status)
		}
		o.Responses.Set(status, r.r)
	}
	if op.user {
		o.Security = d.security
	}
	return o
}

// pathParameter describes the parameter name of a route's path.
func pathParameter(name, path string) *openapi.Parameter {
	p := &openapi.Parameter{Name: name, In: "path", Required: true, Schema: openapi.String()}
	switch {
	case name == "id" && strings.Contains(path, "/passkeys/"):
		p.Description = "The passkey's id."
		p.Schema = uuidString()
	case name == "id":
		p.Description = "The user's id. An id that is not a UUID is answered as an unknown one, 404."
		p.Schema = uuidString()
	case name == "session":
		p.Description = "The session's id, as the session listing gives it."
		p.Schema = uuidString()
	case name == "provider":
		p.Description = "The name of the identity provider (Provider.Name)."
	}
	return p
}
