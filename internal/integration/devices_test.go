package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// withRefresh names a kind with refresh tokens on or off.
func withRefresh(k kind, refresh bool) string {
	if refresh {
		return k.name + "+refresh"
	}
	return k.name
}

// deviceLogin logs in through the bearer backend with a user agent of its
// own and returns the answer's JSON.
func (sa *sessionApp) deviceLogin(agent, email, password string) map[string]any {
	sa.t.Helper()
	return sa.mustDo(newReq("POST", "/auth/bearer/login").Form("username", email, "password", password).With("User-Agent", agent), http.StatusOK).JSON(sa.t)
}

// sessionsByAgent lists the sessions with token, by user agent.
func (sa *sessionApp) sessionsByAgent(path, token string) map[string]map[string]any {
	sa.t.Helper()
	res := sa.mustDo(newReq("GET", path).Bearer(token), http.StatusOK)
	var items []map[string]any
	if err := json.Unmarshal(res.Body, &items); err != nil {
		sa.t.Fatalf("GET %s: %s", path, res.Body)
	}
	out := map[string]map[string]any{}
	for _, it := range items {
		ua, _ := it["user_agent"].(string)
		out[ua] = it
	}
	return out
}

// TestOwnPasswordChangeKeepsItsSession: a user's own password change ends
// every other session (other tokens, the browser's cookie, other refresh
// families) and keeps the one it was made in, which goes on working, on
// every kind of session, with and without refresh tokens; a later
// logout-all ends that one too.
func TestOwnPasswordChangeKeepsItsSession(t *testing.T) {
	for _, k := range kinds() {
		for _, refresh := range []bool{false, true} {
			t.Run(withRefresh(k, refresh), func(t *testing.T) {
				sa := buildSessionApp(t, k, refresh, nil)
				sa.register("king.arthur@camelot.bt", "guinevere")
				sa.register("lancelot@camelot.bt", "guinevere")
				lance := sa.token("lancelot@camelot.bt", "guinevere")
				// A second apart: a JWT of one user and second is one token.
				other := sa.login("king.arthur@camelot.bt", "guinevere")
				sa.clock.Advance(time.Second)
				browser := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")["fastapiusersauth"].Value
				sa.clock.Advance(time.Second)
				mine := sa.login("king.arthur@camelot.bt", "guinevere")
				sa.clock.Advance(time.Second)
				token := mine["access_token"].(string)

				sa.mustDo(newReq("PATCH", "/users/me").Bearer(token).JSON(`{"password":"excalibur"}`), http.StatusOK)
				if got := sa.me(other["access_token"].(string)); got != http.StatusUnauthorized {
					t.Errorf("another device's token = %d, want 401", got)
				}
				if got := sa.meCookie(browser); got != http.StatusUnauthorized {
					t.Errorf("the browser's cookie = %d, want 401", got)
				}
				if got := sa.me(lance); got != http.StatusOK {
					t.Errorf("another user's token = %d, want 200", got)
				}
				// The walkthrough goes on with the same token.
				if got := sa.me(token); got != http.StatusOK {
					t.Fatalf("the token that changed the password = %d, want 200", got)
				}
				sa.mustDo(newReq("PATCH", "/users/me").Bearer(token).JSON(`{}`), http.StatusOK)
				if refresh {
					if got := sa.refreshStatus(other["refresh_token"].(string)); got != http.StatusUnauthorized {
						t.Errorf("another device's refresh token = %d, want 401", got)
					}
					p := sa.refreshPair(mine["refresh_token"].(string))
					if got := sa.me(p.access); got != http.StatusOK {
						t.Errorf("a token refreshed in the kept session = %d, want 200", got)
					}
				}
				sa.mustDo(newReq("POST", "/auth/bearer/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"), http.StatusBadRequest)
				fresh := sa.token("king.arthur@camelot.bt", "excalibur")
				sa.mustDo(newReq("POST", "/auth/bearer/logout-all").Bearer(fresh), http.StatusNoContent)
				if got := sa.me(token); got != http.StatusUnauthorized {
					t.Errorf("the kept token after logout-all = %d, want 401", got)
				}
			})
		}
	}
}

// TestFirstJWTIsFastAPIUsers: the default JWT strategy's token, before the
// user's sessions were ever ended, is FastAPI Users' byte for byte (HS256
// over {"sub","aud","exp"} in its order); after logout-all and after a
// reset the old one is 401, and the new one carries the epoch.
func TestFirstJWTIsFastAPIUsers(t *testing.T) {
	sa := newSessionApp(t, kindNamed("jwt-epoch"), nil)
	id := sa.register("king.arthur@camelot.bt", "guinevere")
	signer, err := auth.NewJWTSigner(auth.HS256, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	fastapi := func() string {
		exp := sa.clock.Now().Add(time.Hour).Unix()
		tok, err := signer.Sign([]byte(`{"sub":"` + id.String() + `","aud":["fastapi-users:auth"],"exp":` + jsonInt(exp) + `}`))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	first := sa.token("king.arthur@camelot.bt", "guinevere")
	if first != fastapi() {
		t.Fatalf("first token\n%s\nis not FastAPI Users'\n%s", first, fastapi())
	}
	sa.mustDo(newReq("POST", "/auth/bearer/logout-all").Bearer(first), http.StatusNoContent)
	if got := sa.me(first); got != http.StatusUnauthorized {
		t.Fatalf("the first token after logout-all = %d, want 401", got)
	}
	second := sa.token("king.arthur@camelot.bt", "guinevere")
	if second == fastapi() || !strings.Contains(string(claimsOf(t, second)), `"usersauth_epoch":1`) {
		t.Fatalf("a token after logout-all carries no epoch: %s", claimsOf(t, second))
	}
	if err := sa.ua.Manager().ForgotPassword(context.Background(), "king.arthur@camelot.bt"); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"token": sa.resets["king.arthur@camelot.bt"], "password": "excalibur"})
	sa.mustDo(newReq("POST", "/auth/reset-password").JSON(string(body)), http.StatusOK)
	if got := sa.me(second); got != http.StatusUnauthorized {
		t.Fatalf("a token after a reset = %d, want 401", got)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func claimsOf(t *testing.T, jwt string) []byte {
	t.Helper()
	parts := strings.Split(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTwoDevices: two devices signed in with different user agents are two
// sessions; ending one from the other logs it out at once (its token is
// 401 on the next request) and leaves the other working. A JWT without
// refresh tokens has no session to list.
func TestTwoDevices(t *testing.T) {
	for _, k := range kinds() {
		for _, refresh := range []bool{false, true} {
			t.Run(withRefresh(k, refresh), func(t *testing.T) {
				sa := buildSessionApp(t, k, refresh, nil)
				sa.register("king.arthur@camelot.bt", "guinevere")
				phone := sa.deviceLogin("Camelot/2.1 (iPhone)", "king.arthur@camelot.bt", "guinevere")
				sa.clock.Advance(time.Second)
				laptop := sa.deviceLogin("Firefox/140.0", "king.arthur@camelot.bt", "guinevere")
				tPhone, tLaptop := phone["access_token"].(string), laptop["access_token"].(string)
				list := sa.sessionsByAgent("/users/me/sessions", tPhone)
				if !k.serverSide && !refresh {
					if len(list) != 0 {
						t.Fatalf("plain JWTs listed as sessions: %v", list)
					}
					return
				}
				p, l := list["Camelot/2.1 (iPhone)"], list["Firefox/140.0"]
				if len(list) != 2 || p == nil || l == nil || p["current"] != true || l["current"] != false || p["backend"] != "bearer" || p["ip"] != "192.0.2.1" {
					t.Fatalf("sessions: %v", list)
				}
				sa.mustDo(newReq("DELETE", "/users/me/sessions/"+l["id"].(string)).Bearer(tPhone), http.StatusNoContent)
				if got := sa.me(tLaptop); got != http.StatusUnauthorized {
					t.Fatalf("the ended device = %d, want 401 at once", got)
				}
				if refresh {
					if got := sa.refreshStatus(laptop["refresh_token"].(string)); got != http.StatusUnauthorized {
						t.Fatalf("the ended device's refresh = %d, want 401", got)
					}
				}
				if got := sa.me(tPhone); got != http.StatusOK {
					t.Fatalf("the other device = %d, want 200", got)
				}
				if list := sa.sessionsByAgent("/users/me/sessions", tPhone); len(list) != 1 || list["Camelot/2.1 (iPhone)"] == nil {
					t.Fatalf("sessions after ending one: %v", list)
				}
			})
		}
	}
}

// touchCounter counts the last-use writes reaching a token store.
type touchCounter struct {
	backend.TokenStore
	touches atomic.Int64
}

func (c *touchCounter) TouchToken(ctx context.Context, digest string, at time.Time) error {
	c.touches.Add(1)
	return c.TokenStore.TouchToken(ctx, digest, at)
}

// TestLastUseWrittenOncePerMinute: a thousand requests with one token
// within a minute write its last use once; each later minute, once more.
// The others are reads only.
func TestLastUseWrittenOncePerMinute(t *testing.T) {
	counter := &touchCounter{TokenStore: memory.NewTokenStore()}
	clock := strategytest.NewClock(sessionsStart)
	sa := newSessionApp(t, kindNamed("database"), func(o *usersauth.Options[*user.User]) {
		s := backend.NewDatabase(backend.DatabaseConfig{Store: counter, Lifetime: time.Hour, Now: clock.Now})
		for i := range o.Backends {
			o.Backends[i].Strategy = s
		}
	})
	sa.clock = clock
	sa.register("king.arthur@camelot.bt", "guinevere")
	tok := sa.token("king.arthur@camelot.bt", "guinevere")
	for minute := range 3 {
		sa.clock.Advance(time.Minute)
		for range 1000 {
			if got := sa.me(tok); got != http.StatusOK {
				t.Fatalf("GET /users/me = %d", got)
			}
			sa.clock.Advance(50 * time.Millisecond) // 1000 requests in under a minute
		}
		if got := counter.touches.Load(); got != int64(minute+1) {
			t.Fatalf("after minute %d: %d writes of the last use, want %d", minute+1, got, minute+1)
		}
		sa.clock.Advance(10 * time.Second)
	}
	s := sa.sessionsByAgent("/users/me/sessions", tok)[""]
	if s == nil || s["last_used_at"] == s["created_at"] {
		t.Fatalf("session %v: last use not recorded", s)
	}
}

// TestEndedSessionRefusesItsRefresh: a family ended one by one while its
// store failed to delete it cannot refresh: the user record's list refuses
// it, and the refresh ends it.
func TestEndedSessionRefusesItsRefresh(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("jwt-epoch"), nil)
	id := sa.register("king.arthur@camelot.bt", "guinevere")
	p := sa.loginPair("king.arthur@camelot.bt", "guinevere")
	list := sa.sessionsByAgent("/users/me/sessions", p.access)
	family := uuid.MustParse(list[""]["id"].(string))
	sa.set(id, func(b *user.Base) { b.EndedSessions = family.String() }) // recorded, not deleted
	if got := sa.refreshStatus(p.refresh); got != http.StatusUnauthorized {
		t.Fatalf("refresh of an ended session = %d, want 401", got)
	}
	sa.set(id, func(b *user.Base) { b.EndedSessions = "" })
	if got := sa.refreshStatus(p.refresh); got != http.StatusUnauthorized {
		t.Fatalf("refresh of a family the refused refresh ended = %d, want 401", got)
	}
}
