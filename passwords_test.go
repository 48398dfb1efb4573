package usersauth

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestPanickingHooksOverHTTP: a panicking After* hook leaves the answer as
// it would have been; a panicking BeforeDelete or ValidatePassword answers
// 500 and changes nothing.
func TestPanickingHooksOverHTTP(t *testing.T) {
	boom := func() { panic("a hook's bug") }
	t.Run("After hooks", func(t *testing.T) {
		var failed atomic.Int64
		ta := newUserApp(t, func(o *Options[*user.User]) {
			o.Hooks.AfterRegister = func(context.Context, *user.User) error { boom(); return nil }
			o.Hooks.AfterLogin = func(context.Context, *user.User) error { boom(); return nil }
			o.Hooks.AfterUpdate = func(context.Context, *user.User, []string) error { boom(); return nil }
			o.Hooks.AfterFailedLogin = func(context.Context, string, user.LoginFailure) error { failed.Add(1); boom(); return nil }
		})
		id := ta.register("king.arthur@camelot.bt", "guinevere")
		if _, err := ta.store.Get(context.Background(), id); err != nil {
			t.Fatalf("the registered user is not stored: %v", err)
		}
		token := ta.login("king.arthur@camelot.bt", "guinevere")
		if res := ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"email":"arthur@camelot.bt"}`)); res.Status != 200 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "arthur@camelot.bt", "password", "Guinevere"))
		if res.Status != 400 || !sameJSON(t, res.Body, `{"detail":"LOGIN_BAD_CREDENTIALS"}`) || failed.Load() != 1 {
			t.Fatalf("failed login with a panicking hook: %d %s (hook ran %d times)", res.Status, res.Body, failed.Load())
		}
		if logs := ta.logText(); strings.Count(logs, `msg="hook panicked"`) != 4 || strings.Contains(logs, "a hook's bug") {
			t.Errorf("panics not logged, or logged with their value:\n%s", logs)
		}
	})
	t.Run("BeforeDelete", func(t *testing.T) {
		ta := newUserApp(t, func(o *Options[*user.User]) {
			o.Hooks.BeforeDelete = func(context.Context, *user.User) error { boom(); return nil }
		})
		id := ta.register("king.arthur@camelot.bt", "guinevere")
		ta.set(id, func(b *user.Base) { b.IsSuperuser = true })
		token := ta.login("king.arthur@camelot.bt", "guinevere")
		res := ta.do(newReq("DELETE", "/users/"+id.String()).Bearer(token))
		if res.Status != 500 || !sameJSON(t, res.Body, `{"detail":"Internal Server Error"}`) {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if _, err := ta.store.Get(context.Background(), id); err != nil {
			t.Fatalf("the user was deleted: %v", err)
		}
	})
	t.Run("ValidatePassword", func(t *testing.T) {
		ta := newUserApp(t, func(o *Options[*user.User]) {
			o.Hooks.ValidatePassword = func(context.Context, string, *user.User) error { boom(); return nil }
		})
		res := ta.do(newReq("POST", "/auth/register").JSON(`{"email":"a@camelot.bt","password":"guinevere"}`))
		if res.Status != 500 || !sameJSON(t, res.Body, `{"detail":"Internal Server Error"}`) {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		if _, err := ta.store.GetByEmail(context.Background(), "a@camelot.bt"); err == nil {
			t.Fatal("the user was stored")
		}
	})
}

// fewCommon is a PasswordList for the root's tests, which must not import
// user/commonpw (a host that does not turn it on must not load it).
type fewCommon map[string]bool

func (l fewCommon) Contains(pw string) bool { return l[strings.ToLower(pw)] }

// TestRejectCommonOverHTTP: the policy's reason reaches the client in the
// contract's {"code", "reason"} on every route that sets a password.
func TestRejectCommonOverHTTP(t *testing.T) {
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.PasswordPolicy.RejectCommon = fewCommon{"iloveyou": true}
	})
	common := `"reason":"Password should not be a commonly used password"`
	fromEmail := `"reason":"Password should not be built from the e-mail address"`
	res := ta.do(newReq("POST", "/auth/register").JSON(`{"email":"king.arthur@camelot.bt","password":"ILoveYou"}`))
	if res.Status != 400 || !sameJSON(t, res.Body, `{"detail":{"code":"REGISTER_INVALID_PASSWORD",`+common+`}}`) {
		t.Fatalf("register with a common password: %d %s", res.Status, res.Body)
	}
	res = ta.do(newReq("POST", "/auth/register").JSON(`{"email":"king.arthur@camelot.bt","password":"King.Arthur1!"}`))
	if res.Status != 400 || !sameJSON(t, res.Body, `{"detail":{"code":"REGISTER_INVALID_PASSWORD",`+fromEmail+`}}`) {
		t.Fatalf("register with the e-mail as password: %d %s", res.Status, res.Body)
	}
	ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	res = ta.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"email":"lancelot@camelot.bt","password":"lancelot2024"}`))
	if res.Status != 400 || !sameJSON(t, res.Body, `{"detail":{"code":"UPDATE_USER_INVALID_PASSWORD",`+fromEmail+`}}`) {
		t.Fatalf("patch to a password built from the new e-mail: %d %s", res.Status, res.Body)
	}
}

// gateStore counts the store reads of logins.
type gateStore struct {
	*memory.Store[*user.User]
	reads atomic.Int64
}

func (s *gateStore) GetByEmail(ctx context.Context, email string) (*user.User, error) {
	s.reads.Add(1)
	return s.Store.GetByEmail(ctx, email)
}

// TestLoginRefusedBeforeStoreRead: with the hashing pool saturated, a login
// answers 503 with Retry-After without reading the store.
func TestLoginRefusedBeforeStoreRead(t *testing.T) {
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: fastArgon2, Concurrency: 1, MaxWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	store := &gateStore{Store: memory.New[*user.User]()}
	ta := newUserApp(t, func(o *Options[*user.User]) { o.Store, o.Hasher = store, h })
	ta.store = store.Store
	ta.register("king.arthur@camelot.bt", "guinevere")
	held, err := h.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"king.arthur@camelot.bt", "nobody@camelot.bt"} {
		res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", email, "password", "guinevere"))
		if res.Status != 503 || res.Header.Get("Retry-After") != "1" {
			t.Fatalf("login on a saturated pool: %d %s %v", res.Status, res.Body, res.Header)
		}
	}
	if n := store.reads.Load(); n != 0 {
		t.Errorf("refused logins read the store %d times", n)
	}
	held.Release()
	ta.login("king.arthur@camelot.bt", "guinevere")
	if n := store.reads.Load(); n != 1 {
		t.Errorf("one login read the store %d times", n)
	}
}
