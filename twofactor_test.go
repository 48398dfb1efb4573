package usersauth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// tfApp is an application with two-factor login, on a clock the test moves
// (TOTP time steps, ticket expiry), with refresh tokens on the "refresh"
// backend.
type tfApp struct {
	*testApp[*user.User]
	clock *strategytest.Clock
}

func newTFApp(t *testing.T, configure func(*Options[*user.User])) *tfApp {
	t.Helper()
	clock := strategytest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.TwoFactor = &TwoFactor{Issuer: "Camelot"}
		o.Now = clock.Now
		o.Backends = append(o.Backends, backend.Backend{
			Name: "refresh", Transport: backend.Bearer("auth/refresh/login"), Strategy: backend.JWT(testSecret, time.Hour),
			Refresh: &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 24 * time.Hour},
		})
		if configure != nil {
			configure(o)
		}
	})
	return &tfApp{testApp: ta, clock: clock}
}

// enrol turns TOTP on for the user of token and returns its secret and
// recovery codes.
func (ta *tfApp) enrol(token, password string) (string, []string) {
	ta.t.Helper()
	res := ta.do(newReq("POST", "/users/me/2fa/totp").Bearer(token).JSON(fmt.Sprintf(`{"password":%q}`, password)))
	if res.Status != http.StatusOK {
		ta.t.Fatalf("begin: %d %s", res.Status, res.Body)
	}
	secret := res.JSON(ta.t)["secret"].(string)
	res = ta.do(newReq("POST", "/users/me/2fa/totp/confirm").Bearer(token).JSON(fmt.Sprintf(`{"code":%q}`, ta.code(secret, 0))))
	if res.Status != http.StatusOK {
		ta.t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	var codes []string
	for _, c := range res.JSON(ta.t)["recovery_codes"].([]any) {
		codes = append(codes, c.(string))
	}
	return secret, codes
}

// code is the TOTP code of secret steps time steps from now.
func (ta *tfApp) code(secret string, steps int) string {
	ta.t.Helper()
	c, err := totp.Code(secret, ta.clock.Now().Add(time.Duration(steps)*totp.Period))
	if err != nil {
		ta.t.Fatal(err)
	}
	return c
}

// firstStep logs in with the password through backend be and returns the
// second step's ticket.
func (ta *tfApp) firstStep(be, email, password string) string {
	ta.t.Helper()
	res := ta.do(newReq("POST", "/auth/"+be+"/login").Form("username", email, "password", password))
	if res.Status != http.StatusBadRequest {
		ta.t.Fatalf("first step: %d %s", res.Status, res.Body)
	}
	d, _ := res.Detail(ta.t).(map[string]any)
	if d["code"] != "LOGIN_2FA_REQUIRED" {
		ta.t.Fatalf("first step: %s", res.Body)
	}
	return d["ticket"].(string)
}

func (ta *tfApp) secondStep(be, ticket, code string) response {
	ta.t.Helper()
	return ta.do(newReq("POST", "/auth/"+be+"/login/2fa").JSON(fmt.Sprintf(`{"ticket":%q,"code":%q}`, ticket, code)))
}

// TestTwoFactorLogin: enrol, confirm, then a password login asks for the
// second step, which the backend's own login answer completes, on a bearer
// backend, a cookie backend and one with refresh tokens.
func TestTwoFactorLogin(t *testing.T) {
	ta := newTFApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	secret, codes := ta.enrol(token, "guinevere")
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	res := ta.do(newReq("GET", "/users/me/2fa").Bearer(ta.login2FA(t, "jwt", secret)))
	if !sameJSON(t, res.Body, `{"totp":true,"recovery_codes_left":10,"passkeys":0}`) {
		t.Fatalf("status %s", res.Body)
	}

	res = ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
	d, _ := res.Detail(t).(map[string]any)
	if res.Status != 400 || d["code"] != "LOGIN_2FA_REQUIRED" || fmt.Sprint(d["methods"]) != "[totp recovery_code]" || d["ticket"] == "" {
		t.Fatalf("first step: %d %s", res.Status, res.Body)
	}

	t.Run("Bearer", func(t *testing.T) {
		ta.clock.Advance(totp.Period)
		res := ta.secondStep("jwt", ta.firstStep("jwt", "king.arthur@camelot.bt", "guinevere"), ta.code(secret, 0))
		if res.Status != 200 || res.JSON(t)["token_type"] != "bearer" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("Cookie", func(t *testing.T) {
		ta.clock.Advance(totp.Period)
		ticket := ta.firstStep("cookie", "king.arthur@camelot.bt", "guinevere")
		res := ta.do(newReq("POST", "/auth/cookie/login/2fa").Form("ticket", ticket, "code", ta.code(secret, 0)))
		if res.Status != 204 || res.Cookie("fastapiusersauth") == nil {
			t.Fatalf("%d %v %s", res.Status, res.Header, res.Body)
		}
	})
	t.Run("RefreshTokens", func(t *testing.T) {
		ta.clock.Advance(totp.Period)
		res := ta.secondStep("refresh", ta.firstStep("refresh", "king.arthur@camelot.bt", "guinevere"), ta.code(secret, 0))
		if res.Status != 200 || res.JSON(t)["refresh_token"] == nil {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("TicketOfAnotherBackend", func(t *testing.T) {
		ta.clock.Advance(totp.Period)
		ticket := ta.firstStep("jwt", "king.arthur@camelot.bt", "guinevere")
		if res := ta.secondStep("cookie", ticket, ta.code(secret, 0)); !sameJSON(t, res.Body, `{"detail":"LOGIN_2FA_BAD_TICKET"}`) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
}

// login2FA logs in through both steps and returns the access token.
func (ta *tfApp) login2FA(t *testing.T, be, secret string) string {
	t.Helper()
	ta.clock.Advance(totp.Period)
	res := ta.secondStep(be, ta.firstStep(be, "king.arthur@camelot.bt", "guinevere"), ta.code(secret, 0))
	if res.Status != 200 {
		t.Fatalf("second step: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)["access_token"].(string)
}

// TestTwoFactorCodes: a code works once, one step of drift either way is
// accepted and two are not, a recovery code works once, a ticket dies after
// five minutes or five wrong codes.
func TestTwoFactorCodes(t *testing.T) {
	const badCode, badTicket = `{"detail":"LOGIN_2FA_BAD_CODE"}`, `{"detail":"LOGIN_2FA_BAD_TICKET"}`
	setup := func(t *testing.T) (*tfApp, string, []string) {
		ta := newTFApp(t, nil)
		ta.register("king.arthur@camelot.bt", "guinevere")
		secret, codes := ta.enrol(ta.login("king.arthur@camelot.bt", "guinevere"), "guinevere")
		ta.clock.Advance(totp.Period)
		return ta, secret, codes
	}
	ticket := func(ta *tfApp) string { return ta.firstStep("jwt", "king.arthur@camelot.bt", "guinevere") }
	t.Run("ReusedCode", func(t *testing.T) {
		ta, secret, _ := setup(t)
		code := ta.code(secret, 0)
		if res := ta.secondStep("jwt", ticket(ta), code); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if res := ta.secondStep("jwt", ticket(ta), code); !sameJSON(t, res.Body, badCode) {
			t.Fatalf("the same code again: %d %s", res.Status, res.Body)
		}
	})
	for _, c := range []struct {
		name  string
		steps int
		ok    bool
	}{{"OneStepLate", -1, true}, {"OneStepEarly", 1, true}, {"TwoStepsLate", -2, false}, {"TwoStepsEarly", 2, false}} {
		t.Run(c.name, func(t *testing.T) {
			ta, secret, _ := setup(t)
			ta.clock.Advance(5 * totp.Period)
			res := ta.secondStep("jwt", ticket(ta), ta.code(secret, c.steps))
			if (res.Status == 200) != c.ok || (!c.ok && !sameJSON(t, res.Body, badCode)) {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	t.Run("RecoveryCodeOnce", func(t *testing.T) {
		ta, _, codes := setup(t)
		if res := ta.secondStep("jwt", ticket(ta), strings.ToUpper(codes[3])); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if res := ta.secondStep("jwt", ticket(ta), codes[3]); !sameJSON(t, res.Body, badCode) {
			t.Fatalf("the same recovery code again: %d %s", res.Status, res.Body)
		}
	})
	t.Run("TicketExpires", func(t *testing.T) {
		ta, secret, _ := setup(t)
		tk := ticket(ta)
		ta.clock.Advance(5*time.Minute + time.Second)
		if res := ta.secondStep("jwt", tk, ta.code(secret, 0)); !sameJSON(t, res.Body, badTicket) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("TicketDiesAfterItsTries", func(t *testing.T) {
		ta, secret, _ := setup(t)
		tk := ticket(ta)
		for i := range user.TicketTries {
			if res := ta.secondStep("jwt", tk, "000000"); !sameJSON(t, res.Body, badCode) {
				t.Fatalf("wrong code %d: %d %s", i, res.Status, res.Body)
			}
		}
		if res := ta.secondStep("jwt", tk, ta.code(secret, 0)); !sameJSON(t, res.Body, badTicket) {
			t.Fatalf("the right code on a dead ticket: %d %s", res.Status, res.Body)
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		ta, _, _ := setup(t)
		for _, body := range []string{`{}`, `{"ticket":"x"}`, `{"code":"123456"}`, `{"ticket":1,"code":"123456"}`} {
			if res := ta.do(newReq("POST", "/auth/jwt/login/2fa").JSON(body)); res.Status != 422 {
				t.Fatalf("%s: %d %s", body, res.Status, res.Body)
			}
		}
		if res := ta.secondStep("jwt", "not-a-ticket", "123456"); !sameJSON(t, res.Body, badTicket) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
}

// TestTwoFactorWrongPasswordRevealsNothing: a wrong password answers
// exactly LOGIN_BAD_CREDENTIALS, byte for byte, whether or not the user has
// a second factor.
func TestTwoFactorWrongPasswordRevealsNothing(t *testing.T) {
	ta := newTFApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	ta.register("lancelot@camelot.bt", "guinevere")
	ta.enrol(ta.login("king.arthur@camelot.bt", "guinevere"), "guinevere")
	var answers []string
	for _, email := range []string{"king.arthur@camelot.bt", "lancelot@camelot.bt", "nobody@camelot.bt"} {
		res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", email, "password", "morgana"))
		answers = append(answers, fmt.Sprint(res.Status, res.Header, string(res.Body)))
	}
	if answers[0] != answers[1] || answers[1] != answers[2] || !strings.Contains(answers[0], "LOGIN_BAD_CREDENTIALS") {
		t.Fatalf("answers differ:\n%s", strings.Join(answers, "\n"))
	}
}

// TestTwoFactorEnrolment: the enrolment routes and their refusals.
func TestTwoFactorEnrolment(t *testing.T) {
	ta := newTFApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	post := func(path, body string) response { return ta.do(newReq("POST", path).Bearer(token).JSON(body)) }
	del := func(path, body string) response { return ta.do(newReq("DELETE", path).Bearer(token).JSON(body)) }
	want := func(res response, status int, body string) {
		t.Helper()
		if res.Status != status || (body != "" && !sameJSON(t, res.Body, body)) {
			t.Fatalf("%d %s, want %d %s", res.Status, res.Body, status, body)
		}
	}
	want(post("/users/me/2fa/totp/confirm", `{"code":"123456"}`), 400, `{"detail":"TOTP_NOT_PENDING"}`)
	want(post("/users/me/2fa/totp", `{"password":"morgana"}`), 400, `{"detail":"TWO_FACTOR_BAD_PASSWORD"}`)
	want(post("/users/me/2fa/totp", `{}`), 422, "")
	want(post("/users/me/2fa/recovery-codes", `{"password":"guinevere"}`), 400, `{"detail":"TWO_FACTOR_NOT_ENABLED"}`)
	want(del("/users/me/2fa/totp", `{"password":"guinevere"}`), 400, `{"detail":"TOTP_NOT_ENABLED"}`)
	res := post("/users/me/2fa/totp", `{"password":"guinevere"}`)
	want(res, 200, "")
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("the secret may be cached")
	}
	secret, otpURL := res.JSON(t)["secret"].(string), res.JSON(t)["otpauth_url"].(string)
	if u, err := url.Parse(otpURL); err != nil || u.Query().Get("issuer") != "Camelot" || !strings.Contains(u.Path, "king.arthur@camelot.bt") {
		t.Fatalf("otpauth URL %s", otpURL)
	}
	want(post("/users/me/2fa/totp/confirm", `{"code":"000000"}`), 400, `{"detail":"TWO_FACTOR_BAD_CODE"}`)
	want(post("/users/me/2fa/totp/confirm", fmt.Sprintf(`{"code":%q}`, ta.code(secret, 0))), 200, "")
	// Confirming a factor ended the user's sessions but this one? The
	// token that enrolled must still work.
	token = ta.login2FA(t, "jwt", secret)
	want(post("/users/me/2fa/totp", `{"password":"guinevere"}`), 400, `{"detail":"TOTP_ALREADY_ENABLED"}`)
	res = post("/users/me/2fa/recovery-codes", `{"password":"guinevere"}`)
	want(res, 200, "")
	if n := len(res.JSON(t)["recovery_codes"].([]any)); n != 10 {
		t.Fatalf("%d new codes", n)
	}
	want(del("/users/me/2fa/totp", `{"password":"morgana"}`), 400, `{"detail":"TWO_FACTOR_BAD_PASSWORD"}`)
	want(del("/users/me/2fa/totp", `{"password":"guinevere"}`), 204, "")
	if res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere")); res.Status != 200 {
		t.Fatalf("password login once TOTP is off: %d %s", res.Status, res.Body)
	}
	// Without a user.
	if res := ta.do(newReq("POST", "/users/me/2fa/totp").JSON(`{"password":"guinevere"}`)); res.Status != 401 {
		t.Fatalf("anonymous enrolment: %d", res.Status)
	}
}

// TestRequireTwoFactor: the users RequireTwoFactor names are refused 403
// TWO_FACTOR_REQUIRED until they enrol, but for what enrolling needs.
func TestRequireTwoFactor(t *testing.T) {
	ta := newTFApp(t, func(o *Options[*user.User]) {
		o.RequireTwoFactor = func(u *user.User) bool { return u.IsSuperuser }
	})
	id := ta.register("merlin@camelot.bt", "avalon-mist")
	ta.set(id, func(b *user.Base) { b.IsSuperuser = true })
	other := ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("merlin@camelot.bt", "avalon-mist")
	res := ta.do(newReq("GET", "/users/"+other.String()).Bearer(token))
	if res.Status != 403 || !sameJSON(t, res.Body, `{"detail":"TWO_FACTOR_REQUIRED"}`) {
		t.Fatalf("superuser route before enrolling: %d %s", res.Status, res.Body)
	}
	if s := ta.do(newReq("GET", "/users/me").Bearer(token)).Status; s != 200 {
		t.Fatalf("GET /users/me before enrolling: %d", s)
	}
	if s := ta.do(newReq("GET", "/users/me").Bearer(ta.login("king.arthur@camelot.bt", "guinevere"))).Status; s != 200 {
		t.Fatalf("a user the predicate does not name: %d", s)
	}
	res = ta.do(newReq("POST", "/users/me/2fa/totp").Bearer(token).JSON(`{"password":"avalon-mist"}`))
	secret := res.JSON(t)["secret"].(string)
	ta.do(newReq("POST", "/users/me/2fa/totp/confirm").Bearer(token).JSON(fmt.Sprintf(`{"code":%q}`, ta.code(secret, 0))))
	ta.clock.Advance(totp.Period)
	res = ta.secondStep("jwt", ta.firstStep("jwt", "merlin@camelot.bt", "avalon-mist"), ta.code(secret, 0))
	token = res.JSON(t)["access_token"].(string)
	if s := ta.do(newReq("GET", "/users/"+other.String()).Bearer(token)).Status; s != 200 {
		t.Fatalf("superuser route once enrolled: %d", s)
	}
	if _, err := New(Options[*user.User]{Store: memory.New[*user.User](), Secret: testSecret, Backends: testBackends(),
		RequireTwoFactor: func(*user.User) bool { return true }}); err == nil {
		t.Fatal("RequireTwoFactor without TwoFactor was accepted")
	}
}

// TestRemoveTwoFactorBySuperuser: DELETE /users/{id}/2fa removes a user's
// factors, after which the password alone signs in; only superusers may.
func TestRemoveTwoFactorBySuperuser(t *testing.T) {
	ta := newTFApp(t, nil)
	boss := ta.register("merlin@camelot.bt", "avalon-mist")
	ta.set(boss, func(b *user.Base) { b.IsSuperuser = true })
	id := ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	ta.enrol(token, "guinevere")
	if s := ta.do(newReq("DELETE", "/users/"+id.String()+"/2fa").Bearer(token)).Status; s != 403 {
		t.Fatalf("by the user: %d, want 403", s)
	}
	if s := ta.do(newReq("DELETE", "/users/"+uuid.NewString()+"/2fa").Bearer(ta.login("merlin@camelot.bt", "avalon-mist"))).Status; s != 404 {
		t.Fatalf("an unknown user: %d, want 404", s)
	}
	if s := ta.do(newReq("DELETE", "/users/"+id.String()+"/2fa").Bearer(ta.login("merlin@camelot.bt", "avalon-mist"))).Status; s != 204 {
		t.Fatalf("by a superuser: %d", s)
	}
	if s := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere")).Status; s != 200 {
		t.Fatalf("password login once the factors are removed: %d", s)
	}
}

// TestTwoFactorThrottled: wrong codes count as failed logins of the
// account, so a script that knows the password cannot run through the
// codes ticket after ticket.
func TestTwoFactorThrottled(t *testing.T) {
	ta := newTFApp(t, func(o *Options[*user.User]) { o.Limits = nil })
	ta.register("king.arthur@camelot.bt", "guinevere")
	ta.enrol(ta.login("king.arthur@camelot.bt", "guinevere"), "guinevere")
	throttled := false
	for i := 0; i < 20 && !throttled; i++ {
		res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
		if res.Status == http.StatusTooManyRequests {
			throttled = true
			break
		}
		tk := res.Detail(t).(map[string]any)["ticket"].(string)
		if res := ta.secondStep("jwt", tk, "000000"); res.Status == http.StatusTooManyRequests {
			throttled = true
		}
	}
	if !throttled {
		t.Fatal("twenty wrong codes were all checked")
	}
}

// TestTwoFactorOAuth: an OAuth sign-in of an enrolled user goes through the
// same second step; with a frontend redirect, the ticket travels in the
// fragment.
func TestTwoFactorOAuth(t *testing.T) {
	e := newOAuthEnv(t, func(c *oauthConfig) {
		c.opts.TwoFactor = &TwoFactor{Issuer: "Camelot"}
		c.opts.OAuth[0].AllowedRedirectOrigins = []string{frontend}
	})
	if r := e.browser().signIn(e, "dev", "gawain@camelot.bt"); r.Status != 200 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	// A user who signed up through a provider sets a password to enrol.
	m := e.ua.Manager()
	password := "guinevere"
	u, err := m.UpdateAsSuperuser(context.Background(), e.userByEmail("gawain@camelot.bt"), user.Update{Password: &password})
	if err != nil {
		t.Fatal(err)
	}
	enrolment, err := m.BeginTOTP(context.Background(), u, password)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.Code(enrolment.Secret, e.clock.Now())
	if _, err := m.ConfirmTOTP(context.Background(), u, code); err != nil {
		t.Fatal(err)
	}
	r := e.browser().signIn(e, "dev", "gawain@camelot.bt")
	d, _ := r.Detail(t).(map[string]any)
	if r.Status != 400 || d["code"] != "LOGIN_2FA_REQUIRED" {
		t.Fatalf("sign-in of an enrolled user: %d %s", r.Status, r.Body)
	}
	b := e.browser()
	r = b.get(b.atProvider(b.authorize(e, "/auth/dev/authorize?redirect_to="+url.QueryEscape(frontend+"/signed-in")), "gawain@camelot.bt"))
	loc, _ := url.Parse(r.Header.Get("Location"))
	frag, _ := url.ParseQuery(loc.Fragment)
	if r.Status != 303 || loc.Query().Get("error") != "LOGIN_2FA_REQUIRED" || frag.Get("ticket") == "" || frag.Get("methods") != "totp,recovery_code" {
		t.Fatalf("redirect: %d %s", r.Status, r.Header.Get("Location"))
	}
	if strings.Contains(loc.RawQuery, frag.Get("ticket")) {
		t.Fatal("the ticket is in the query")
	}
}

// busyHasher answers auth.ErrBusy, as a saturated hashing pool does, while
// busy is set.
type busyHasher struct {
	user.PasswordHasher
	busy *atomic.Bool
}

func (h busyHasher) Verify(ctx context.Context, password, encoded string) (bool, bool, error) {
	if h.busy.Load() {
		return false, false, auth.ErrBusy
	}
	return h.PasswordHasher.Verify(ctx, password, encoded)
}

// TestEnrolmentBusyHasherKeepsFailedLogins: a password check of the
// enrolment routes that the hashing pool refuses (503) decides nothing, so
// it does not wipe the account's failed logins: after four wrong passwords
// and a 503, the fifth wrong one is the last before 429.
func TestEnrolmentBusyHasherKeepsFailedLogins(t *testing.T) {
	var busy atomic.Bool
	ta := newTFApp(t, func(o *Options[*user.User]) {
		o.Hasher = busyHasher{PasswordHasher: o.Hasher, busy: &busy}
		limits := DefaultLimits() // 5 failed logins per account
		o.Limits = &limits
	})
	ta.register("alice@example.com", "alice's password")
	token := ta.login("alice@example.com", "alice's password")
	begin := func(status int) {
		t.Helper()
		res := ta.do(newReq("POST", "/users/me/2fa/totp").Bearer(token).JSON(`{"password":"wrong"}`))
		if res.Status != status {
			t.Fatalf("POST /users/me/2fa/totp: %d %s, want %d", res.Status, res.Body, status)
		}
	}
	for range 4 {
		begin(http.StatusBadRequest)
	}
	busy.Store(true)
	begin(http.StatusServiceUnavailable)
	busy.Store(false)
	for _, status := range []int{http.StatusBadRequest, http.StatusTooManyRequests} {
		res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "alice@example.com", "password", "wrong"))
		if res.Status != status {
			t.Fatalf("login: %d %s, want %d", res.Status, res.Body, status)
		}
	}
}
