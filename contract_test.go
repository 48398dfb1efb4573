package usersauth

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/user"
)

// world is a populated application: an ordinary user, a superuser, an
// inactive user and a deleted one, each with a bearer token.
type world struct {
	*testApp[*user.User]
	arthurID, bossID, sleepyID         uuid.UUID
	arthur, boss, sleepy, deleted      string
	expired, foreign, unverifiedSecond string
}

func newWorld(t *testing.T, configure func(*Options[*user.User])) *world {
	t.Helper()
	w := &world{testApp: newUserApp(t, configure)}
	w.arthurID = w.register("king.arthur@camelot.bt", "guinevere")
	w.bossID = w.register("merlin@camelot.bt", "avalon-mist")
	w.sleepyID = w.register("sleepy@camelot.bt", "zzzzzzzz")
	goneID := w.register("gone@camelot.bt", "farewell")
	for _, id := range []uuid.UUID{w.arthurID, w.bossID, w.sleepyID, goneID} {
		w.set(id, func(b *user.Base) { b.IsVerified = true })
	}
	w.set(w.bossID, func(b *user.Base) { b.IsSuperuser = true })
	w.arthur = w.login("king.arthur@camelot.bt", "guinevere")
	w.boss = w.login("merlin@camelot.bt", "avalon-mist")
	w.sleepy = w.login("sleepy@camelot.bt", "zzzzzzzz")
	w.deleted = w.login("gone@camelot.bt", "farewell")
	w.set(w.sleepyID, func(b *user.Base) { b.IsActive = false })
	if err := w.store.Delete(context.Background(), goneID); err != nil {
		t.Fatal(err)
	}
	past := backend.NewJWT(backend.JWTConfig{Secret: testSecret, Lifetime: time.Hour, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	var err error
	if w.expired, err = past.WriteToken(context.Background(), &user.Base{ID: w.arthurID}); err != nil {
		t.Fatal(err)
	}
	other := backend.JWT([]byte("another-secret-0123456789abcdef-0123456789"), time.Hour)
	if w.foreign, err = other.WriteToken(context.Background(), &user.Base{ID: w.arthurID}); err != nil {
		t.Fatal(err)
	}
	return w
}

// sameJSON compares two JSON documents by value.
type contractCase struct {
	name   string
	req    func(w *world) *req
	Status int
	Body   string // exact JSON by value; "" checks nothing, "-" an empty body
}

func runContract(t *testing.T, w *world, cases []contractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := w.do(tc.req(w))
			if res.Status != tc.Status {
				t.Fatalf("status %d, want %d; body %s", res.Status, tc.Status, res.Body)
			}
			switch tc.Body {
			case "":
			case "-":
				if len(res.Body) != 0 || res.Header.Get("Content-Type") != "" {
					t.Fatalf("want no body and no Content-Type, got %q (%q)", res.Body, res.Header.Get("Content-Type"))
				}
			default:
				if !sameJSON(t, res.Body, tc.Body) {
					t.Fatalf("body %s\nwant %s", res.Body, tc.Body)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/json" {
					t.Fatalf("Content-Type %q", ct)
				}
			}
			if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") != "" {
				t.Fatal("401 carries WWW-Authenticate")
			}
		})
	}
}

const (
	unauthorized     = `{"detail":"Unauthorized"}`
	forbidden        = `{"detail":"Forbidden"}`
	notFound         = `{"detail":"Not Found"}`
	badCredentials   = `{"detail":"LOGIN_BAD_CREDENTIALS"}`
	missingEmail     = `{"type":"missing","loc":["body","email"],"msg":"Field required","input":null}`
	missingPassword  = `{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}`
	missingUsername  = `{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}`
	missingBody      = `{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`
	tooShortPassword = `Password should be at least 8 characters`
)

func TestRegisterContract(t *testing.T) {
	w := newWorld(t, func(o *Options[*user.User]) {
		o.Hooks.ValidatePassword = func(_ context.Context, password string, u *user.User) error {
			if strings.Contains(password, "excalibur") {
				return user.InvalidPassword("Password should not contain excalibur")
			}
			return nil
		}
	})
	reg := func(body string) func(*world) *req {
		return func(*world) *req { return newReq("POST", "/auth/register").JSON(body) }
	}
	runContract(t, w, []contractCase{
		{"created", reg(`{"email":"percival@camelot.bt","password":"holy-grail"}`), 201, ""},
		{"duplicate", reg(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`), 400, `{"detail":"REGISTER_USER_ALREADY_EXISTS"}`},
		{"duplicate in another case", reg(`{"email":"King.Arthur@Camelot.bt","password":"guinevere"}`), 400, `{"detail":"REGISTER_USER_ALREADY_EXISTS"}`},
		{"duplicate in fullwidth letters", reg(`{"email":"ｋｉｎｇ.arthur@camelot.bt","password":"guinevere"}`), 400, `{"detail":"REGISTER_USER_ALREADY_EXISTS"}`},
		{"duplicate with a display name", reg(`{"email":"Arthur <king.arthur@camelot.bt>","password":"guinevere"}`), 400, `{"detail":"REGISTER_USER_ALREADY_EXISTS"}`},
		{"short password", reg(`{"email":"galahad@camelot.bt","password":"grail"}`), 400,
			`{"detail":{"code":"REGISTER_INVALID_PASSWORD","reason":"` + tooShortPassword + `"}}`},
		{"password check before duplicate check", reg(`{"email":"king.arthur@camelot.bt","password":"x"}`), 400,
			`{"detail":{"code":"REGISTER_INVALID_PASSWORD","reason":"` + tooShortPassword + `"}}`},
		{"hook refuses the password", reg(`{"email":"galahad@camelot.bt","password":"my-excalibur"}`), 400,
			`{"detail":{"code":"REGISTER_INVALID_PASSWORD","reason":"Password should not contain excalibur"}}`},
		{"password over 128 characters", reg(`{"email":"galahad@camelot.bt","password":"` + strings.Repeat("é", 129) + `"}`), 400,
			`{"detail":{"code":"REGISTER_INVALID_PASSWORD","reason":"Password should be at most 128 characters"}}`},
		{"missing email", reg(`{"password":"guinevere"}`), 422, `{"detail":[` + missingEmail + `]}`},
		{"missing both", reg(`{}`), 422, `{"detail":[` + missingEmail + `,` + missingPassword + `]}`},
		{"empty body", reg(``), 422, missingBody},
		{"whitespace body", reg(" \n"), 422, missingBody},
		{"array body", reg(`[]`), 422, `{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":null}]}`},
		{"null body", reg(`null`), 422, `{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":null}]}`},
		{"malformed JSON", reg(`{"email": }`), 422, `{"detail":[{"type":"json_invalid","loc":["body",10],"msg":"JSON decode error","input":{},"ctx":{"error":"invalid character '}' looking for beginning of value"}}]}`},
		{"trailing data", reg(`{"email":"a@camelot.bt","password":"guinevere"} x`), 422, `{"detail":[{"type":"json_invalid","loc":["body",48],"msg":"JSON decode error","input":{},"ctx":{"error":"Extra data"}}]}`},
		{"two JSON values", reg(`{} {}`), 422, `{"detail":[{"type":"json_invalid","loc":["body",3],"msg":"JSON decode error","input":{},"ctx":{"error":"Extra data"}}]}`},
		{"invalid UTF-8", reg("{\"email\":\"a\xff@camelot.bt\",\"password\":\"guinevere\"}"), 422, `{"detail":[{"type":"json_invalid","loc":["body",11],"msg":"JSON decode error","input":{},"ctx":{"error":"Invalid UTF-8"}}]}`},
		{"duplicate key", reg(`{"email":"a@camelot.bt","email":"b@camelot.bt","password":"guinevere"}`), 422, `{"detail":[{"type":"json_invalid","loc":["body",24],"msg":"JSON decode error","input":{},"ctx":{"error":"Duplicate key \"email\""}}]}`},
		{"email not a string", reg(`{"email":42,"password":"guinevere"}`), 422, `{"detail":[{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":42}]}`},
		{"email null", reg(`{"email":null,"password":"guinevere"}`), 422, `{"detail":[{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":null}]}`},
		{"password not a string is not echoed", reg(`{"email":"a@camelot.bt","password":12345678}`), 422, `{"detail":[{"type":"string_type","loc":["body","password"],"msg":"Input should be a valid string","input":null}]}`},
		{"password null", reg(`{"email":"a@camelot.bt","password":null}`), 422, `{"detail":[{"type":"string_type","loc":["body","password"],"msg":"Input should be a valid string","input":null}]}`},
		{"text content type", func(*world) *req {
			return newReq("POST", "/auth/register").Raw("text/plain", `{"email":"a@camelot.bt","password":"guinevere"}`)
		}, 422, ""},
		{"json suffix content type", func(*world) *req {
			return newReq("POST", "/auth/register").Raw("application/vnd.api+json", `{"email":"lamorak@camelot.bt","password":"guinevere"}`)
		}, 201, ""},
		{"no content type", func(*world) *req {
			return newReq("POST", "/auth/register").Raw("", `{"email":"gawain@camelot.bt","password":"guinevere"}`)
		}, 201, ""},
		{"body over 64 KiB", reg(`{"email":"a@camelot.bt","password":"guinevere","pad":"` + strings.Repeat("x", 64<<10) + `"}`), 413, `{"detail":"Request Entity Too Large"}`},
	})
	t.Run("invalid email", func(t *testing.T) {
		res := w.do(newReq("POST", "/auth/register").JSON(`{"email":"arthur@localhost","password":"guinevere"}`))
		if res.Status != 422 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		var body struct {
			Detail []wire.ValidationError `json:"detail"`
		}
		json.Unmarshal(res.Body, &body)
		if len(body.Detail) != 1 || body.Detail[0].Type != "value_error" || !strings.HasPrefix(body.Detail[0].Msg, "value is not a valid email address: ") ||
			!reflect.DeepEqual(body.Detail[0].Loc, []any{"body", "email"}) {
			t.Fatalf("%s", res.Body)
		}
	})
}

func TestLoginContract(t *testing.T) {
	w := newWorld(t, nil)
	login := func(fields ...string) func(*world) *req {
		return func(*world) *req { return newReq("POST", "/auth/jwt/login").Form(fields...) }
	}
	runContract(t, w, []contractCase{
		{"ok", login("username", "king.arthur@camelot.bt", "password", "guinevere"), 200, ""},
		{"ok multipart", func(*world) *req {
			return newReq("POST", "/auth/jwt/login").Multipart("username", "king.arthur@camelot.bt", "password", "guinevere")
		}, 200, ""},
		{"username in another case", login("username", "KING.ARTHUR@camelot.bt", "password", "guinevere"), 200, ""},
		{"grant_type password", login("grant_type", "password", "username", "king.arthur@camelot.bt", "password", "guinevere", "scope", "x", "client_id", "y"), 200, ""},
		{"wrong password", login("username", "king.arthur@camelot.bt", "password", "Guinevere"), 400, badCredentials},
		{"unknown e-mail", login("username", "mordred@camelot.bt", "password", "guinevere"), 400, badCredentials},
		{"inactive user", login("username", "sleepy@camelot.bt", "password", "zzzzzzzz"), 400, badCredentials},
		{"padded username", login("username", " king.arthur@camelot.bt", "password", "guinevere"), 400, badCredentials},
		{"password over 1024 bytes", login("username", "king.arthur@camelot.bt", "password", strings.Repeat("p", 1025)), 400, badCredentials},
		{"missing username", login("password", "guinevere"), 422, `{"detail":[` + missingUsername + `]}`},
		{"empty password", login("username", "king.arthur@camelot.bt", "password", ""), 422, `{"detail":[` + missingPassword + `]}`},
		{"bad grant_type", login("grant_type", "client_credentials", "username", "king.arthur@camelot.bt", "password", "guinevere"), 422,
			`{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":"client_credentials","ctx":{"pattern":"^password$"}}]}`},
		{"JSON is not a form", func(*world) *req {
			return newReq("POST", "/auth/jwt/login").JSON(`{"username":"king.arthur@camelot.bt","password":"guinevere"}`)
		}, 422, `{"detail":[` + missingUsername + `,` + missingPassword + `]}`},
		{"broken multipart", func(*world) *req {
			return newReq("POST", "/auth/jwt/login").Raw("multipart/form-data; boundary=zzz", "--zzz\r\nbroken")
		}, 400, `{"detail":"There was an error parsing the body"}`},
		{"body over 64 KiB", login("username", "king.arthur@camelot.bt", "password", "guinevere", "pad", strings.Repeat("x", 64<<10)), 413, `{"detail":"Request Entity Too Large"}`},
		{"cookie backend", func(*world) *req {
			return newReq("POST", "/auth/cookie/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere")
		}, 204, "-"},
	})
	t.Run("failures are byte-identical", func(t *testing.T) {
		var first []byte
		for _, fields := range [][]string{
			{"username", "king.arthur@camelot.bt", "password", "wrong-password"},
			{"username", "nobody@camelot.bt", "password", "wrong-password"},
			{"username", "sleepy@camelot.bt", "password", "zzzzzzzz"},
		} {
			res := w.do(newReq("POST", "/auth/jwt/login").Form(fields...))
			if first == nil {
				first = res.Body
			}
			if res.Status != 400 || string(res.Body) != string(first) || len(res.Header) != 1 {
				t.Fatalf("%v: %d %s %v", fields, res.Status, res.Body, res.Header)
			}
		}
	})
}

func TestLogoutContract(t *testing.T) {
	w := newWorld(t, nil)
	logout := func(path string, token func(*world) string) func(*world) *req {
		return func(w *world) *req { return newReq("POST", path).Bearer(token(w)) }
	}
	runContract(t, w, []contractCase{
		{"no token", func(*world) *req { return newReq("POST", "/auth/jwt/logout") }, 401, unauthorized},
		{"garbage token", logout("/auth/jwt/logout", func(*world) string { return "garbage" }), 401, unauthorized},
		{"expired token", logout("/auth/jwt/logout", func(w *world) string { return w.expired }), 401, unauthorized},
		{"inactive user", logout("/auth/jwt/logout", func(w *world) string { return w.sleepy }), 401, unauthorized},
		{"deleted user", logout("/auth/jwt/logout", func(w *world) string { return w.deleted }), 401, unauthorized},
		{"ok", logout("/auth/jwt/logout", func(w *world) string { return w.arthur }), 204, "-"},
		{"bearer token on the cookie backend", logout("/auth/cookie/logout", func(w *world) string { return w.arthur }), 204, ""},
		{"cookie", func(w *world) *req { return newReq("POST", "/auth/cookie/logout").AuthCookie(w.arthur) }, 204, ""},
	})
}

func TestUsersMeContract(t *testing.T) {
	w := newWorld(t, nil)
	me := func(token func(*world) string) func(*world) *req {
		return func(w *world) *req { return newReq("GET", "/users/me").Bearer(token(w)) }
	}
	patch := func(body string, token func(*world) string) func(*world) *req {
		return func(w *world) *req {
			r := newReq("PATCH", "/users/me").JSON(body)
			if token != nil {
				r.Bearer(token(w))
			}
			return r
		}
	}
	arthur := func(w *world) string { return w.arthur }
	runContract(t, w, []contractCase{
		{"no token", func(*world) *req { return newReq("GET", "/users/me") }, 401, unauthorized},
		{"empty bearer", func(*world) *req { return newReq("GET", "/users/me").With("Authorization", "Bearer ") }, 401, unauthorized},
		{"other scheme", func(w *world) *req { return newReq("GET", "/users/me").With("Authorization", "Basic "+w.arthur) }, 401, unauthorized},
		{"scheme in capitals", func(w *world) *req { return newReq("GET", "/users/me").With("Authorization", "BEARER "+w.arthur) }, 200, ""},
		{"garbage", me(func(*world) string { return "garbage" }), 401, unauthorized},
		{"token over 8 KiB", me(func(*world) string { return strings.Repeat("a", 8<<10+1) }), 401, unauthorized},
		{"expired", me(func(w *world) string { return w.expired }), 401, unauthorized},
		{"signed with another secret", me(func(w *world) string { return w.foreign }), 401, unauthorized},
		{"deleted user", me(func(w *world) string { return w.deleted }), 401, unauthorized},
		{"inactive user", me(func(w *world) string { return w.sleepy }), 401, unauthorized},
		{"ok", me(arthur), 200, ""},
		{"empty cookie", func(*world) *req { return newReq("GET", "/users/me").With("Cookie", "fastapiusersauth=") }, 401, unauthorized},
		{"cookie", func(w *world) *req { return newReq("GET", "/users/me").AuthCookie(w.arthur) }, 200, ""},
		{"bad bearer, good cookie", func(w *world) *req { return newReq("GET", "/users/me").Bearer("garbage").AuthCookie(w.arthur) }, 200, ""},

		{"patch: no token, no body", func(*world) *req { return newReq("PATCH", "/users/me") }, 401, unauthorized},
		{"patch: malformed JSON before authentication", patch(`{"email":`, nil), 422, ""},
		{"patch: no token, valid body", patch(`{}`, nil), 401, unauthorized},
		{"patch: no token, invalid field", patch(`{"email":"not-an-email"}`, nil), 401, unauthorized},
		{"patch: inactive user", patch(`{}`, func(w *world) string { return w.sleepy }), 401, unauthorized},
		{"patch: empty object", patch(`{}`, arthur), 200, ""},
		{"patch: empty body", patch(``, arthur), 422, missingBody},
		{"patch: null password leaves it alone", patch(`{"password":null}`, arthur), 200, ""},
		{"patch: null email", patch(`{"email":null}`, arthur), 422, `{"detail":[{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":null}]}`},
		{"patch: invalid email", patch(`{"email":"arthur"}`, arthur), 422, ""},
		{"patch: short password", patch(`{"password":"short"}`, arthur), 400,
			`{"detail":{"code":"UPDATE_USER_INVALID_PASSWORD","reason":"` + tooShortPassword + `"}}`},
		{"patch: e-mail of another user", patch(`{"email":"Merlin@camelot.bt"}`, arthur), 400, `{"detail":"UPDATE_USER_EMAIL_ALREADY_EXISTS"}`},
		{"patch: flags ignored", patch(`{"is_superuser":true,"is_active":false,"is_verified":false,"id":"00000000-0000-4000-8000-000000000000"}`, arthur), 200, ""},
	})
	got := w.get(w.arthurID)
	if got.IsSuperuser || !got.IsActive || !got.IsVerified || got.Email != "king.arthur@camelot.bt" {
		t.Fatalf("PATCH /users/me changed what it must not: %+v", got.Base)
	}
	if _, err := w.ua.Manager().Authenticate(context.Background(), "king.arthur@camelot.bt", "guinevere"); err != nil {
		t.Fatalf("a refused or null password change changed the password: %v", err)
	}
}

func TestUsersByIDContract(t *testing.T) {
	w := newWorld(t, nil)
	path := func(w *world) string { return "/users/" + w.arthurID.String() }
	unknown := "/users/" + uuid.New().String()
	as := func(method string, p func(*world) string, token func(*world) string, body string) func(*world) *req {
		return func(w *world) *req {
			r := newReq(method, p(w))
			if body != "" {
				r.JSON(body)
			}
			if token != nil {
				r.Bearer(token(w))
			}
			return r
		}
	}
	boss := func(w *world) string { return w.boss }
	arthur := func(w *world) string { return w.arthur }
	fixed := func(p string) func(*world) string { return func(*world) string { return p } }
	runContract(t, w, []contractCase{
		{"get: no token", as("GET", path, nil, ""), 401, unauthorized},
		{"get: not a superuser", as("GET", path, arthur, ""), 403, forbidden},
		{"get: not a superuser, unknown id", as("GET", fixed(unknown), arthur, ""), 403, forbidden},
		{"get: not a superuser, own id", func(w *world) *req { return newReq("GET", "/users/"+w.arthurID.String()).Bearer(w.arthur) }, 403, forbidden},
		{"get: inactive superuser", func(w *world) *req {
			return newReq("GET", "/users/"+w.arthurID.String()).Bearer(w.sleepy)
		}, 401, unauthorized},
		{"get: unknown id", as("GET", fixed(unknown), boss, ""), 404, notFound},
		{"get: unparsable id", as("GET", fixed("/users/not-a-uuid"), boss, ""), 404, notFound},
		{"get: ok", as("GET", path, boss, ""), 200, ""},
		{"get: un-dashed upper-case id", func(w *world) *req {
			return newReq("GET", "/users/"+strings.ToUpper(strings.ReplaceAll(w.arthurID.String(), "-", ""))).Bearer(w.boss)
		}, 200, ""},

		{"patch: no token, bad body", as("PATCH", path, nil, `{"is_active":"yes"}`), 401, unauthorized},
		{"patch: malformed JSON first", as("PATCH", path, nil, `{`), 422, ""},
		{"patch: not a superuser, bad body", as("PATCH", fixed(unknown), arthur, `{"is_active":"yes"}`), 403, forbidden},
		{"patch: unknown id, bad body", as("PATCH", fixed(unknown), boss, `{"is_active":"yes"}`), 404, notFound},
		{"patch: flag of the wrong type", as("PATCH", path, boss, `{"is_active":"yes"}`), 422,
			`{"detail":[{"type":"bool_type","loc":["body","is_active"],"msg":"Input should be a valid boolean","input":"yes"}]}`},
		{"patch: null flag", as("PATCH", path, boss, `{"is_superuser":null}`), 422,
			`{"detail":[{"type":"bool_type","loc":["body","is_superuser"],"msg":"Input should be a valid boolean","input":null}]}`},
		{"patch: e-mail taken", as("PATCH", path, boss, `{"email":"merlin@camelot.bt"}`), 400, `{"detail":"UPDATE_USER_EMAIL_ALREADY_EXISTS"}`},
		{"patch: short password", as("PATCH", path, boss, `{"password":"short"}`), 400,
			`{"detail":{"code":"UPDATE_USER_INVALID_PASSWORD","reason":"` + tooShortPassword + `"}}`},
		{"patch: empty object", as("PATCH", path, boss, `{}`), 200, ""},

		{"delete: no token", as("DELETE", path, nil, ""), 401, unauthorized},
		{"delete: not a superuser", as("DELETE", path, arthur, ""), 403, forbidden},
		{"delete: unknown id", as("DELETE", fixed(unknown), boss, ""), 404, notFound},
		{"delete: unparsable id", as("DELETE", fixed("/users/me-not"), boss, ""), 404, notFound},
	})
}

func TestSuperuserPatchFlagsAndEmail(t *testing.T) {
	w := newWorld(t, nil)
	patch := func(body string) map[string]any {
		t.Helper()
		res := w.do(newReq("PATCH", "/users/"+w.arthurID.String()).Bearer(w.boss).JSON(body))
		if res.Status != 200 {
			t.Fatalf("%s: %d %s", body, res.Status, res.Body)
		}
		return res.JSON(t)
	}
	if u := patch(`{"email":"arthur.pendragon@camelot.bt"}`); u["is_verified"] != false || u["email"] != "arthur.pendragon@camelot.bt" {
		t.Fatalf("changing the e-mail must clear is_verified: %v", u)
	}
	if u := patch(`{"email":"king.arthur@camelot.bt","is_verified":true}`); u["is_verified"] != true {
		t.Fatalf("a superuser setting is_verified with the e-mail keeps it: %v", u)
	}
	if u := patch(`{"is_superuser":true,"is_active":false}`); u["is_superuser"] != true || u["is_active"] != false {
		t.Fatalf("flags not applied: %v", u)
	}
	// Deactivated: the user's token stops working at once.
	if res := w.do(newReq("GET", "/users/me").Bearer(w.arthur)); res.Status != 401 {
		t.Fatalf("deactivated user still authenticated: %d", res.Status)
	}
	if u := patch(`{"password":"new-password-1"}`); u["is_active"] != false {
		t.Fatal(u)
	}
	if _, err := w.ua.Manager().Authenticate(context.Background(), "king.arthur@camelot.bt", "new-password-1"); err == nil {
		t.Fatal("an inactive user authenticated")
	}
	patch(`{"is_active":true}`)
	if _, err := w.ua.Manager().Authenticate(context.Background(), "king.arthur@camelot.bt", "new-password-1"); err != nil {
		t.Fatalf("the superuser's password change did not take: %v", err)
	}
}

func TestUserChangesOwnEmail(t *testing.T) {
	w := newWorld(t, nil)
	res := w.do(newReq("PATCH", "/users/me").Bearer(w.arthur).JSON(`{"email":" Arthur <Arthur.Pendragon@CAMELOT.bt> "}`))
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if u := res.JSON(t); u["email"] != "Arthur.Pendragon@camelot.bt" || u["is_verified"] != false {
		t.Fatalf("%v", u)
	}
	// Same address again: nothing changes, not even is_verified.
	w.set(w.arthurID, func(b *user.Base) { b.IsVerified = true })
	res = w.do(newReq("PATCH", "/users/me").Bearer(w.arthur).JSON(`{"email":"Arthur.Pendragon@camelot.bt"}`))
	if u := res.JSON(t); u["is_verified"] != true {
		t.Fatalf("re-sending the same e-mail cleared is_verified: %v", u)
	}
	// Another spelling of one's own address is not "taken".
	res = w.do(newReq("PATCH", "/users/me").Bearer(w.arthur).JSON(`{"email":"arthur.pendragon@camelot.bt"}`))
	if res.Status != 200 {
		t.Fatalf("changing the case of one's own e-mail: %d %s", res.Status, res.Body)
	}
}

func TestSuperuserDelete(t *testing.T) {
	w := newWorld(t, nil)
	res := w.do(newReq("DELETE", "/users/"+w.arthurID.String()).Bearer(w.boss))
	if res.Status != 204 || len(res.Body) != 0 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res := w.do(newReq("GET", "/users/me").Bearer(w.arthur)); res.Status != 401 {
		t.Fatalf("deleted user's token still works: %d", res.Status)
	}
	if res := w.do(newReq("DELETE", "/users/"+w.arthurID.String()).Bearer(w.boss)); res.Status != 404 {
		t.Fatalf("second delete: %d", res.Status)
	}
	// The address is free again.
	w.register("king.arthur@camelot.bt", "guinevere")
}

func TestRequireVerification(t *testing.T) {
	w := newWorld(t, func(o *Options[*user.User]) { o.RequireVerification = true })
	fresh := w.register("galahad@camelot.bt", "holy-grail")
	runContract(t, w, []contractCase{
		{"login unverified", func(*world) *req {
			return newReq("POST", "/auth/jwt/login").Form("username", "galahad@camelot.bt", "password", "holy-grail")
		}, 400, `{"detail":"LOGIN_USER_NOT_VERIFIED"}`},
		{"login unverified with a wrong password", func(*world) *req {
			return newReq("POST", "/auth/jwt/login").Form("username", "galahad@camelot.bt", "password", "holy-grail!")
		}, 400, badCredentials},
		{"login verified", func(*world) *req {
			return newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere")
		}, 200, ""},
	})
	w.set(fresh, func(b *user.Base) { b.IsVerified = true })
	token := w.login("galahad@camelot.bt", "holy-grail")
	w.set(fresh, func(b *user.Base) { b.IsVerified = false })
	runContract(t, w, []contractCase{
		{"me unverified", func(*world) *req { return newReq("GET", "/users/me").Bearer(token) }, 403, forbidden},
		{"patch me unverified", func(*world) *req { return newReq("PATCH", "/users/me").Bearer(token).JSON(`{}`) }, 403, forbidden},
		{"logout unverified", func(*world) *req { return newReq("POST", "/auth/jwt/logout").Bearer(token) }, 403, forbidden},
		{"me verified", func(w *world) *req { return newReq("GET", "/users/me").Bearer(w.arthur) }, 200, ""},
	})
}

func TestUnknownRoutes(t *testing.T) {
	w := newWorld(t, nil)
	for _, tc := range []struct {
		method, path string
		Status       int
		allow        string
	}{
		{"GET", "/auth/nowhere", 404, ""},
		// FastAPI answers the bare prefixes 404; the standard library's
		// mux would redirect them to /auth/ and /users/. GET /users is our
		// listing (handlers_list_test.go).
		{"GET", "/auth", 404, ""},
		{"POST", "/users", 405, "GET, HEAD"},
		{"POST", "/auth", 404, ""},
		{"GET", "/auth/", 404, ""},
		{"GET", "/users/", 404, ""},
		{"GET", "/users/me/avatar", 404, ""},
		{"POST", "/auth/unknown-backend/login", 404, ""},
		{"GET", "/auth/jwt/login", 405, "POST"},
		{"PUT", "/users/me", 405, "GET, HEAD, PATCH, DELETE"}, // DELETE /users/{id} takes "me" as an id, as in FastAPI Users
		{"POST", "/users/" + uuid.NewString(), 405, "GET, HEAD, PATCH, DELETE"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := w.do(newReq(tc.method, tc.path))
			want := `{"detail":"Not Found"}`
			if tc.Status == 405 {
				want = `{"detail":"Method Not Allowed"}`
			}
			if res.Status != tc.Status || !sameJSON(t, res.Body, want) || res.Header.Get("Allow") != tc.allow {
				t.Fatalf("%d %s Allow=%q", res.Status, res.Body, res.Header.Get("Allow"))
			}
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	good := func() Options[*user.User] {
		return Options[*user.User]{Store: newUserApp(t, nil).store, Secret: testSecret, Backends: testBackends()}
	}
	for _, tc := range []struct {
		name   string
		change func(*Options[*user.User])
	}{
		{"no store", func(o *Options[*user.User]) { o.Store = nil }},
		{"short secret", func(o *Options[*user.User]) { o.Secret = []byte("short") }},
		{"no backends", func(o *Options[*user.User]) { o.Backends = nil }},
		{"duplicate backend names", func(o *Options[*user.User]) { o.Backends[1].Name = o.Backends[0].Name }},
		{"empty backend name", func(o *Options[*user.User]) { o.Backends[0].Name = "" }},
		{"slash in backend name", func(o *Options[*user.User]) { o.Backends[0].Name = "a/b" }},
		{"no transport", func(o *Options[*user.User]) { o.Backends[0].Transport = nil }},
		{"no strategy", func(o *Options[*user.User]) { o.Backends[0].Strategy = nil }},
		{"strategy with a short secret", func(o *Options[*user.User]) { o.Backends[0].Strategy = backend.JWT([]byte("short"), time.Hour) }},
		{"bad trusted origin", func(o *Options[*user.User]) { o.TrustedOrigins = []string{"not a url"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good()
			tc.change(&o)
			if _, err := New(o); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
	if _, err := New(good()); err != nil {
		t.Fatalf("good options refused: %v", err)
	}
}
