package usersauth

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// sessionsApp is a testApp with a backend of each kind of session: "db"
// (database tokens), "jwt" (JWTs with refresh tokens), "cookie" (database
// tokens in a cookie) and "plain" (JWTs alone: no listable session), behind
// a trusted proxy at 10.0.0.0/8, on a clock of its own.
type sessionsApp struct {
	*testApp[*user.User]
	clock *strategytest.Clock
}

var sessionsClock = time.Date(2026, 11, 28, 14, 45, 51, 0, time.UTC)

func newSessionsApp(t *testing.T) *sessionsApp {
	t.Helper()
	clock := strategytest.NewClock(sessionsClock)
	tokens := backend.NewDatabase(backend.DatabaseConfig{Store: memory.NewTokenStore(), Lifetime: time.Hour, Now: clock.Now})
	jwt := backend.NewJWT(backend.JWTConfig{Secret: testSecret, Lifetime: 15 * time.Minute, Now: clock.Now})
	refresh := &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: 24 * time.Hour, MaxLifetime: 30 * 24 * time.Hour, Now: clock.Now}
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Backends = []backend.Backend{
			{Name: "db", Transport: backend.Bearer("auth/db/login"), Strategy: tokens},
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: jwt, Refresh: refresh},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{}), Strategy: tokens},
			{Name: "plain", Transport: backend.Bearer("auth/plain/login"), Strategy: jwt},
		}
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		o.Now = clock.Now
	})
	return &sessionsApp{testApp: ta, clock: clock}
}

// device logs in through a backend as one device: its user agent, its
// address (and the proxy it came through, if any). It returns the answer's
// JSON: access_token, and refresh_token for "jwt".
func (sa *sessionsApp) device(backendName, agent, remote, forwarded, email, password string) map[string]any {
	sa.t.Helper()
	r := newReq("POST", "/auth/"+backendName+"/login").Form("username", email, "password", password).With("User-Agent", agent).From(remote)
	if forwarded != "" {
		r.With("X-Forwarded-For", forwarded)
	}
	res := sa.do(r)
	if res.Status != http.StatusOK {
		sa.t.Fatalf("login through %s: %d %s", backendName, res.Status, res.Body)
	}
	return res.JSON(sa.t)
}

// sessions lists with token and returns the items by user agent.
func (sa *sessionsApp) sessions(path, token string) map[string]map[string]any {
	sa.t.Helper()
	res := sa.do(newReq("GET", path).Bearer(token))
	if res.Status != http.StatusOK {
		sa.t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var items []map[string]any
	if err := json.Unmarshal(res.Body, &items); err != nil {
		sa.t.Fatalf("GET %s: %s: %v", path, res.Body, err)
	}
	out := map[string]map[string]any{}
	for _, it := range items {
		ua, _ := it["user_agent"].(string)
		out[ua] = it
	}
	if len(out) != len(items) {
		sa.t.Fatalf("two sessions with one user agent: %s", res.Body)
	}
	return out
}

func (sa *sessionsApp) me(token string) int {
	sa.t.Helper()
	return sa.do(newReq("GET", "/users/me").Bearer(token)).Status
}

// TestSessionsList: each listable sign-in is one session, with its backend,
// client address (behind the trusted proxy, the forwarded one), user agent
// and times, the caller's own marked current; a JWT without refresh tokens
// is none.
func TestSessionsList(t *testing.T) {
	sa := newSessionsApp(t)
	sa.register("king.arthur@camelot.bt", "guinevere")
	phone := sa.device("db", "Camelot/2.1 (iPhone)", "203.0.113.7:4711", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	sa.clock.Advance(time.Minute)
	laptop := sa.device("jwt", "Firefox/140.0", "10.0.0.2:80", "198.51.100.9", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	plain := sa.device("plain", "curl/8.11", "203.0.113.8:1", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)

	res := sa.do(newReq("GET", "/users/me/sessions").Bearer(phone))
	var raw []json.RawMessage
	if err := json.Unmarshal(res.Body, &raw); err != nil || len(raw) != 2 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /users/me/sessions: %d %s", res.Status, res.Body)
	}
	// Most recently used first: the laptop signed in a minute later.
	laptopID, phoneID := "", ""
	var first, second map[string]any
	json.Unmarshal(raw[0], &first)
	json.Unmarshal(raw[1], &second)
	laptopID, phoneID = first["id"].(string), second["id"].(string)
	wantLaptop := `{"id":"` + laptopID + `","backend":"jwt","created_at":"2026-11-28T14:46:51Z","last_used_at":"2026-11-28T14:46:51Z","expires_at":"2026-11-29T14:46:51Z","ip":"198.51.100.9","user_agent":"Firefox/140.0","current":false}`
	wantPhone := `{"id":"` + phoneID + `","backend":"db","created_at":"2026-11-28T14:45:51Z","last_used_at":"2026-11-28T14:46:51Z","expires_at":"2026-11-28T15:45:51Z","ip":"203.0.113.7","user_agent":"Camelot/2.1 (iPhone)","current":true}`
	if string(raw[0]) != wantLaptop || string(raw[1]) != wantPhone {
		t.Fatalf("sessions:\n%s\n%s\nwant\n%s\n%s", raw[0], raw[1], wantLaptop, wantPhone)
	}
	// The laptop sees itself current; the plain JWT is no session, so
	// nothing is current for it.
	if s := sa.sessions("/users/me/sessions", laptop); s["Firefox/140.0"]["current"] != true || s["Camelot/2.1 (iPhone)"]["current"] != false {
		t.Fatalf("from the laptop: %v", s)
	}
	if s := sa.sessions("/users/me/sessions", plain); len(s) != 2 || s["Firefox/140.0"]["current"] != false || s["Camelot/2.1 (iPhone)"]["current"] != false {
		t.Fatalf("from a plain JWT: %v", s)
	}
	for _, id := range []string{laptopID, phoneID} {
		if strings.Contains(phone+laptop, id) {
			t.Fatal("a session id is (part of) its token")
		}
	}
}

// TestEndOneSession: DELETE /users/me/sessions/{id} logs that device out at
// once, its JWT as well as its refresh token, and leaves the others; ids
// that are none of the caller's live sessions are 404 and end nothing.
func TestEndOneSession(t *testing.T) {
	sa := newSessionsApp(t)
	sa.register("king.arthur@camelot.bt", "guinevere")
	sa.register("lancelot@camelot.bt", "guinevere")
	phone := sa.device("db", "Phone", "203.0.113.7:1", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	laptopLogin := sa.device("jwt", "Laptop", "203.0.113.8:1", "", "king.arthur@camelot.bt", "guinevere")
	laptop, laptopRefresh := laptopLogin["access_token"].(string), laptopLogin["refresh_token"].(string)
	tablet := sa.device("db", "Tablet", "203.0.113.9:1", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	lancelot := sa.device("jwt", "Lance", "203.0.113.10:1", "", "lancelot@camelot.bt", "guinevere")["access_token"].(string)
	ids := map[string]string{}
	for agent, s := range sa.sessions("/users/me/sessions", phone) {
		ids[agent] = s["id"].(string)
	}
	lanceID := sa.sessions("/users/me/sessions", lancelot)["Lance"]["id"].(string)

	for _, tc := range []struct{ name, id string }{
		{"unknown", uuid.NewString()}, {"another user's", lanceID}, {"not an id", "laptop"},
		{"undashed", strings.ReplaceAll(ids["Laptop"], "-", "")}, {"the nil id", uuid.Nil.String()},
	} {
		res := sa.do(newReq("DELETE", "/users/me/sessions/"+tc.id).Bearer(phone))
		if res.Status != http.StatusNotFound || string(res.Body) != `{"detail":"Not Found"}` {
			t.Fatalf("DELETE %s session: %d %s", tc.name, res.Status, res.Body)
		}
	}
	if got := sa.me(lancelot); got != http.StatusOK {
		t.Fatalf("another user's session after a refused DELETE = %d", got)
	}

	res := sa.do(newReq("DELETE", "/users/me/sessions/"+ids["Laptop"]).Bearer(phone))
	if res.Status != http.StatusNoContent || len(res.Body) != 0 {
		t.Fatalf("DELETE the laptop's session: %d %s", res.Status, res.Body)
	}
	if got := sa.me(laptop); got != http.StatusUnauthorized {
		t.Fatalf("the laptop's JWT after its session ended = %d, want 401 at once", got)
	}
	if res := sa.do(newReq("POST", "/auth/jwt/refresh").Form("refresh_token", laptopRefresh)); res.Status != http.StatusUnauthorized {
		t.Fatalf("the laptop's refresh token after its session ended = %d", res.Status)
	}
	for name, tok := range map[string]string{"phone": phone, "tablet": tablet, "lancelot": lancelot} {
		if got := sa.me(tok); got != http.StatusOK {
			t.Fatalf("%s after the laptop's session ended = %d, want 200", name, got)
		}
	}
	if res := sa.do(newReq("DELETE", "/users/me/sessions/"+ids["Laptop"]).Bearer(phone)); res.Status != http.StatusNotFound {
		t.Fatalf("DELETE an ended session: %d", res.Status)
	}
	// Ending a database token's session; then one's own, which is a logout.
	sa.do(newReq("DELETE", "/users/me/sessions/"+ids["Tablet"]).Bearer(phone))
	if got := sa.me(tablet); got != http.StatusUnauthorized {
		t.Fatalf("the tablet after its session ended = %d", got)
	}
	if res := sa.do(newReq("DELETE", "/users/me/sessions/"+ids["Phone"]).Bearer(phone)); res.Status != http.StatusNoContent {
		t.Fatalf("DELETE one's own session: %d", res.Status)
	}
	if got := sa.me(phone); got != http.StatusUnauthorized {
		t.Fatalf("the phone after ending its own session = %d", got)
	}
	// The laptop logs in again: a new session, not the ended one.
	again := sa.device("jwt", "Laptop", "203.0.113.8:1", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	if got := sa.me(again); got != http.StatusOK {
		t.Fatalf("a new login after the session ended = %d", got)
	}
}

// TestSessionRoutesAccess: who may do what, in the contract's precedence:
// 401 without a user, 403 for a non-superuser before any lookup, 404 for an
// unknown user; a superuser lists, ends one and ends all of a user's
// sessions; a cookie-carried DELETE from another site is refused.
func TestSessionRoutesAccess(t *testing.T) {
	sa := newSessionsApp(t)
	id := sa.register("king.arthur@camelot.bt", "guinevere")
	bossID := sa.register("merlin@camelot.bt", "avalon-mist")
	sa.set(bossID, func(b *user.Base) { b.IsSuperuser = true })
	arthur := sa.device("db", "Phone", "203.0.113.7:1", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	arthur2 := sa.device("jwt", "Laptop", "203.0.113.7:1", "", "king.arthur@camelot.bt", "guinevere")["access_token"].(string)
	boss := sa.device("db", "Boss", "203.0.113.1:1", "", "merlin@camelot.bt", "avalon-mist")["access_token"].(string)
	sid := sa.sessions("/users/me/sessions", arthur)["Phone"]["id"].(string)
	users := "/users/" + id.String() + "/sessions"
	for _, tc := range []struct {
		name   string
		r      *req
		status int
	}{
		{"list without a token", newReq("GET", "/users/me/sessions"), 401},
		{"end without a token", newReq("DELETE", "/users/me/sessions/"+sid), 401},
		{"list with garbage", newReq("GET", "/users/me/sessions").Bearer("garbage"), 401},
		{"a user's sessions, not a superuser", newReq("GET", users).Bearer(arthur), 403},
		{"end a user's session, not a superuser", newReq("DELETE", users+"/"+sid).Bearer(arthur), 403},
		{"end a user's sessions, not a superuser", newReq("DELETE", users).Bearer(arthur), 403},
		{"not a superuser, unknown user", newReq("GET", "/users/"+uuid.NewString()+"/sessions").Bearer(arthur), 403},
		{"unknown user", newReq("GET", "/users/"+uuid.NewString()+"/sessions").Bearer(boss), 404},
		{"unparsable user", newReq("GET", "/users/me2/sessions").Bearer(boss), 404},
		{"DELETE /users/me/sessions is no route of a user", newReq("DELETE", "/users/me/sessions").Bearer(arthur), 403},
		{"another user's session as theirs", newReq("DELETE", "/users/"+bossID.String()+"/sessions/"+sid).Bearer(boss), 404},
		{"PUT", newReq("PUT", "/users/me/sessions").Bearer(arthur), 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := sa.do(tc.r); res.Status != tc.status {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, tc.status)
			}
		})
	}
	// Cross-site DELETE with the cookie: refused, the session lives.
	cookie := sa.do(newReq("POST", "/auth/cookie/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere")).Cookie("fastapiusersauth").Value
	if res := sa.do(newReq("DELETE", "/users/me/sessions/"+sid).AuthCookie(cookie).With("Sec-Fetch-Site", "cross-site")); res.Status != http.StatusForbidden {
		t.Fatalf("cross-site DELETE with the cookie: %d", res.Status)
	}
	if got := sa.me(arthur); got != http.StatusOK {
		t.Fatalf("the session after a refused cross-site DELETE = %d", got)
	}

	if s := sa.sessions(users, boss); len(s) != 3 || s["Phone"]["current"] != false {
		t.Fatalf("a superuser's listing: %v", s)
	}
	if res := sa.do(newReq("DELETE", users+"/"+sid).Bearer(boss)); res.Status != http.StatusNoContent {
		t.Fatalf("a superuser ends a session: %d %s", res.Status, res.Body)
	}
	if got := sa.me(arthur); got != http.StatusUnauthorized {
		t.Fatalf("the session a superuser ended = %d", got)
	}
	if got := sa.me(arthur2); got != http.StatusOK {
		t.Fatalf("the user's other session = %d", got)
	}
	if res := sa.do(newReq("DELETE", users).Bearer(boss)); res.Status != http.StatusNoContent {
		t.Fatalf("a superuser ends every session: %d %s", res.Status, res.Body)
	}
	if got, c := sa.me(arthur2), sa.do(newReq("GET", "/users/me").AuthCookie(cookie)).Status; got != http.StatusUnauthorized || c != http.StatusUnauthorized {
		t.Fatalf("after every session ended: JWT %d, cookie %d; want 401", got, c)
	}
	if got := sa.me(boss); got != http.StatusOK {
		t.Fatalf("the superuser's own session = %d", got)
	}
}

// TestTwoFactorChangesKeepTheirSession: enabling and removing a second
// factor end the user's other sessions and keep the one the change is made
// in (user.Manager.EndOtherSessions), its refresh family included.
func TestTwoFactorChangesKeepTheirSession(t *testing.T) {
	ta := newTFApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	refreshLogin := func() (string, string) {
		res := ta.do(newReq("POST", "/auth/refresh/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
		if res.Status != http.StatusOK {
			t.Fatalf("login: %d %s", res.Status, res.Body)
		}
		m := res.JSON(t)
		return m["access_token"].(string), m["refresh_token"].(string)
	}
	me := func(tok string) int { return ta.do(newReq("GET", "/users/me").Bearer(tok)).Status }
	// The refresh backend's JWTs name their session, so they differ from
	// the plain one issued in the same second.
	plain := ta.login("king.arthur@camelot.bt", "guinevere")
	current, currentRefresh := refreshLogin()
	other, otherRefresh := refreshLogin()
	secret, _ := ta.enrol(current, "guinevere")
	if me(plain) != http.StatusUnauthorized || me(other) != http.StatusUnauthorized {
		t.Fatalf("after enrolment: plain %d, other %d; want 401", me(plain), me(other))
	}
	if me(current) != http.StatusOK {
		t.Fatalf("the session that enrolled = %d, want 200", me(current))
	}
	refresh := func(tok string) int {
		return ta.do(newReq("POST", "/auth/refresh/refresh").Form("refresh_token", tok)).Status
	}
	if refresh(otherRefresh) != http.StatusUnauthorized {
		t.Fatal("another session's refresh token survived the enrolment")
	}
	if refresh(currentRefresh) != http.StatusOK {
		t.Fatal("the enrolling session's refresh token died with the others")
	}
	second := ta.login2FA(t, "jwt", secret)
	if res := ta.do(newReq("DELETE", "/users/me/2fa/totp").Bearer(current).JSON(`{"password":"guinevere"}`)); res.Status != http.StatusNoContent {
		t.Fatalf("removing TOTP: %d %s", res.Status, res.Body)
	}
	if me(second) != http.StatusUnauthorized || me(current) != http.StatusOK {
		t.Fatalf("after removal: the other %d (want 401), the current %d (want 200)", me(second), me(current))
	}
}
