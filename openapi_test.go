package usersauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// The document's validity against the OpenAPI 3.1 schema, its names
// against FastAPI Users' own document and real requests against it are
// tested with a validator in internal/openapitest, which hosts never
// import. These tests need only encoding/json.

// openAPIConfig is one configuration the document is tested in.
type openAPIConfig struct {
	name      string
	configure func(*Options[*user.User])
}

// everything turns on every option that adds routes or answers.
func everything(o *Options[*user.User]) {
	o.Limits = nil // the defaults: every limit on
	for i := range o.Backends {
		o.Backends[i].Refresh = &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 2 * time.Hour}
	}
	o.TwoFactor = &TwoFactor{Issuer: "Camelot"}
	o.Passkeys = stubRP{}
	o.RequireTwoFactor = func(u *user.User) bool { return u.IsSuperuser }
	o.RequireVerification = true
	o.RequireCurrentPassword = true
	o.IncludeOAuthAccounts = true
	o.OAuth = []OAuthProvider{
		{Provider: oauth.GitHub("id", "secret"), Backend: "jwt", RedirectURL: "https://api.camelot.bt/auth/github/callback",
			AssociateRedirectURL: "https://api.camelot.bt/auth/associate/github/callback", AllowedRedirectOrigins: []string{"https://app.camelot.bt"}},
		{Provider: oauth.Google("id", "secret"), Backend: "cookie", RedirectURL: "https://api.camelot.bt/auth/google/callback"},
	}
}

func openAPIConfigs() []openAPIConfig {
	return []openAPIConfig{
		{"one bearer backend", func(o *Options[*user.User]) { o.Backends = o.Backends[:1] }},
		{"bearer and cookie", nil},
		{"throttling on", func(o *Options[*user.User]) { o.Limits = nil }},
		{"refresh tokens", func(o *Options[*user.User]) {
			o.Backends[0].Refresh = &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 2 * time.Hour}
		}},
		{"two-factor login", func(o *Options[*user.User]) { o.TwoFactor = &TwoFactor{Issuer: "Camelot"} }},
		{"passkeys without TOTP", func(o *Options[*user.User]) { o.Passkeys = stubRP{} }},
		{"without CSRF protection", func(o *Options[*user.User]) { o.DisableCSRFProtection = true }},
		{"everything", everything},
		{"everything under a prefix", func(o *Options[*user.User]) { everything(o); o.PathPrefix = "/api" }},
	}
}

// documentOf returns the document of ua, decoded.
func documentOf(t *testing.T, ua *UsersAuth[*user.User]) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(ua.OpenAPI(), &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	return doc
}

// operations lists the document's operations as "METHOD /path".
func operations(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			out[strings.ToUpper(method)+" "+path] = op.(map[string]any)
		}
	}
	return out
}

// TestOpenAPIDescribesEveryRoute: in every configuration, the document has
// exactly the mounted routes, each with its own description, and a
// description is of a mounted route: a route added without one fails here.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	for _, c := range openAPIConfigs() {
		t.Run(c.name, func(t *testing.T) {
			ua := newUserApp(t, c.configure).ua
			b := ua.openAPIDocument()
			for _, r := range b.undocumented {
				t.Errorf("%s %s has no description: add one in the openapi_*.go file of its concern", r.method, r.path)
			}
			for _, key := range b.unmounted {
				t.Errorf("%s is described but not mounted", key)
			}
			var routes []string
			for _, r := range ua.allRoutes() {
				routes = append(routes, r.method+" "+strings.ReplaceAll(r.path, "...}", "}"))
			}
			var documented []string
			for key := range operations(documentOf(t, ua)) {
				documented = append(documented, key)
			}
			sort.Strings(routes)
			sort.Strings(documented)
			if !slices.Equal(routes, documented) {
				t.Errorf("routes and document differ:\nroutes   %q\ndocument %q", routes, documented)
			}
		})
	}
}

// TestOpenAPIOperations checks what every operation must carry: a unique
// FastAPI-style operation id, one tag, a 2xx answer, the security of the
// backends and a 401 when it needs a user, and 413 and 422 when it
// requires a body.
func TestOpenAPIOperations(t *testing.T) {
	for _, c := range openAPIConfigs() {
		t.Run(c.name, func(t *testing.T) {
			ua := newUserApp(t, c.configure).ua
			ids := map[string]string{}
			for key, op := range operations(documentOf(t, ua)) {
				id, _ := op["operationId"].(string)
				if prev, dup := ids[id]; dup || id == "" {
					t.Errorf("%s: operation id %q (also %s)", key, id, prev)
				}
				ids[id] = key
				responses := op["responses"].(map[string]any)
				ok := false
				for status := range responses {
					ok = ok || strings.HasPrefix(status, "2")
				}
				if !ok {
					t.Errorf("%s: no 2xx answer", key)
				}
				if body, _ := op["requestBody"].(map[string]any); body["required"] == true {
					for _, status := range []string{"413", "422"} {
						if _, ok := responses[status]; !ok {
							t.Errorf("%s reads a body but has no %s", key, status)
						}
					}
				}
				if tags, _ := op["tags"].([]any); len(tags) != 1 {
					t.Errorf("%s: tags %v", key, tags)
				}
				_, secured := op["security"]
				_, unauthorized := responses["401"]
				if secured != unauthorized && !strings.Contains(key, "/refresh") {
					t.Errorf("%s: security %v but 401 %v", key, secured, unauthorized)
				}
			}
		})
	}
}

// TestOpenAPIFastAPINames: under another backend name and for a provider,
// the operation ids are the ones FastAPI would give.
func TestOpenAPIFastAPINames(t *testing.T) {
	ua := newUserApp(t, func(o *Options[*user.User]) {
		o.Backends = []backend.Backend{{Name: "app-v2", Transport: backend.Bearer("auth/app-v2/login"), Strategy: backend.JWT(testSecret, time.Hour)}}
		o.OAuth = []OAuthProvider{{Provider: oauth.GitHub("id", "secret"), Backend: "app-v2", RedirectURL: "https://api.camelot.bt/auth/github/callback",
			AssociateRedirectURL: "https://api.camelot.bt/auth/associate/github/callback"}}
	}).ua
	ops := operations(documentOf(t, ua))
	want := map[string]string{
		"POST /auth/app-v2/login":              "auth_app_v2_login_auth_app_v2_login_post",
		"POST /auth/app-v2/logout":             "auth_app_v2_logout_auth_app_v2_logout_post",
		"POST /auth/app-v2/logout-all":         "auth_app_v2_logout_all_auth_app_v2_logout_all_post",
		"GET /auth/github/authorize":           "oauth_github_app_v2_authorize_auth_github_authorize_get",
		"GET /auth/github/callback":            "oauth_github_app_v2_callback_auth_github_callback_get",
		"GET /auth/associate/github/authorize": "oauth_associate_github_authorize_auth_associate_github_authorize_get",
		"GET /auth/associate/github/callback":  "oauth_associate_github_callback_auth_associate_github_callback_get",
		"DELETE /users/me/oauth/{provider}":    "users_unlink_oauth_users_me_oauth__provider__delete",
		"GET /users/me":                        "users_current_user_users_me_get",
		"PATCH /users/{id}":                    "users_patch_user_users__id__patch",
		"POST /auth/request-verify-token":      "verify_request_token_auth_request_verify_token_post",
		"POST /auth/forgot-password":           "reset_forgot_password_auth_forgot_password_post",
		"POST /auth/reset-password":            "reset_reset_password_auth_reset_password_post",
		"POST /auth/register":                  "register_register_auth_register_post",
		"POST /auth/verify":                    "verify_verify_auth_verify_post",
		"DELETE /users/{id}":                   "users_delete_user_users__id__delete",
		"GET /users/{id}":                      "users_user_users__id__get",
		"PATCH /users/me":                      "users_patch_current_user_users_me_patch",
	}
	for key, id := range want {
		t.Run(key, func(t *testing.T) {
			op, ok := ops[key]
			if !ok {
				t.Fatalf("%s is not in the document", key)
			}
			if op["operationId"] != id {
				t.Errorf("operationId %v, want %s", op["operationId"], id)
			}
		})
	}
	schemas := documentOf(t, ua)["components"].(map[string]any)["schemas"].(map[string]any)
	if _, ok := schemas["Body_auth_app_v2_login_auth_app_v2_login_post"]; !ok {
		t.Error("no Body_auth_app_v2_login_auth_app_v2_login_post schema")
	}

	// Under a prefix, as FastAPI names routes included with one.
	prefixed := operations(documentOf(t, newUserApp(t, func(o *Options[*user.User]) { o.PathPrefix = "/api" }).ua))
	for key, id := range map[string]string{
		"POST /api/auth/jwt/login": "auth_jwt_login_api_auth_jwt_login_post",
		"GET /api/users/{id}":      "users_user_api_users__id__get",
	} {
		if op, ok := prefixed[key]; !ok || op["operationId"] != id {
			t.Errorf("%s: %v, want operationId %s", key, op["operationId"], id)
		}
	}
}

// errorCodes are the codes of the error tables: every one must be in the
// document of a configuration that can answer it.
func errorCodes() []string {
	codes := map[string]bool{codeTooManyRequests: true, codeLogin2FARequired: true}
	for _, an := range answers {
		if an.code != "" {
			codes[an.code] = true
		}
	}
	for _, list := range byOperation {
		for _, an := range list {
			if an.code != "" {
				codes[an.code] = true
			}
		}
	}
	for _, code := range invalidPasswordCodes {
		codes[code] = true
	}
	codes[codeUpdateUserInvalidPassword] = true
	var out []string
	for c := range codes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIErrorCodes: every code the error tables answer is an example
// of some route in the document with every option on, and every example
// detail of any document has a summary of its own.
func TestOpenAPIErrorCodes(t *testing.T) {
	examples := map[string]bool{}
	for _, c := range openAPIConfigs() {
		doc := documentOf(t, newUserApp(t, c.configure).ua)
		collect := func(content any) {
			media, _ := content.(map[string]any)["application/json"].(map[string]any)
			exs, _ := media["examples"].(map[string]any)
			for name := range exs {
				if c.name == "everything" {
					examples[name] = true
				}
				if _, ok := errorExamples[name]; !ok {
					t.Errorf("%s: the example %s has no entry in errorExamples", c.name, name)
				}
			}
		}
		for _, op := range operations(doc) {
			for _, r := range op["responses"].(map[string]any) {
				if content, ok := r.(map[string]any)["content"]; ok {
					collect(content)
				}
			}
		}
		for _, r := range doc["components"].(map[string]any)["responses"].(map[string]any) {
			collect(r.(map[string]any)["content"])
		}
	}
	for _, code := range errorCodes() {
		if !examples[code] {
			t.Errorf("%s is answered by some route but in no example of the document", code)
		}
	}
}

// TestOpenAPISecuritySchemes: one scheme per kind of backend under
// FastAPI's names, the bearer transport's tokenUrl and the cookie's name,
// a second scheme of a kind named after its backend, none for a transport
// of the host's own.
func TestOpenAPISecuritySchemes(t *testing.T) {
	refresh := &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 2 * time.Hour}
	ua := newUserApp(t, func(o *Options[*user.User]) {
		o.Backends = []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(testSecret, time.Hour), Refresh: refresh},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{Name: "session"}), Strategy: backend.JWT(testSecret, time.Hour)},
			{Name: "mobile", Transport: backend.Bearer("auth/mobile/login"), Strategy: backend.JWT(testSecret, time.Hour)},
			{Name: "same", Transport: backend.Cookie(backend.CookieOptions{Name: "session"}), Strategy: backend.JWT(testSecret, time.Hour)},
			{Name: "own", Transport: ownTransport{}, Strategy: backend.JWT(testSecret, time.Hour)},
		}
	}).ua
	doc := documentOf(t, ua)
	schemes, _ := json.Marshal(doc["components"].(map[string]any)["securitySchemes"])
	want := `{"APIKeyCookie":{"description":"The session cookie that POST /auth/cookie/login sets.","in":"cookie","name":"session","type":"apiKey"},` +
		`"OAuth2PasswordBearer":{"description":"Authorization: Bearer \u003caccess_token\u003e, the token of POST /auth/jwt/login.","flows":{"password":{"refreshUrl":"auth/jwt/refresh","scopes":{},"tokenUrl":"auth/jwt/login"}},"type":"oauth2"},` +
		`"OAuth2PasswordBearer_mobile":{"description":"Authorization: Bearer \u003caccess_token\u003e, the token of POST /auth/mobile/login.","flows":{"password":{"scopes":{},"tokenUrl":"auth/mobile/login"}},"type":"oauth2"}}`
	if string(schemes) != want {
		t.Errorf("security schemes\n got %s\nwant %s", schemes, want)
	}
	me := operations(doc)["GET /users/me"]
	security, _ := json.Marshal(me["security"])
	if string(security) != `[{"OAuth2PasswordBearer":[]},{"APIKeyCookie":[]},{"OAuth2PasswordBearer_mobile":[]}]` {
		t.Errorf("GET /users/me security %s", security)
	}
	if _, ok := operations(doc)["POST /auth/register"]["security"]; ok {
		t.Error("POST /auth/register asks for a credential")
	}
}

// ownTransport is a transport of the host's own, which the document
// cannot describe.
type ownTransport struct{}

func (ownTransport) Token(r *http.Request) (string, bool) {
	return r.Header.Get("X-Token"), r.Header.Get("X-Token") != ""
}
func (ownTransport) WriteLogin(w http.ResponseWriter, _ string) error { w.WriteHeader(200); return nil }
func (ownTransport) WriteLogout(w http.ResponseWriter) error          { w.WriteHeader(204); return nil }
func (ownTransport) CookieBased() bool                                { return false }

// docMember is a host's user type, like examples/custom-user's.
type docMember struct {
	user.Base
	DisplayName string            `json:"display_name" usersauth:"required"`
	Avatar      *string           `json:"avatar"`
	Plan        string            `json:"plan" usersauth:"superuser"`
	Score       int               `json:"score,omitempty"`
	Born        time.Time         `json:"born"`
	Labels      map[string]string `json:"labels"`
	Secret      string            `json:"-"`
}

// TestOpenAPIHostFields: the host's own fields are in UserRead (required
// unless omitted when empty), UserCreate (required as tagged, without the
// superuser's fields) and UserUpdate (none required), with their JSON
// types and nullability.
func TestOpenAPIHostFields(t *testing.T) {
	ua, err := New(Options[*docMember]{Store: memory.New[*docMember](), Secret: testSecret, Backends: testBackends()})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(ua.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas
	tests := []struct {
		schema, field, want string
	}{
		{"UserRead", "display_name", `{"type":"string"}`},
		{"UserRead", "avatar", `{"type":["string","null"]}`},
		{"UserRead", "plan", `{"description":"Only a superuser's PATCH /users/{id} sets it.","type":"string"}`},
		{"UserRead", "score", `{"type":"integer"}`},
		{"UserRead", "born", `{"type":"string","format":"date-time"}`},
		{"UserRead", "labels", `{"type":["object","null"],"additionalProperties":{"type":"string"}}`},
		{"UserCreate", "display_name", `{"type":"string"}`},
		{"UserCreate", "plan", ``},
		{"UserUpdate", "plan", `{"description":"Only a superuser's PATCH /users/{id} sets it.","type":"string"}`},
		{"UserUpdate", "avatar", `{"type":["string","null"]}`},
		{"UserRead", "Secret", ``},
		{"UserRead", "hashed_password", ``},
	}
	for _, tt := range tests {
		t.Run(tt.schema+"."+tt.field, func(t *testing.T) {
			got := string(s[tt.schema].Properties[tt.field])
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	required := map[string][]string{
		"UserRead":   {"id", "email", "is_active", "is_superuser", "is_verified", "display_name", "avatar", "plan", "born", "labels"},
		"UserCreate": {"email", "password", "display_name"},
		"UserUpdate": nil,
	}
	for name, want := range required {
		if got := s[name].Required; !slices.Equal(got, want) {
			t.Errorf("%s required %q, want %q", name, got, want)
		}
	}
}

// TestOpenAPIHandler: the handler serves the document as JSON, with a
// validator a client revalidates it with, and answers other methods 405.
func TestOpenAPIHandler(t *testing.T) {
	ua := newUserApp(t, nil).ua
	h := ua.OpenAPIHandler()
	serve := func(method string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/openapi.json", nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	get := serve(http.MethodGet)
	if get.Code != http.StatusOK || get.Header().Get("Content-Type") != "application/json" || get.Body.String() != string(ua.OpenAPI()) {
		t.Fatalf("GET: %d %s", get.Code, get.Header())
	}
	etag := get.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || get.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("GET headers %v", get.Header())
	}
	tests := []struct {
		name   string
		method string
		header []string
		status int
		body   string
	}{
		{"revalidated", http.MethodGet, []string{"If-None-Match", etag}, http.StatusNotModified, ""},
		{"changed", http.MethodGet, []string{"If-None-Match", `"other"`}, http.StatusOK, string(ua.OpenAPI())},
		{"head", http.MethodHead, nil, http.StatusOK, ""},
		{"post", http.MethodPost, nil, http.StatusMethodNotAllowed, `{"detail":"Method Not Allowed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(tt.method, tt.header...)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("%d %q, want %d %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
		})
	}
	if allow := serve(http.MethodPost).Header().Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow %q", allow)
	}
}

// TestOpenAPIDeterministic: two builds are byte for byte the same, so the
// ETag holds across instances of one configuration.
func TestOpenAPIDeterministic(t *testing.T) {
	a := newUserApp(t, everything).ua.OpenAPI()
	b := newUserApp(t, everything).ua.OpenAPI()
	if string(a) != string(b) {
		t.Error("two builds of one configuration differ")
	}
}

// BenchmarkOpenAPI is the cost of building the document with every option
// on.
func BenchmarkOpenAPI(b *testing.B) {
	ua := newUserApp(b, everything).ua
	b.ReportAllocs()
	for b.Loop() {
		_ = ua.OpenAPI()
	}
}
