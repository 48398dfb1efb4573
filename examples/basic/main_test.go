package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// startServer runs the example server on a free port of 127.0.0.1 and stops
// it when the test ends.
func startServer(t *testing.T) (*app, string) {
	t.Helper()
	return startServerLogging(t, io.Discard)
}

func startServerLogging(t *testing.T, logTo io.Writer) (*app, string) {
	t.Helper()
	return startServerWith(t, logTo, nil)
}

// startServerWith runs the example server with its configuration changed
// by configure.
func startServerWith(t *testing.T, logTo io.Writer, configure func(*config)) (*app, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type started struct {
		a    *app
		addr net.Addr
	}
	ready := make(chan started, 1)
	done := make(chan error, 1)
	dir := t.TempDir()
	cfg := config{addr: "127.0.0.1:0", dataDir: dir, db: filepath.Join(dir, "usersauth.db")}
	if configure != nil {
		configure(&cfg)
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	go func() {
		done <- run(ctx, cfg, log, func(a *app, addr net.Addr) { ready <- started{a, addr} })
	}()
	var s started
	select {
	case s = <-ready:
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return s.a, "http://" + s.addr.String()
}

type exchange struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (x exchange) do(method, path string, header http.Header, body io.Reader) (*http.Response, []byte) {
	x.t.Helper()
	req, err := http.NewRequest(method, x.base+path, body)
	if err != nil {
		x.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		x.t.Fatal(err)
	}
	return resp, b
}

func jsonHeader(token string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return h
}

func multipartForm(t *testing.T, fields ...string) (http.Header, io.Reader) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	return http.Header{"Content-Type": {mw.FormDataContentType()}}, &buf
}

func wantStatus(t *testing.T, step string, resp *http.Response, body []byte, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d; body %s", step, resp.StatusCode, want, body)
	}
}

// userRead decodes a UserRead body and checks it has exactly the contract's keys.
func userRead(t *testing.T, step string, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: body %s: %v", step, body, err)
	}
	for _, k := range []string{"id", "email", "is_active", "is_superuser", "is_verified"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("%s: body %s lacks %q", step, body, k)
		}
	}
	if len(m) != 5 {
		t.Fatalf("%s: body %s has keys beyond UserRead", step, body)
	}
	return m
}

// TestSeedFlow replays the FastAPI Users walkthrough against the example
// server over real HTTP, request for request.
func TestSeedFlow(t *testing.T) {
	a, base := startServer(t)
	x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}

	// 1. Registration.
	resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email": "king.arthur@camelot.bt","password": "guinevere"}`))
	wantStatus(t, "register", resp, body, http.StatusCreated)
	arthur := userRead(t, "register", body)
	if arthur["email"] != "king.arthur@camelot.bt" || arthur["is_active"] != true || arthur["is_superuser"] != false || arthur["is_verified"] != false {
		t.Fatalf("register: %s", body)
	}
	id := arthur["id"].(string)
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("register: id %q: %v", id, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("register: Content-Type %q", ct)
	}

	// 2. Login, bearer + JWT, multipart form.
	h, form := multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
	resp, body = x.do("POST", "/auth/jwt/login", h, form)
	wantStatus(t, "jwt login", resp, body, http.StatusOK)
	var login struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &login); err != nil || login.AccessToken == "" || login.TokenType != "bearer" {
		t.Fatalf("jwt login: %s (%v)", body, err)
	}
	token := login.AccessToken

	// 2b. Login, cookie + JWT.
	h, form = multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
	resp, body = x.do("POST", "/auth/cookie/login", h, form)
	wantStatus(t, "cookie login", resp, body, http.StatusNoContent)
	if len(body) != 0 {
		t.Fatalf("cookie login: body %q", body)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "fastapiusersauth" || cookies[0].Value == "" ||
		!cookies[0].HttpOnly || !cookies[0].Secure || cookies[0].MaxAge != 3600 || cookies[0].Path != "/" ||
		cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie login: Set-Cookie %q", resp.Header.Values("Set-Cookie"))
	}
	resp, body = x.do("GET", "/users/me", http.Header{"Cookie": {"fastapiusersauth=" + cookies[0].Value}}, nil)
	wantStatus(t, "me by cookie", resp, body, http.StatusOK)

	// 3. Get my profile.
	resp, body = x.do("GET", "/users/me", jsonHeader(token), nil)
	wantStatus(t, "me", resp, body, http.StatusOK)
	if me := userRead(t, "me", body); me["id"] != id || me["email"] != "king.arthur@camelot.bt" {
		t.Fatalf("me: %s", body)
	}

	// 3b. The host's own protected route.
	resp, body = x.do("GET", "/authenticated-route", jsonHeader(token), nil)
	wantStatus(t, "authenticated route", resp, body, http.StatusOK)
	if !strings.Contains(string(body), "Hello king.arthur@camelot.bt!") {
		t.Fatalf("authenticated route: %s", body)
	}
	resp, body = x.do("GET", "/authenticated-route", nil, nil)
	wantStatus(t, "authenticated route without token", resp, body, http.StatusUnauthorized)

	// 4. Update my profile: the password.
	resp, body = x.do("PATCH", "/users/me", jsonHeader(token), strings.NewReader(`{"password": "lancelot"}`))
	wantStatus(t, "patch me", resp, body, http.StatusOK)
	if me := userRead(t, "patch me", body); me["is_superuser"] != false {
		t.Fatalf("patch me: %s", body)
	}
	h, form = multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
	resp, body = x.do("POST", "/auth/jwt/login", h, form)
	wantStatus(t, "login with the old password", resp, body, http.StatusBadRequest)
	h, form = multipartForm(t, "username", "king.arthur@camelot.bt", "password", "lancelot")
	resp, body = x.do("POST", "/auth/jwt/login", h, form)
	wantStatus(t, "login with the new password", resp, body, http.StatusOK)

	// A second user for the superuser to manage.
	resp, body = x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email": "bedevere@camelot.bt","password": "swallows!"}`))
	wantStatus(t, "register bedevere", resp, body, http.StatusCreated)
	other := userRead(t, "register bedevere", body)["id"].(string)

	resp, body = x.do("GET", "/users/"+other, jsonHeader(token), nil)
	wantStatus(t, "get user as a non-superuser", resp, body, http.StatusForbidden)

	// 5. Become a superuser, at database level.
	if _, err := a.store.Update(context.Background(), uuid.MustParse(id), func(u *user.User) error {
		u.IsSuperuser = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// 5.1 Get the profile of any user.
	resp, body = x.do("GET", "/users/"+id, jsonHeader(token), nil)
	wantStatus(t, "get own profile by id", resp, body, http.StatusOK)
	if u := userRead(t, "get own profile by id", body); u["is_superuser"] != true {
		t.Fatalf("get own profile: %s", body)
	}
	resp, body = x.do("GET", "/users/"+other, jsonHeader(token), nil)
	wantStatus(t, "get user", resp, body, http.StatusOK)

	// 5.1 Update any user.
	resp, body = x.do("PATCH", "/users/"+other, jsonHeader(token), strings.NewReader(`{"is_superuser": true}`))
	wantStatus(t, "patch user", resp, body, http.StatusOK)
	if u := userRead(t, "patch user", body); u["is_superuser"] != true || u["email"] != "bedevere@camelot.bt" {
		t.Fatalf("patch user: %s", body)
	}

	// 5.2 Delete any user.
	resp, body = x.do("DELETE", "/users/"+other, jsonHeader(token), nil)
	wantStatus(t, "delete user", resp, body, http.StatusNoContent)
	if len(body) != 0 || resp.Header.Get("Content-Type") != "" {
		t.Fatalf("delete user: body %q, Content-Type %q", body, resp.Header.Get("Content-Type"))
	}
	resp, body = x.do("GET", "/users/"+other, jsonHeader(token), nil)
	wantStatus(t, "get deleted user", resp, body, http.StatusNotFound)

	// 6. Logout, the cookie carrying the JWT as in the walkthrough.
	resp, body = x.do("POST", "/auth/cookie/logout", http.Header{"Content-Type": {"application/json"}, "Cookie": {"fastapiusersauth=" + token}}, nil)
	wantStatus(t, "cookie logout", resp, body, http.StatusNoContent)
	cleared := resp.Cookies()
	if len(cleared) != 1 || cleared[0].Name != "fastapiusersauth" || cleared[0].Value != "" || cleared[0].MaxAge >= 0 {
		t.Fatalf("cookie logout: Set-Cookie %q", resp.Header.Values("Set-Cookie"))
	}
}

func TestSecretKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	first, err := loadSecret(config{dataDir: dir}, log)
	if err != nil {
		t.Fatal(err)
	}
	second, err := loadSecret(config{dataDir: dir}, log)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 32 || !bytes.Equal(first, second) {
		t.Fatalf("secret changed across restarts or is short: %d bytes", len(first))
	}
	if _, err := loadSecret(config{secret: "short"}, log); err == nil {
		t.Fatal("a short USERSAUTH_SECRET was accepted")
	}
	env, err := loadSecret(config{secret: strings.Repeat("s", 40), dataDir: dir}, log)
	if err != nil || string(env) != strings.Repeat("s", 40) {
		t.Fatalf("USERSAUTH_SECRET not used: %v", err)
	}
}

// syncBuffer is a log destination the server writes while the test reads.
type syncBuffer struct{ apptest.LockedWriter }

// token waits for the log line "<kind> token for <email>: <token>".
func (b *syncBuffer) token(t *testing.T, kind, email string) string {
	t.Helper()
	re := regexp.MustCompile(kind + ` token for ` + regexp.QuoteMeta(email) + `: ([A-Za-z0-9_.-]+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s token for %s in the log", kind, email)
	return ""
}

// TestResetAndVerifyWithLoggedTokens follows the example's own instructions:
// the tokens come from its log.
func TestResetAndVerifyWithLoggedTokens(t *testing.T) {
	logs := &syncBuffer{}
	_, base := startServerLogging(t, logs)
	x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}
	resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
	wantStatus(t, "register", resp, body, http.StatusCreated)

	resp, body = x.do("POST", "/auth/request-verify-token", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt"}`))
	wantStatus(t, "request-verify-token", resp, body, http.StatusAccepted)
	verify := logs.token(t, "verify", "king.arthur@camelot.bt")
	resp, body = x.do("POST", "/auth/verify", jsonHeader(""), strings.NewReader(`{"token":"`+verify+`"}`))
	wantStatus(t, "verify", resp, body, http.StatusOK)
	if u := userRead(t, "verify", body); u["is_verified"] != true {
		t.Fatalf("verify: %s", body)
	}

	resp, body = x.do("POST", "/auth/forgot-password", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt"}`))
	wantStatus(t, "forgot-password", resp, body, http.StatusAccepted)
	reset := logs.token(t, "reset", "king.arthur@camelot.bt")
	resp, body = x.do("POST", "/auth/reset-password", jsonHeader(""), strings.NewReader(`{"token":"`+reset+`","password":"excalibur"}`))
	wantStatus(t, "reset-password", resp, body, http.StatusOK)
	h, form := multipartForm(t, "username", "king.arthur@camelot.bt", "password", "excalibur")
	resp, body = x.do("POST", "/auth/jwt/login", h, form)
	wantStatus(t, "login with the new password", resp, body, http.StatusOK)
}

// loginKeys returns the keys of a JSON object in the order sent.
func loginKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestRefreshFlag: with -refresh the bearer login also gives a refresh
// token, which POST /auth/jwt/refresh rotates; a replayed one is refused.
// Without it, login answers FastAPI Users' two keys and there is no refresh
// route.
func TestRefreshFlag(t *testing.T) {
	login := func(x exchange) []byte {
		h, form := multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
		resp, body := x.do("POST", "/auth/jwt/login", h, form)
		wantStatus(t, "login", resp, body, http.StatusOK)
		return body
	}
	register := func(x exchange) {
		resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
		wantStatus(t, "register", resp, body, http.StatusCreated)
	}
	formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

	t.Run("off", func(t *testing.T) {
		_, base := startServer(t)
		x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}
		register(x)
		if keys := loginKeys(t, login(x)); strings.Join(keys, ",") != "access_token,token_type" {
			t.Fatalf("login keys %v", keys)
		}
		resp, body := x.do("POST", "/auth/jwt/refresh", formHeader, strings.NewReader("refresh_token=x"))
		wantStatus(t, "refresh without -refresh", resp, body, http.StatusNotFound)
	})
	t.Run("on", func(t *testing.T) {
		_, base := startServerWith(t, io.Discard, func(c *config) { c.refresh = true })
		x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}
		register(x)
		body := login(x)
		if keys := loginKeys(t, body); strings.Join(keys, ",") != "access_token,token_type,refresh_token" {
			t.Fatalf("login keys %v", keys)
		}
		var first struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		json.Unmarshal(body, &first)
		resp, body := x.do("POST", "/auth/jwt/refresh", formHeader, strings.NewReader("grant_type=refresh_token&refresh_token="+first.RefreshToken))
		wantStatus(t, "refresh", resp, body, http.StatusOK)
		var second struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		json.Unmarshal(body, &second)
		resp, body = x.do("GET", "/users/me", jsonHeader(second.AccessToken), nil)
		wantStatus(t, "me with the refreshed token", resp, body, http.StatusOK)
		resp, body = x.do("POST", "/auth/jwt/refresh", formHeader, strings.NewReader("refresh_token="+first.RefreshToken))
		wantStatus(t, "replayed refresh token", resp, body, http.StatusUnauthorized)
		resp, body = x.do("POST", "/auth/jwt/refresh", jsonHeader(""), strings.NewReader(`{"refresh_token":"`+second.RefreshToken+`"}`))
		wantStatus(t, "the newest token of a revoked family", resp, body, http.StatusUnauthorized)
	})
}

// TestUnknownPathsAnswerAsFastAPI: every path the server has no route for
// answers FastAPI's JSON 404, the bare /auth and /users/ included (no
// redirect to /auth/), and not Go's text/plain one. (GET /users is the
// superuser's listing, ours: 401 without a token; / is the page.)
func TestUnknownPathsAnswerAsFastAPI(t *testing.T) {
	_, base := startServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	x := exchange{t: t, base: base, client: client}
	if resp, body := x.do("GET", "/users", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /users without a token: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/index.html", "/nowhere", "/docs", "/auth", "/users/", "/auth/nowhere", "/authenticated-route/x"} {
		t.Run(path, func(t *testing.T) {
			resp, body := x.do("GET", path, nil, nil)
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/json" ||
				string(body) != `{"detail":"Not Found"}` {
				t.Fatalf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		})
	}
}

// TestShutdownWaitsForMail: a shutdown whose HTTP grace is spent on a
// request still being sent still gives the mail of an accepted
// forgot-password its own time, so the slow mail goes out before run
// returns.
func TestShutdownWaitsForMail(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	var sent sync.Map // email -> token
	started := make(chan struct{})
	cfg := config{
		addr: "127.0.0.1:0", dataDir: dir, db: filepath.Join(dir, "usersauth.db"),
		httpGrace: 100 * time.Millisecond, workGrace: 10 * time.Second,
		deliver: func(ctx context.Context, kind, email, token string) error {
			close(started)
			select {
			case <-time.After(700 * time.Millisecond): // a slow mail server
			case <-ctx.Done():
				return ctx.Err()
			}
			sent.Store(email, token)
			return nil
		},
	}
	logs := &syncBuffer{}
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), func(_ *app, addr net.Addr) { ready <- addr })
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	x := exchange{t: t, base: "http://" + addr.String(), client: &http.Client{Timeout: 30 * time.Second}}
	resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
	wantStatus(t, "register", resp, body, http.StatusCreated)
	resp, body = x.do("POST", "/auth/forgot-password", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt"}`))
	wantStatus(t, "forgot-password", resp, body, http.StatusAccepted)
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the forgot-password hook did not start")
	}

	// A client that has sent half a request keeps the HTTP shutdown
	// waiting until its grace is spent.
	slow, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("POST /auth/register HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the server has read the first bytes: the connection is active

	begin := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
	if _, ok := sent.Load("king.arthur@camelot.bt"); !ok {
		t.Fatalf("the reset mail was abandoned by the shutdown (after %v)", time.Since(begin))
	}
	if !strings.Contains(logs.String(), "requests still running at shutdown") {
		t.Fatalf("the HTTP grace was not spent, so the test proves nothing; log:\n%s", logs.String())
	}
}

// TestPostgresURLRefused: the example links SQLite only, and says where
// PostgreSQL is.
func TestPostgresURLRefused(t *testing.T) {
	_, err := openDB(context.Background(), "postgres://usersauth@127.0.0.1/usersauth")
	if err == nil || !strings.Contains(err.Error(), "examples/postgres-redis") {
		t.Fatalf("openDB(postgres://...): %v, want a pointer to examples/postgres-redis", err)
	}
}

// TestTwoFactorFlow: the example has two-factor login on: enrol with an
// authenticator app's first code, then a login asks for the second step,
// which a code completes.
func TestTwoFactorFlow(t *testing.T) {
	_, base := startServer(t)
	x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}
	resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
	wantStatus(t, "register", resp, body, http.StatusCreated)
	login := func() (*http.Response, []byte) {
		h, form := multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
		return x.do("POST", "/auth/jwt/login", h, form)
	}
	resp, body = login()
	wantStatus(t, "login", resp, body, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &tok)

	resp, body = x.do("POST", "/users/me/2fa/totp", jsonHeader(tok.AccessToken), strings.NewReader(`{"password":"guinevere"}`))
	wantStatus(t, "begin", resp, body, http.StatusOK)
	var enrolment struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
	}
	json.Unmarshal(body, &enrolment)
	if !strings.HasPrefix(enrolment.URL, "otpauth://totp/usersauth%20example:king.arthur@camelot.bt?") {
		t.Fatalf("otpauth URL %s", enrolment.URL)
	}
	code, err := totp.Code(enrolment.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body = x.do("POST", "/users/me/2fa/totp/confirm", jsonHeader(tok.AccessToken), strings.NewReader(`{"code":"`+code+`"}`))
	wantStatus(t, "confirm", resp, body, http.StatusOK)

	resp, body = login()
	wantStatus(t, "first step", resp, body, http.StatusBadRequest)
	var first struct {
		Detail struct {
			Code, Ticket string
		} `json:"detail"`
	}
	if json.Unmarshal(body, &first); first.Detail.Code != "LOGIN_2FA_REQUIRED" {
		t.Fatalf("first step: %s", body)
	}
	// The code of the next time step: the one that confirmed is used up.
	code, _ = totp.Code(enrolment.Secret, time.Now().Add(totp.Period))
	resp, body = x.do("POST", "/auth/jwt/login/2fa", jsonHeader(""), strings.NewReader(`{"ticket":"`+first.Detail.Ticket+`","code":"`+code+`"}`))
	wantStatus(t, "second step", resp, body, http.StatusOK)
}
