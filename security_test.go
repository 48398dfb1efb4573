package usersauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestConcurrentRegistrationOfOneEmail: 50 goroutines register one address in
// several spellings; exactly one gets 201.
func TestConcurrentRegistrationOfOneEmail(t *testing.T) {
	ta := newUserApp(t, nil)
	spellings := []string{"king.arthur@camelot.bt", "King.Arthur@camelot.bt", "KING.ARTHUR@CAMELOT.BT", "ｋｉｎｇ.arthur@camelot.bt", " king.arthur@Camelot.BT "}
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Go(func() {
			body := fmt.Sprintf(`{"email":%q,"password":"guinevere"}`, spellings[i%len(spellings)])
			statuses[i] = ta.do(newReq("POST", "/auth/register").JSON(body)).Status
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusBadRequest:
		default:
			t.Fatalf("unexpected status %d", s)
		}
	}
	if created != 1 {
		t.Fatalf("%d registrations succeeded, want exactly 1", created)
	}
}

// TestNoPrivilegeEscalation: no spelling of a privileged key in a
// registration or a PATCH /users/me sets it.
func TestNoPrivilegeEscalation(t *testing.T) {
	ta := newUserApp(t, nil)
	keys := []string{
		`"is_superuser":true`, `"IS_SUPERUSER":true`, `"Is_Superuser":true`, `"IsSuperuser":true`, `"isSuperuser":true`,
		`"is_superuser ":true`, `"is_\u0073uperuser":true`, `"is_ſuperuser":true`,
		`"is_verified":true`, `"IsVerified":true`, `"IS_VERIFIED":true`,
		`"is_active":false`, `"IsActive":false`,
		`"id":"00000000-0000-4000-8000-000000000001"`, `"ID":"00000000-0000-4000-8000-000000000001"`,
		`"hashed_password":"$2b$04$abcdefghijklmnopqrstuu"`, `"HashedPassword":"x"`,
	}
	for i, k := range keys {
		t.Run("register "+k, func(t *testing.T) {
			email := fmt.Sprintf("knight%d@camelot.bt", i)
			res := ta.do(newReq("POST", "/auth/register").JSON(`{"email":"` + email + `","password":"guinevere",` + k + `}`))
			if res.Status != 201 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			u, err := ta.store.GetByEmail(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			if u.IsSuperuser || u.IsVerified || !u.IsActive || u.ID.String() == "00000000-0000-4000-8000-000000000001" {
				t.Fatalf("registration set a privileged field: %+v", u.Base)
			}
			token := ta.login(email, "guinevere")
			res = ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{` + k + `}`))
			if res.Status != 200 {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			u2, _ := ta.store.GetByEmail(context.Background(), email)
			if u2.Base != u.Base {
				t.Fatalf("PATCH /users/me changed a privileged field: %+v -> %+v", u.Base, u2.Base)
			}
		})
	}
}

// member is a host's user type with fields of its own.
type member struct {
	user.Base
	Nickname string   `json:"nickname" usersauth:"required"`
	Plan     string   `json:"plan" usersauth:"superuser"`
	Age      *int     `json:"age,omitempty"`
	Tags     []string `json:"tags"`
	Secret   string   `json:"-"`
}

func TestHostFields(t *testing.T) {
	ta := newApp[*member](t, nil)
	reg := func(body string) response { return ta.do(newReq("POST", "/auth/register").JSON(body)) }

	res := reg(`{"email":"a@camelot.bt","password":"guinevere"}`)
	if res.Status != 422 || !sameJSON(t, res.Body, `{"detail":[{"type":"missing","loc":["body","nickname"],"msg":"Field required","input":null}]}`) {
		t.Fatalf("required host field: %d %s", res.Status, res.Body)
	}
	res = reg(`{"email":"a@camelot.bt","password":"guinevere","nickname":null,"age":"old","tags":"x"}`)
	if res.Status != 422 || !sameJSON(t, res.Body, `{"detail":[
		{"type":"string_type","loc":["body","nickname"],"msg":"Input should be a valid string","input":null},
		{"type":"int_type","loc":["body","age"],"msg":"Input should be a valid integer","input":"old"},
		{"type":"list_type","loc":["body","tags"],"msg":"Input should be a valid list","input":"x"}]}`) {
		t.Fatalf("host field types: %d %s", res.Status, res.Body)
	}
	res = reg(`{"email":"a@camelot.bt","password":"guinevere","nickname":"Wart","plan":"gold","Plan":"gold","Secret":"s","age":null,"tags":["king"],"NICKNAME":"x"}`)
	if res.Status != 201 || !sameJSON(t, res.Body, `{"id":"`+res.JSON(t)["id"].(string)+`","email":"a@camelot.bt","is_active":true,"is_superuser":false,"is_verified":false,"nickname":"Wart","plan":"","tags":["king"]}`) {
		t.Fatalf("register with host fields: %d %s", res.Status, res.Body)
	}
	id := res.JSON(t)["id"].(string)
	token := ta.login("a@camelot.bt", "guinevere")
	res = ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"nickname":"Arthur","plan":"platinum","age":30}`))
	if res.Status != 200 || res.JSON(t)["nickname"] != "Arthur" || res.JSON(t)["plan"] != "" || res.JSON(t)["age"] != float64(30) {
		t.Fatalf("patch me with host fields: %d %s", res.Status, res.Body)
	}
	res = ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"nickname":null}`))
	if res.Status != 422 {
		t.Fatalf("null for a non-nullable host field: %d %s", res.Status, res.Body)
	}
	res = ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"age":null}`))
	if res.Status != 200 || res.JSON(t)["age"] != nil {
		t.Fatalf("null for a nullable host field: %d %s", res.Status, res.Body)
	}
	ta.set(mustUUID(t, id), func(b *user.Base) { b.IsSuperuser = true })
	res = ta.do(newReq("PATCH", "/users/"+id).Bearer(token).JSON(`{"plan":"platinum"}`))
	if res.Status != 200 || res.JSON(t)["plan"] != "platinum" {
		t.Fatalf("superuser sets a superuser-only field: %d %s", res.Status, res.Body)
	}
	res = ta.do(newReq("GET", "/users/me").Bearer(token))
	if m := res.JSON(t); m["nickname"] != "Arthur" || m["plan"] != "platinum" || strings.Contains(string(res.Body), "hashed") {
		t.Fatalf("GET /users/me: %s", res.Body)
	}
}

func TestNewRefusesBadUserTypes(t *testing.T) {
	type reserved struct {
		user.Base
		Email2 string `json:"email"`
	}
	type badTag struct {
		user.Base
		X string `usersauth:"sometimes"`
	}
	check := func(name string, err error) {
		if err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	_, err := New(Options[*reserved]{Store: memory.New[*reserved](), Secret: testSecret, Backends: testBackends()})
	check("reserved name", err)
	_, err = New(Options[*badTag]{Store: memory.New[*badTag](), Secret: testSecret, Backends: testBackends()})
	check("unknown tag option", err)
}

func TestCSRFOnCookieRequests(t *testing.T) {
	ta := newUserApp(t, func(o *Options[*user.User]) { o.TrustedOrigins = []string{"https://app.camelot.bt"} })
	ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	for _, tc := range []struct {
		name   string
		r      *req
		Status int
	}{
		{"cookie login cross-site", newReq("POST", "/auth/cookie/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere").With("Sec-Fetch-Site", "cross-site"), 403},
		{"cookie login same-origin", newReq("POST", "/auth/cookie/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere").With("Sec-Fetch-Site", "same-origin"), 204},
		{"cookie login from curl", newReq("POST", "/auth/cookie/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"), 204},
		{"bearer login cross-site", newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere").With("Sec-Fetch-Site", "cross-site"), 200},
		{"cookie patch cross-site", newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`).With("Sec-Fetch-Site", "cross-site"), 403},
		{"cookie patch from a foreign origin", newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`).With("Origin", "https://evil.example"), 403},
		{"cookie patch from a trusted origin", newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`).With("Origin", "https://app.camelot.bt"), 200},
		{"cookie patch from curl", newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`), 200},
		{"cookie get cross-site", newReq("GET", "/users/me").AuthCookie(token).With("Sec-Fetch-Site", "cross-site"), 200},
		{"bearer patch cross-site", newReq("PATCH", "/users/me").Bearer(token).JSON(`{}`).With("Sec-Fetch-Site", "cross-site"), 200},
		{"cookie logout cross-site", newReq("POST", "/auth/cookie/logout").AuthCookie(token).With("Sec-Fetch-Site", "cross-site"), 403},
		{"cookie logout same-origin", newReq("POST", "/auth/cookie/logout").AuthCookie(token).With("Sec-Fetch-Site", "same-origin"), 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := ta.do(tc.r); res.Status != tc.Status {
				t.Fatalf("%d, want %d: %s", res.Status, tc.Status, res.Body)
			}
		})
	}
	t.Run("host handler", func(t *testing.T) {
		h := ta.ua.RequireUser(Active)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
		mux := http.NewServeMux()
		mux.Handle("/notes", h)
		ta2 := *ta
		ta2.handler = mux
		if res := ta2.do(newReq("POST", "/notes").AuthCookie(token).With("Sec-Fetch-Site", "cross-site")); res.Status != 403 {
			t.Fatalf("cross-site cookie POST to a host handler: %d", res.Status)
		}
		if res := ta2.do(newReq("POST", "/notes").AuthCookie(token)); res.Status != 204 {
			t.Fatalf("cookie POST to a host handler: %d", res.Status)
		}
	})
}

// panickingHasher is host code the Manager does not guard: its panic
// reaches the router's recover.
type panickingHasher struct{ user.PasswordHasher }

func (panickingHasher) Hash(context.Context, string) (string, error) {
	fields := strings.Fields("")
	_ = fields[len(fields)] // a runtime error
	return "", nil
}

func TestPanicIsAJSON500(t *testing.T) {
	ta := newUserApp(t, func(o *Options[*user.User]) { o.Hasher = panickingHasher{o.Hasher} })
	res := ta.do(newReq("POST", "/auth/register").JSON(`{"email":"a@camelot.bt","password":"guinevere-secret-pw"}`))
	if res.Status != 500 || !sameJSON(t, res.Body, `{"detail":"Internal Server Error"}`) {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	logs := ta.logText()
	if !strings.Contains(logs, "panic") || strings.Contains(logs, "guinevere-secret-pw") {
		t.Fatalf("panic log: %s", logs)
	}
}

func TestFailingHooksDoNotChangeAnswers(t *testing.T) {
	fail := func(context.Context, *user.User) error { return fmt.Errorf("mail server down") }
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Hooks.AfterRegister = fail
		o.Hooks.AfterLogin = fail
		o.Hooks.AfterDelete = fail
		o.Hooks.AfterUpdate = func(context.Context, *user.User, []string) error { return fmt.Errorf("audit down") }
	})
	id := ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	if res := ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"password":"lancelot-pw"}`)); res.Status != 200 {
		t.Fatalf("patch: %d", res.Status)
	}
	ta.set(id, func(b *user.Base) { b.IsSuperuser = true })
	if res := ta.do(newReq("DELETE", "/users/"+id.String()).Bearer(token)); res.Status != 204 {
		t.Fatalf("delete: %d", res.Status)
	}
	if !strings.Contains(ta.logText(), "mail server down") {
		t.Fatal("hook failure not logged")
	}
}

func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	record := func(s string) {
		mu.Lock()
		calls = append(calls, s)
		mu.Unlock()
	}
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Hooks = user.Hooks[*user.User]{
			AfterRegister: func(ctx context.Context, u *user.User) error {
				if r, ok := RequestFrom(ctx); !ok || r.URL.Path != "/auth/register" {
					t.Error("AfterRegister without its request")
				}
				record("register " + u.Email)
				return nil
			},
			AfterLogin: func(ctx context.Context, u *user.User) error { record("login " + u.Email); return nil },
			AfterUpdate: func(ctx context.Context, u *user.User, changed []string) error {
				record(fmt.Sprintf("update %s %v", u.Email, changed))
				return nil
			},
			BeforeDelete: func(ctx context.Context, u *user.User) error {
				if u.Email == "merlin@camelot.bt" {
					return user.Reject("CANNOT_DELETE_MERLIN")
				}
				record("before delete " + u.Email)
				return nil
			},
			AfterDelete: func(ctx context.Context, u *user.User) error { record("after delete " + u.Email); return nil },
		}
	})
	id := ta.register("king.arthur@camelot.bt", "guinevere")
	merlin := ta.register("merlin@camelot.bt", "avalon-mist")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"password":"lancelot-pw"}`))
	ta.set(id, func(b *user.Base) { b.IsSuperuser = true })
	res := ta.do(newReq("DELETE", "/users/"+merlin.String()).Bearer(token))
	if res.Status != 400 || !sameJSON(t, res.Body, `{"detail":"CANNOT_DELETE_MERLIN"}`) {
		t.Fatalf("refused delete: %d %s", res.Status, res.Body)
	}
	ta.do(newReq("DELETE", "/users/"+id.String()).Bearer(token))
	want := []string{
		"register king.arthur@camelot.bt", "register merlin@camelot.bt", "login king.arthur@camelot.bt",
		"update king.arthur@camelot.bt [password]", "before delete king.arthur@camelot.bt", "after delete king.arthur@camelot.bt",
	}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Fatalf("hooks ran %q\nwant %q", calls, want)
	}
}

// TestUnknownEmailCostsOneHash counts hashing work instead of timing it.
func TestUnknownEmailCostsOneHash(t *testing.T) {
	ta := newUserApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	for _, tc := range []struct {
		name, username, password string
	}{
		{"unknown e-mail", "nobody@camelot.bt", "guinevere"},
		{"wrong password", "king.arthur@camelot.bt", "wrong-password"},
		{"right password", "king.arthur@camelot.bt", "guinevere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.hasher.Total()
			ta.do(newReq("POST", "/auth/jwt/login").Form("username", tc.username, "password", tc.password))
			if n := ta.hasher.Total() - before; n != 1 {
				t.Fatalf("%d hashing operations, want 1", n)
			}
		})
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	ta := newUserApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere-pw")
	token := ta.login("king.arthur@camelot.bt", "guinevere-pw")
	ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "wrong-secret-pw"))
	ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"password":"lancelot-pw"}`))
	u, _ := ta.store.GetByEmail(context.Background(), "king.arthur@camelot.bt")
	logs := ta.logText()
	for _, secret := range []string{"guinevere-pw", "wrong-secret-pw", "lancelot-pw", token, u.HashedPassword, string(testSecret)} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret reached the log: %s", logs)
		}
	}
	if !strings.Contains(logs, "login failed") || !strings.Contains(logs, "password changed") {
		t.Fatalf("security events missing from the log: %s", logs)
	}
}

func mustUUID(t testing.TB, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
