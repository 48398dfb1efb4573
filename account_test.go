package usersauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// mailbox collects the tokens the hooks hand out, as a mail sender would.
type mailbox struct {
	mu     sync.Mutex
	tokens map[string][]string // "reset:<email>" or "verify:<email>" -> tokens
	arrive chan struct{}
}

func newMailbox() *mailbox {
	return &mailbox{tokens: map[string][]string{}, arrive: make(chan struct{}, 100)}
}

func (m *mailbox) hooks(h *user.Hooks[*user.User]) {
	h.AfterForgotPassword = func(ctx context.Context, u *user.User, token string) error {
		m.put("reset:"+u.Email, token)
		return nil
	}
	h.AfterRequestVerify = func(ctx context.Context, u *user.User, token string) error {
		m.put("verify:"+u.Email, token)
		return nil
	}
}

func (m *mailbox) put(key, token string) {
	m.mu.Lock()
	m.tokens[key] = append(m.tokens[key], token)
	m.mu.Unlock()
	m.arrive <- struct{}{}
}

// last returns the newest token for key, after the background work ended.
func (m *mailbox) last(t *testing.T, ua interface{ Shutdown(context.Context) error }, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ua.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.tokens[key]
	if len(v) == 0 {
		t.Fatalf("no token for %s", key)
	}
	return v[len(v)-1]
}

func (m *mailbox) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.tokens {
		n += len(v)
	}
	return n
}

// client talks to a real HTTP server, as a browser or curl would.
type client struct {
	t    *testing.T
	base string
}

func (c client) call(method, path, contentType, body, token string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (c client) json(path, body string) (int, []byte) {
	return c.call("POST", path, "application/json", body, "")
}

func (c client) login(email, password string) (int, []byte) {
	form := url.Values{"username": {email}, "password": {password}}.Encode()
	return c.call("POST", "/auth/jwt/login", "application/x-www-form-urlencoded", form, "")
}

// TestPasswordResetFlow: forgot -> token from the hook -> reset -> the new
// password logs in, the old does not, the token does not work twice.
func TestPasswordResetFlow(t *testing.T) {
	box := newMailbox()
	ta := newUserApp(t, func(o *Options[*user.User]) { box.hooks(&o.Hooks) })
	srv := httptest.NewServer(ta.handler)
	defer srv.Close()
	c := client{t, srv.URL}
	ta.register("king.arthur@camelot.bt", "guinevere")

	status, body := c.json("/auth/forgot-password", `{"email":"King.Arthur@camelot.bt"}`)
	if status != 202 || string(body) != "null" {
		t.Fatalf("forgot-password: %d %s", status, body)
	}
	token := box.last(t, ta.ua, "reset:king.arthur@camelot.bt")

	status, body = c.json("/auth/reset-password", fmt.Sprintf(`{"token":%q,"password":"excalibur"}`, token))
	if status != 200 || string(body) != "null" {
		t.Fatalf("reset-password: %d %s", status, body)
	}
	if status, _ := c.login("king.arthur@camelot.bt", "excalibur"); status != 200 {
		t.Fatalf("login with the new password: %d", status)
	}
	if status, _ := c.login("king.arthur@camelot.bt", "guinevere"); status != 400 {
		t.Fatalf("login with the old password: %d", status)
	}
	status, body = c.json("/auth/reset-password", fmt.Sprintf(`{"token":%q,"password":"excalibur-2"}`, token))
	if status != 400 || !sameJSON(t, body, `{"detail":"RESET_PASSWORD_BAD_TOKEN"}`) {
		t.Fatalf("second use of the token: %d %s", status, body)
	}
}

// TestVerifyFlow: request-verify -> verify -> replay is already verified; a
// token issued before an e-mail change is refused.
func TestVerifyFlow(t *testing.T) {
	box := newMailbox()
	ta := newUserApp(t, func(o *Options[*user.User]) { box.hooks(&o.Hooks) })
	srv := httptest.NewServer(ta.handler)
	defer srv.Close()
	c := client{t, srv.URL}
	ta.register("king.arthur@camelot.bt", "guinevere")

	status, body := c.json("/auth/request-verify-token", `{"email":"king.arthur@camelot.bt"}`)
	if status != 202 || string(body) != "null" {
		t.Fatalf("request-verify-token: %d %s", status, body)
	}
	token := box.last(t, ta.ua, "verify:king.arthur@camelot.bt")
	status, body = c.json("/auth/verify", fmt.Sprintf(`{"token":%q}`, token))
	if status != 200 {
		t.Fatalf("verify: %d %s", status, body)
	}
	var u map[string]any
	json.Unmarshal(body, &u)
	if u["is_verified"] != true || u["email"] != "king.arthur@camelot.bt" {
		t.Fatalf("verify: %s", body)
	}
	status, body = c.json("/auth/verify", fmt.Sprintf(`{"token":%q}`, token))
	if status != 400 || !sameJSON(t, body, `{"detail":"VERIFY_USER_ALREADY_VERIFIED"}`) {
		t.Fatalf("replay: %d %s", status, body)
	}

	// A token issued for the old address dies with it.
	ta.register("percival@camelot.bt", "holy-grail")
	c.json("/auth/request-verify-token", `{"email":"percival@camelot.bt"}`)
	old := box.last(t, ta.ua, "verify:percival@camelot.bt")
	_, login := c.login("percival@camelot.bt", "holy-grail")
	var l struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(login, &l)
	if status, body := c.call("PATCH", "/users/me", "application/json", `{"email":"sir.percival@camelot.bt"}`, l.AccessToken); status != 200 {
		t.Fatalf("change e-mail: %d %s", status, body)
	}
	status, body = c.json("/auth/verify", fmt.Sprintf(`{"token":%q}`, old))
	if status != 400 || !sameJSON(t, body, `{"detail":"VERIFY_USER_BAD_TOKEN"}`) {
		t.Fatalf("token for the old e-mail: %d %s", status, body)
	}
	// Changing back makes the token good again, as in FastAPI Users: it is
	// bound to the address, not to a moment.
	c.call("PATCH", "/users/me", "application/json", `{"email":"percival@camelot.bt"}`, l.AccessToken)
	if status, body := c.json("/auth/verify", fmt.Sprintf(`{"token":%q}`, old)); status != 200 {
		t.Fatalf("token for the restored e-mail: %d %s", status, body)
	}
}

// TestAcceptedWhateverTheEmail: forgot-password and request-verify-token
// answer byte-identically for every kind of address, and issue a token only
// where the contract says.
func TestAcceptedWhateverTheEmail(t *testing.T) {
	box := newMailbox()
	ta := newUserApp(t, func(o *Options[*user.User]) { box.hooks(&o.Hooks) })
	ta.register("active@camelot.bt", "guinevere")
	sleepy := ta.register("sleepy@camelot.bt", "guinevere")
	ta.set(sleepy, func(b *user.Base) { b.IsActive = false })
	done := ta.register("verified@camelot.bt", "guinevere")
	ta.set(done, func(b *user.Base) { b.IsVerified = true })
	for _, route := range []string{"/auth/forgot-password", "/auth/request-verify-token"} {
		var first *response
		for _, email := range []string{"active@camelot.bt", "nobody@camelot.bt", "sleepy@camelot.bt", "verified@camelot.bt"} {
			res := ta.do(newReq("POST", route).JSON(`{"email":"` + email + `"}`))
			if res.Status != 202 || string(res.Body) != "null" || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%s %s: %d %s", route, email, res.Status, res.Body)
			}
			if first == nil {
				first = &res
			} else if fmt.Sprint(res.Header) != fmt.Sprint(first.Header) {
				t.Fatalf("%s: headers differ: %v vs %v", route, res.Header, first.Header)
			}
		}
	}
	ta.ua.Shutdown(context.Background())
	box.mu.Lock()
	defer box.mu.Unlock()
	var keys []string
	for k := range box.tokens {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if fmt.Sprint(keys) != "[reset:active@camelot.bt reset:verified@camelot.bt verify:active@camelot.bt]" {
		t.Fatalf("tokens issued for %v", keys)
	}
}

// TestForgotPasswordAnswersBeforeTheHook: the answer does not wait for the
// lookup, the fingerprint hash or the mail, so it takes no longer for an
// existing account; a failing hook is logged and changes nothing.
func TestForgotPasswordAnswersBeforeTheHook(t *testing.T) {
	release := make(chan struct{})
	ran := make(chan struct{}, 1)
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Hooks.AfterForgotPassword = func(ctx context.Context, u *user.User, token string) error {
			<-release
			ran <- struct{}{}
			if _, ok := RequestFrom(ctx); !ok {
				t.Error("hook without its request")
			}
			return errors.New("smtp: connection refused")
		}
	})
	ta.register("king.arthur@camelot.bt", "guinevere")
	before := ta.hasher.Total()
	res := ta.do(newReq("POST", "/auth/forgot-password").JSON(`{"email":"king.arthur@camelot.bt"}`))
	if res.Status != 202 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	select {
	case <-ran:
		t.Fatal("the hook ran before the answer")
	default:
	}
	close(release)
	<-ran
	ta.ua.Shutdown(context.Background())
	if n := ta.hasher.Total() - before; n != 1 {
		t.Fatalf("forgot-password hashed %d times, want 1 (the fingerprint)", n)
	}
	if !strings.Contains(ta.logText(), "smtp: connection refused") {
		t.Fatal("the failing hook was not logged")
	}
}

func TestAccountRoutesContract(t *testing.T) {
	box := newMailbox()
	now := time.Now()
	w := newWorld(t, func(o *Options[*user.User]) { box.hooks(&o.Hooks) })
	mint := func(aud string, lifetime time.Duration, secret []byte, claims map[string]any) string {
		issued := now
		if lifetime < 0 { // already expired
			issued, lifetime = now.Add(2*lifetime-time.Hour), time.Hour
		}
		var ordered []auth.Claim
		for _, k := range slices.Sorted(maps.Keys(claims)) {
			ordered = append(ordered, auth.Claim{Name: k, Value: claims[k]})
		}
		tok, err := auth.PurposeToken{Secret: secret, Audience: aud, Lifetime: lifetime, Now: func() time.Time { return issued }}.Sign(ordered...)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	arthur := w.get(w.arthurID)
	fgpt, _ := w.hasher.Hash(context.Background(), arthur.HashedPassword)
	resetClaims := map[string]any{"sub": w.arthurID.String(), "password_fgpt": fgpt}
	goodReset := func() string { return mint(auth.ResetPasswordAudience, time.Hour, testSecret, resetClaims) }
	sleepy := w.get(w.sleepyID)
	sleepyFgpt, _ := w.hasher.Hash(context.Background(), sleepy.HashedPassword)
	verifyClaims := map[string]any{"sub": w.arthurID.String(), "email": "king.arthur@camelot.bt"}
	post := func(path, body string) func(*world) *req {
		return func(*world) *req { return newReq("POST", path).JSON(body) }
	}
	reset := func(token, password string) func(*world) *req {
		return post("/auth/reset-password", fmt.Sprintf(`{"token":%q,"password":%q}`, token, password))
	}
	verify := func(token string) func(*world) *req { return post("/auth/verify", fmt.Sprintf(`{"token":%q}`, token)) }
	const badReset, badVerify = `{"detail":"RESET_PASSWORD_BAD_TOKEN"}`, `{"detail":"VERIFY_USER_BAD_TOKEN"}`
	missingToken := `{"type":"missing","loc":["body","token"],"msg":"Field required","input":null}`
	runContract(t, w, []contractCase{
		{"forgot: missing email", post("/auth/forgot-password", `{}`), 422, `{"detail":[` + missingEmail + `]}`},
		{"forgot: invalid email", post("/auth/forgot-password", `{"email":"arthur"}`), 422, ""},
		{"forgot: malformed JSON", post("/auth/forgot-password", `{"email"`), 422, ""},
		{"forgot: empty body", post("/auth/forgot-password", ``), 422, missingBody},
		{"request-verify: missing email", post("/auth/request-verify-token", `{"mail":"a@camelot.bt"}`), 422, `{"detail":[` + missingEmail + `]}`},
		{"request-verify: email not a string", post("/auth/request-verify-token", `{"email":["a@camelot.bt"]}`), 422, ""},

		{"reset: missing both", post("/auth/reset-password", `{}`), 422, `{"detail":[` + missingToken + `,` + missingPassword + `]}`},
		{"reset: token not a string", post("/auth/reset-password", `{"token":1,"password":"excalibur"}`), 422, ""},
		{"reset: garbage token", reset("garbage", "excalibur"), 400, badReset},
		{"reset: expired", reset(mint(auth.ResetPasswordAudience, -time.Minute, testSecret, resetClaims), "excalibur"), 400, badReset},
		{"reset: verify token", reset(mint(auth.VerifyAudience, time.Hour, testSecret, resetClaims), "excalibur"), 400, badReset},
		{"reset: access token", func(w *world) *req { return reset(w.arthur, "excalibur")(w) }, 400, badReset},
		{"reset: wrong secret", reset(mint(auth.ResetPasswordAudience, time.Hour, []byte("another-secret-0123456789abcdef-0123456789"), resetClaims), "excalibur"), 400, badReset},
		{"reset: unknown user", reset(mint(auth.ResetPasswordAudience, time.Hour, testSecret, map[string]any{"sub": uuid.NewString(), "password_fgpt": fgpt}), "excalibur"), 400, badReset},
		{"reset: sub not a uuid", reset(mint(auth.ResetPasswordAudience, time.Hour, testSecret, map[string]any{"sub": "arthur", "password_fgpt": fgpt}), "excalibur"), 400, badReset},
		{"reset: no fingerprint", reset(mint(auth.ResetPasswordAudience, time.Hour, testSecret, map[string]any{"sub": w.arthurID.String()}), "excalibur"), 400, badReset},
		{"reset: fingerprint of another hash", reset(mint(auth.ResetPasswordAudience, time.Hour, testSecret, map[string]any{"sub": w.arthurID.String(), "password_fgpt": sleepyFgpt}), "excalibur"), 400, badReset},
		{"reset: inactive user", reset(mint(auth.ResetPasswordAudience, time.Hour, testSecret, map[string]any{"sub": w.sleepyID.String(), "password_fgpt": sleepyFgpt}), "excalibur"), 400, badReset},
		{"reset: short password", reset(goodReset(), "short"), 400, `{"detail":{"code":"RESET_PASSWORD_INVALID_PASSWORD","reason":"` + tooShortPassword + `"}}`},
		{"reset: ok", reset(goodReset(), "excalibur"), 200, "null"},
		{"reset: same token again", reset(goodReset(), "excalibur-2"), 400, badReset},

		{"verify: missing token", post("/auth/verify", `{}`), 422, `{"detail":[` + missingToken + `]}`},
		{"verify: null token", post("/auth/verify", `{"token":null}`), 422, ""},
		{"verify: garbage", verify("garbage"), 400, badVerify},
		{"verify: expired", verify(mint(auth.VerifyAudience, -time.Minute, testSecret, verifyClaims)), 400, badVerify},
		{"verify: reset token", verify(mint(auth.ResetPasswordAudience, time.Hour, testSecret, verifyClaims)), 400, badVerify},
		{"verify: unknown e-mail", verify(mint(auth.VerifyAudience, time.Hour, testSecret, map[string]any{"sub": w.arthurID.String(), "email": "nobody@camelot.bt"})), 400, badVerify},
		{"verify: e-mail of another user", verify(mint(auth.VerifyAudience, time.Hour, testSecret, map[string]any{"sub": w.arthurID.String(), "email": "merlin@camelot.bt"})), 400, badVerify},
		{"verify: no e-mail", verify(mint(auth.VerifyAudience, time.Hour, testSecret, map[string]any{"sub": w.arthurID.String()})), 400, badVerify},
		{"verify: already verified", verify(mint(auth.VerifyAudience, time.Hour, testSecret, verifyClaims)), 400, `{"detail":"VERIFY_USER_ALREADY_VERIFIED"}`},
	})
	// The reset went through: the new password logs in.
	w.login("king.arthur@camelot.bt", "excalibur")
}

func TestSeparateTokenSecrets(t *testing.T) {
	box := newMailbox()
	resetSecret := []byte("reset-secret-0123456789abcdef-0123456789")
	ta := newUserApp(t, func(o *Options[*user.User]) {
		box.hooks(&o.Hooks)
		o.ResetPasswordTokenSecret = resetSecret
		o.ResetPasswordTokenLifetime = 10 * time.Minute
	})
	id := ta.register("king.arthur@camelot.bt", "guinevere")
	ta.do(newReq("POST", "/auth/forgot-password").JSON(`{"email":"king.arthur@camelot.bt"}`))
	token := box.last(t, ta.ua, "reset:king.arthur@camelot.bt")
	claims, err := auth.PurposeToken{Secret: resetSecret, Audience: auth.ResetPasswordAudience, Lifetime: time.Minute}.Parse(token)
	if err != nil {
		t.Fatalf("reset token not signed with the reset secret: %v", err)
	}
	if exp := time.Unix(int64(claims["exp"].(float64)), 0); time.Until(exp) > 10*time.Minute {
		t.Fatalf("lifetime not applied: exp %v", exp)
	}
	if _, err := (auth.PurposeToken{Secret: testSecret, Audience: auth.ResetPasswordAudience, Lifetime: time.Minute}).Parse(token); err == nil {
		t.Fatal("reset token verifies with the main secret")
	}
	_ = id
	if _, err := New(Options[*user.User]{Store: ta.store, Secret: testSecret, Backends: testBackends(), VerificationTokenSecret: []byte("short")}); err == nil {
		t.Fatal("a short verification secret was accepted")
	}
}

// TestOurTokensHaveFastAPIUsersClaims: the reset and verification tokens we
// issue carry exactly the claims FastAPI Users writes, in its order (sub,
// password_fgpt, aud, exp; sub, email, aud, exp).
func TestOurTokensHaveFastAPIUsersClaims(t *testing.T) {
	box := newMailbox()
	ta := newUserApp(t, func(o *Options[*user.User]) { box.hooks(&o.Hooks) })
	id := ta.register("king.arthur@camelot.bt", "guinevere")
	ta.do(newReq("POST", "/auth/forgot-password").JSON(`{"email":"king.arthur@camelot.bt"}`))
	ta.do(newReq("POST", "/auth/request-verify-token").JSON(`{"email":"king.arthur@camelot.bt"}`))
	reset := payload(t, box.last(t, ta.ua, "reset:king.arthur@camelot.bt"))
	verify := payload(t, box.last(t, ta.ua, "verify:king.arthur@camelot.bt"))
	if keys(reset) != "aud exp password_fgpt sub" || reset["aud"] != "fastapi-users:reset" || reset["sub"] != id.String() {
		t.Fatalf("reset claims %v", reset)
	}
	stored := ta.get(id).HashedPassword
	if ok, _, err := ta.hasher.Verify(context.Background(), stored, reset["password_fgpt"].(string)); !ok || err != nil {
		t.Fatal("password_fgpt is not a hash of the stored hash")
	}
	if keys(verify) != "aud email exp sub" || verify["aud"] != "fastapi-users:verify" || verify["email"] != "king.arthur@camelot.bt" {
		t.Fatalf("verify claims %v", verify)
	}
	for _, tc := range []struct{ name, token, want string }{
		{"reset", box.last(t, ta.ua, "reset:king.arthur@camelot.bt"), "sub password_fgpt aud exp"},
		{"verify", box.last(t, ta.ua, "verify:king.arthur@camelot.bt"), "sub email aud exp"},
	} {
		if got := claimOrder(t, tc.token); got != tc.want {
			t.Errorf("%s token claims in the order %q, FastAPI Users writes %q", tc.name, got, tc.want)
		}
	}
}

// claimOrder lists the names of a token's claims in the order written.
func claimOrder(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // {
	var names []string
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(names, " ")
}

func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

func keys(m map[string]any) string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return strings.Join(k, " ")
}

// TestFastAPIUsersResetAndVerifyTokens replays the fixture tokens against the
// stored state each row describes.
func TestFastAPIUsersResetAndVerifyTokens(t *testing.T) {
	var resets struct {
		Secret string
		User   struct{ ID, Email string }
		Tokens []struct {
			ID, Token                   string
			CurrentStoredHashedPassword string `json:"current_stored_hashed_password"`
			Valid                       bool
		}
	}
	loadJSON(t, "reset_tokens.json", &resets)
	for _, row := range resets.Tokens {
		t.Run(row.ID, func(t *testing.T) {
			t.Parallel()
			ta := newUserApp(t, func(o *Options[*user.User]) { o.Secret = []byte(resets.Secret) })
			id := uuid.MustParse(resets.User.ID)
			ta.store.Create(context.Background(), &user.User{Base: user.Base{ID: id, Email: resets.User.Email, HashedPassword: row.CurrentStoredHashedPassword, IsActive: true}})
			res := ta.do(newReq("POST", "/auth/reset-password").JSON(fmt.Sprintf(`{"token":%q,"password":"excalibur"}`, row.Token)))
			if row.Valid && res.Status != 200 || !row.Valid && (res.Status != 400 || !sameJSON(t, res.Body, `{"detail":"RESET_PASSWORD_BAD_TOKEN"}`)) {
				t.Fatalf("valid=%v: %d %s", row.Valid, res.Status, res.Body)
			}
			if row.Valid {
				ta.login(resets.User.Email, "excalibur")
			}
		})
	}
	var verifies struct {
		Secret string
		User   struct{ ID string }
		Tokens []struct {
			ID, Token string
			Email     string `json:"current_user_email"`
			Verified  bool   `json:"current_user_is_verified"`
			Valid     bool
		}
	}
	loadJSON(t, "verify_tokens.json", &verifies)
	for _, row := range verifies.Tokens {
		t.Run(row.ID, func(t *testing.T) {
			ta := newUserApp(t, func(o *Options[*user.User]) { o.Secret = []byte(verifies.Secret) })
			ta.store.Create(context.Background(), &user.User{Base: user.Base{ID: uuid.MustParse(verifies.User.ID), Email: row.Email, IsActive: true, IsVerified: row.Verified}})
			res := ta.do(newReq("POST", "/auth/verify").JSON(fmt.Sprintf(`{"token":%q}`, row.Token)))
			if row.Valid && (res.Status != 200 || res.JSON(t)["is_verified"] != true) || !row.Valid && (res.Status != 400 || !sameJSON(t, res.Body, `{"detail":"VERIFY_USER_BAD_TOKEN"}`)) {
				t.Fatalf("valid=%v: %d %s", row.Valid, res.Status, res.Body)
			}
		})
	}
}

// TestConcurrentResetsWithOneToken: a token works once even when several
// requests race with it.
func TestConcurrentResetsWithOneToken(t *testing.T) {
	box := newMailbox()
	ta := newUserApp(t, func(o *Options[*user.User]) { box.hooks(&o.Hooks) })
	ta.register("king.arthur@camelot.bt", "guinevere")
	ta.do(newReq("POST", "/auth/forgot-password").JSON(`{"email":"king.arthur@camelot.bt"}`))
	token := box.last(t, ta.ua, "reset:king.arthur@camelot.bt")
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Go(func() {
			body := fmt.Sprintf(`{"token":%q,"password":"excalibur-%d"}`, token, i)
			statuses[i] = ta.do(newReq("POST", "/auth/reset-password").JSON(body)).Status
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == 200 {
			ok++
		} else if s != 400 {
			t.Fatalf("status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d resets succeeded with one token", ok)
	}
}
