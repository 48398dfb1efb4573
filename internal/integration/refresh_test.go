package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/user"
)

// pair is what a bearer login or refresh answers with refresh tokens on.
type pair struct{ access, refresh string }

func (sa *sessionApp) loginPair(email, password string) pair {
	sa.t.Helper()
	return pairOf(sa.t, sa.mustDo(newReq("POST", "/auth/bearer/login").Form("username", email, "password", password), http.StatusOK))
}

// pairOf reads a bearer token answer, checking its keys and their order.
func pairOf(t testing.TB, res response) pair {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(res.Body)))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var v any
		dec.Decode(&v)
	}
	if strings.Join(keys, ",") != "access_token,token_type,refresh_token" {
		t.Fatalf("answer keys %v, want access_token, token_type, refresh_token", keys)
	}
	m := res.JSON(t)
	if m["token_type"] != "bearer" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("answer %s, headers %v", res.Body, res.Header)
	}
	return pair{m["access_token"].(string), m["refresh_token"].(string)}
}

func (sa *sessionApp) refreshPair(refresh string) pair {
	sa.t.Helper()
	return pairOf(sa.t, sa.mustDo(refreshForm(refresh), http.StatusOK))
}

func (sa *sessionApp) refreshStatus(refresh string) int {
	sa.t.Helper()
	return sa.do(refreshForm(refresh)).Status
}

// TestRefreshRotationAndReuse: end to end, for every kind of access token
// and its kind of refresh store: each refresh gives a working new pair and
// spends the old refresh token; presenting a spent one revokes the family,
// the newest token included, and is logged as a security event.
func TestRefreshRotationAndReuse(t *testing.T) {
	for _, k := range kinds() {
		t.Run(k.name, func(t *testing.T) {
			sa := newRefreshApp(t, k, nil)
			id := sa.register("king.arthur@camelot.bt", "guinevere")
			p0 := sa.loginPair("king.arthur@camelot.bt", "guinevere")
			other := sa.loginPair("king.arthur@camelot.bt", "guinevere") // another device
			if sa.me(p0.access) != http.StatusOK {
				t.Fatal("the login's access token does not work")
			}
			sa.clock.Advance(50 * time.Minute)
			p1 := sa.refreshPair(p0.refresh)
			if p1.refresh == p0.refresh || p1.access == p0.access {
				t.Fatal("refresh did not rotate")
			}
			if sa.me(p1.access) != http.StatusOK {
				t.Fatal("the refreshed access token does not work")
			}
			sa.clock.Advance(50 * time.Minute)
			p2 := sa.refreshPair(p1.refresh)

			// p0's refresh token was stolen and is replayed.
			res := sa.do(refreshForm(p0.refresh))
			if res.Status != http.StatusUnauthorized || string(res.Body) != `{"detail":"Unauthorized"}` {
				t.Fatalf("reused refresh token: %d %s, want 401", res.Status, res.Body)
			}
			if got := sa.refreshStatus(p2.refresh); got != http.StatusUnauthorized {
				t.Fatalf("the newest refresh token after a reuse = %d, want 401: the family is revoked", got)
			}
			if got := sa.refreshStatus(p1.refresh); got != http.StatusUnauthorized {
				t.Fatalf("a middle refresh token = %d, want 401", got)
			}
			logs := sa.logText()
			if !strings.Contains(logs, "refresh token reused") || !strings.Contains(logs, id.String()) {
				t.Fatalf("reuse not logged with the user id:\n%s", logs)
			}
			for _, secret := range []string{p0.refresh, p1.refresh, p2.refresh, p2.access} {
				if strings.Contains(logs, secret) {
					t.Fatal("a token reached the log")
				}
			}
			// Other logins are other families.
			if got := sa.refreshStatus(other.refresh); got != http.StatusOK {
				t.Fatalf("another device's refresh token = %d, want 200", got)
			}
		})
	}
}

// TestRefreshLifetimesEndToEnd: idle and absolute lifetimes by the injected
// clock, no sleeping.
func TestRefreshLifetimesEndToEnd(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		sa := newRefreshApp(t, kindNamed("database"), nil)
		sa.register("king.arthur@camelot.bt", "guinevere")
		p := sa.loginPair("king.arthur@camelot.bt", "guinevere")
		sa.clock.Advance(refreshIdle - time.Second)
		p = sa.refreshPair(p.refresh)
		sa.clock.Advance(refreshIdle)
		if got := sa.refreshStatus(p.refresh); got != http.StatusUnauthorized {
			t.Fatalf("refresh after the idle lifetime = %d, want 401", got)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		sa := newRefreshApp(t, kindNamed("database"), nil)
		sa.register("king.arthur@camelot.bt", "guinevere")
		p := sa.loginPair("king.arthur@camelot.bt", "guinevere")
		for elapsed := time.Duration(0); elapsed+24*time.Hour < refreshAbsolute; elapsed += 24 * time.Hour {
			sa.clock.Advance(24 * time.Hour)
			p = sa.refreshPair(p.refresh)
		}
		sa.clock.Advance(24 * time.Hour)
		if got := sa.refreshStatus(p.refresh); got != http.StatusUnauthorized {
			t.Fatalf("refresh past the family's absolute lifetime = %d, want 401", got)
		}
		// A new login starts a new family.
		p = sa.loginPair("king.arthur@camelot.bt", "guinevere")
		sa.refreshPair(p.refresh)
	})
}

// TestRefreshAfterUserChanges: what ends sessions ends refresh families;
// a user gone, inactive or unverified cannot refresh.
func TestRefreshAfterUserChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, sa *sessionApp, p pair)
		want   int
	}{
		{"password change in another session", func(t *testing.T, sa *sessionApp, p pair) {
			other := sa.loginPair("king.arthur@camelot.bt", "guinevere")
			sa.mustDo(newReq("PATCH", "/users/me").Bearer(other.access).JSON(`{"password":"excalibur"}`), http.StatusOK)
		}, 401},
		{"password change in this session", func(t *testing.T, sa *sessionApp, p pair) {
			sa.mustDo(newReq("PATCH", "/users/me").Bearer(p.access).JSON(`{"password":"excalibur"}`), http.StatusOK)
		}, 200},
		{"logout-all", func(t *testing.T, sa *sessionApp, p pair) {
			sa.mustDo(newReq("POST", "/auth/bearer/logout-all").Bearer(p.access), http.StatusNoContent)
		}, 401},
		{"password reset", func(t *testing.T, sa *sessionApp, p pair) {
			if err := sa.ua.Manager().ForgotPassword(context.Background(), "king.arthur@camelot.bt"); err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(map[string]string{"token": sa.resets["king.arthur@camelot.bt"], "password": "excalibur"})
			sa.mustDo(newReq("POST", "/auth/reset-password").JSON(string(body)), http.StatusOK)
		}, 401},
		{"deleted behind the routes' back", func(t *testing.T, sa *sessionApp, p pair) {
			u := sa.userByEmail("king.arthur@camelot.bt")
			if err := sa.users.Delete(context.Background(), u.ID); err != nil {
				t.Fatal(err)
			}
		}, 401},
		{"deactivated behind the routes' back", func(t *testing.T, sa *sessionApp, p pair) {
			sa.set(sa.userByEmail("king.arthur@camelot.bt").ID, func(b *user.Base) { b.IsActive = false })
		}, 401},
		{"unverified where verification is required", func(t *testing.T, sa *sessionApp, p pair) {
			sa.set(sa.userByEmail("king.arthur@camelot.bt").ID, func(b *user.Base) { b.IsVerified = false })
		}, 403},
		{"logout of another device", func(t *testing.T, sa *sessionApp, p pair) {
			other := sa.loginPair("king.arthur@camelot.bt", "guinevere")
			sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(other.access), http.StatusNoContent)
		}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa := newRefreshApp(t, kindNamed("database"), func(o *usersauth.Options[*user.User]) { o.RequireVerification = true })
			id := sa.register("king.arthur@camelot.bt", "guinevere")
			sa.set(id, func(b *user.Base) { b.IsVerified = true })
			p := sa.loginPair("king.arthur@camelot.bt", "guinevere")
			tc.change(t, sa, p)
			if got := sa.refreshStatus(p.refresh); got != tc.want {
				t.Fatalf("refresh after %s = %d, want %d", tc.name, got, tc.want)
			}
		})
	}
}

// TestRefreshFamilyEndsWithInactiveUser: a refresh refused because the user
// is inactive ends the family, so reactivating the user does not revive it.
func TestRefreshFamilyEndsWithInactiveUser(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("database"), nil)
	id := sa.register("king.arthur@camelot.bt", "guinevere")
	p := sa.loginPair("king.arthur@camelot.bt", "guinevere")
	sa.set(id, func(b *user.Base) { b.IsActive = false })
	if got := sa.refreshStatus(p.refresh); got != http.StatusUnauthorized {
		t.Fatalf("refresh of an inactive user = %d, want 401", got)
	}
	sa.set(id, func(b *user.Base) { b.IsActive = true })
	if got := sa.refreshStatus(p.refresh); got != http.StatusUnauthorized {
		t.Fatalf("refresh after reactivation = %d, want 401: the family ended", got)
	}
}

func (sa *sessionApp) userByEmail(email string) *user.User {
	sa.t.Helper()
	u, err := sa.users.GetByEmail(context.Background(), email)
	if err != nil {
		sa.t.Fatal(err)
	}
	return u
}

// TestRefreshRequests: the bearer refresh route's answers to every shape
// of request.
func TestRefreshRequests(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("database"), nil)
	sa.register("king.arthur@camelot.bt", "guinevere")
	fresh := func() string { return sa.loginPair("king.arthur@camelot.bt", "guinevere").refresh }
	const path = "/auth/bearer/refresh"
	for _, tc := range []struct {
		name   string
		r      func() *req
		want   int
		detail string // the body, when it matters
	}{
		{"form", func() *req { return newReq("POST", path).Form("refresh_token", fresh()) }, 200, ""},
		{"form with grant_type", func() *req { return newReq("POST", path).Form("grant_type", "refresh_token", "refresh_token", fresh()) }, 200, ""},
		{"form with a scope and a client id, ignored", func() *req {
			return newReq("POST", path).Form("grant_type", "refresh_token", "refresh_token", fresh(), "scope", "x", "client_id", "y")
		}, 200, ""},
		{"multipart", func() *req { return newReq("POST", path).Multipart("refresh_token", fresh()) }, 200, ""},
		{"JSON", func() *req { return newReq("POST", path).JSON(`{"refresh_token":"` + fresh() + `"}`) }, 200, ""},
		{"JSON with grant_type", func() *req {
			return newReq("POST", path).JSON(`{"grant_type":"refresh_token","refresh_token":"` + fresh() + `"}`)
		}, 200, ""},
		{"JSON without a content type", func() *req { return newReq("POST", path).Raw("", `{"refresh_token":"`+fresh()+`"}`) }, 200, ""},
		{"a bogus token", func() *req { return newReq("POST", path).Form("refresh_token", strings.Repeat("A", 43)) }, 401, `{"detail":"Unauthorized"}`},
		{"garbage", func() *req { return newReq("POST", path).Form("refresh_token", "garbage") }, 401, `{"detail":"Unauthorized"}`},
		{"an access token", func() *req {
			return newReq("POST", path).Form("refresh_token", sa.loginPair("king.arthur@camelot.bt", "guinevere").access)
		}, 401, ""},
		{"no body", func() *req { return newReq("POST", path) }, 422, `{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`},
		{"empty form", func() *req { return newReq("POST", path).Form() }, 422, `{"detail":[{"type":"missing","loc":["body","refresh_token"],"msg":"Field required","input":null}]}`},
		{"empty token", func() *req { return newReq("POST", path).Form("refresh_token", "") }, 422, ""},
		{"wrong grant_type", func() *req { return newReq("POST", path).Form("grant_type", "password", "refresh_token", fresh()) }, 422,
			`{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^refresh_token$'","input":"password","ctx":{"pattern":"^refresh_token$"}}]}`},
		{"JSON {}", func() *req { return newReq("POST", path).JSON(`{}`) }, 422, `{"detail":[{"type":"missing","loc":["body","refresh_token"],"msg":"Field required","input":null}]}`},
		{"JSON number", func() *req { return newReq("POST", path).JSON(`{"refresh_token":5}`) }, 422,
			`{"detail":[{"type":"string_type","loc":["body","refresh_token"],"msg":"Input should be a valid string","input":null}]}`},
		{"JSON null", func() *req { return newReq("POST", path).JSON(`{"refresh_token":null}`) }, 422, ""},
		{"JSON wrong grant_type", func() *req {
			return newReq("POST", path).JSON(`{"grant_type":"password","refresh_token":"` + fresh() + `"}`)
		}, 422, ""},
		{"JSON grant_type not a string", func() *req { return newReq("POST", path).JSON(`{"grant_type":1,"refresh_token":"x"}`) }, 422, ""},
		{"malformed JSON", func() *req { return newReq("POST", path).JSON(`{"refresh_token":`) }, 422, ""},
		{"a JSON array", func() *req { return newReq("POST", path).JSON(`[]`) }, 422, ""},
		{"text/plain", func() *req { return newReq("POST", path).Raw("text/plain", "refresh_token=x") }, 422, ""},
		{"too large", func() *req {
			return newReq("POST", path).Form("refresh_token", strings.Repeat("A", usersauth.MaxBodyBytes))
		}, 413, `{"detail":"Request Entity Too Large"}`},
		{"GET", func() *req { return newReq("GET", path) }, 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sa.do(tc.r())
			if res.Status != tc.want {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, tc.want)
			}
			if tc.detail != "" && !sameJSON(t, res.Body, tc.detail) {
				t.Fatalf("body %s, want %s", res.Body, tc.detail)
			}
			if tc.want == http.StatusOK {
				pairOf(t, res)
			}
		})
	}
}

// TestRefreshCookie: the cookie transport keeps the refresh token in its
// own HttpOnly, SameSite=Strict cookie scoped to the refresh route; refresh
// is CSRF-checked like login; logout clears both cookies.
func TestRefreshCookie(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("database"), nil)
	sa.register("king.arthur@camelot.bt", "guinevere")
	cookies := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")
	access, refresh := cookies["fastapiusersauth"], cookies["fastapiusersrefresh"]
	if access == nil || refresh == nil {
		t.Fatalf("login cookies %v", cookies)
	}
	if refresh.Path != "/auth/cookie/refresh" || !refresh.HttpOnly || !refresh.Secure || refresh.SameSite != http.SameSiteStrictMode ||
		refresh.MaxAge != int(refreshIdle/time.Second) {
		t.Fatalf("refresh cookie %+v", refresh)
	}
	if sa.meCookie(access.Value) != http.StatusOK {
		t.Fatal("the access cookie does not work")
	}
	refreshReq := func(token string) *req {
		return newReq("POST", "/auth/cookie/refresh").With("Cookie", "fastapiusersrefresh="+token)
	}
	for _, tc := range []struct {
		name string
		r    *req
		want int
	}{
		{"cross-site", refreshReq(refresh.Value).With("Sec-Fetch-Site", "cross-site"), 403},
		{"from a foreign origin", refreshReq(refresh.Value).With("Origin", "https://evil.example"), 403},
		{"no cookie", newReq("POST", "/auth/cookie/refresh"), 401},
		{"only the access cookie", newReq("POST", "/auth/cookie/refresh").AuthCookie(access.Value), 401},
		{"a bogus cookie", refreshReq(strings.Repeat("A", 43)), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := sa.do(tc.r); res.Status != tc.want {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, tc.want)
			}
		})
	}
	res := sa.mustDo(refreshReq(refresh.Value).With("Sec-Fetch-Site", "same-origin"), http.StatusNoContent)
	next := res.Cookies()
	if next["fastapiusersauth"] == nil || next["fastapiusersrefresh"] == nil || next["fastapiusersrefresh"].Value == refresh.Value {
		t.Fatalf("refresh cookies %v", res.Header.Values("Set-Cookie"))
	}
	if sa.meCookie(next["fastapiusersauth"].Value) != http.StatusOK {
		t.Fatal("the refreshed access cookie does not work")
	}
	if got := sa.do(refreshReq(refresh.Value)).Status; got != http.StatusUnauthorized {
		t.Fatalf("the spent refresh cookie = %d, want 401", got)
	}

	// Logout clears both cookies, the refresh one at its own path.
	fresh := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")
	res = sa.mustDo(newReq("POST", "/auth/cookie/logout").AuthCookie(fresh["fastapiusersauth"].Value), http.StatusNoContent)
	cleared := res.Cookies()
	if c := cleared["fastapiusersrefresh"]; c == nil || c.Value != "" || c.MaxAge != -1 || c.Path != "/auth/cookie/refresh" {
		t.Fatalf("logout did not clear the refresh cookie: %v", res.Header.Values("Set-Cookie"))
	}
	if c := cleared["fastapiusersauth"]; c == nil || c.Value != "" {
		t.Fatalf("logout did not clear the access cookie: %v", res.Header.Values("Set-Cookie"))
	}
}

// TestRefreshIgnoredByClients: a FastAPI Users client reads access_token
// and token_type, ignores the new key, and works as before.
func TestRefreshIgnoredByClients(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("database"), nil)
	sa.register("king.arthur@camelot.bt", "guinevere")
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	res := sa.mustDo(newReq("POST", "/auth/bearer/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"), http.StatusOK)
	if err := json.Unmarshal(res.Body, &answer); err != nil || answer.TokenType != "bearer" {
		t.Fatalf("%s: %v", res.Body, err)
	}
	sa.mustDo(newReq("GET", "/users/me").Bearer(answer.AccessToken), http.StatusOK)
	sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(answer.AccessToken), http.StatusNoContent)
	sa.mustDo(newReq("GET", "/users/me").Bearer(answer.AccessToken), http.StatusUnauthorized)
}

// TestRefreshSkipsAfterLogin: a refresh is not a login; the hook runs for
// logins only.
func TestRefreshSkipsAfterLogin(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("database"), nil)
	sa.register("king.arthur@camelot.bt", "guinevere")
	p := sa.loginPair("king.arthur@camelot.bt", "guinevere")
	if sa.logins != 1 {
		t.Fatalf("AfterLogin ran %d times for one login", sa.logins)
	}
	sa.refreshPair(p.refresh)
	if sa.logins != 1 {
		t.Fatalf("AfterLogin ran on refresh (%d calls)", sa.logins)
	}
}

// TestLogoutWithRefreshToken: a bearer client may send its refresh token to
// logout, which then ends that family; without it, logout ends the access
// token alone; another user's refresh token is left alone.
func TestLogoutWithRefreshToken(t *testing.T) {
	sa := newRefreshApp(t, kindNamed("database"), nil)
	sa.register("king.arthur@camelot.bt", "guinevere")
	sa.register("lancelot@camelot.bt", "guinevere")
	a := sa.loginPair("king.arthur@camelot.bt", "guinevere")
	b := sa.loginPair("king.arthur@camelot.bt", "guinevere")
	l := sa.loginPair("lancelot@camelot.bt", "guinevere")

	sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(a.access).Form("refresh_token", a.refresh), http.StatusNoContent)
	if got := sa.refreshStatus(a.refresh); got != http.StatusUnauthorized {
		t.Fatalf("refresh after a logout that sent it = %d, want 401", got)
	}
	sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(b.access), http.StatusNoContent)
	b = sa.refreshPair(b.refresh) // not sent: the family lives on
	sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(b.access).JSON(`{"refresh_token":"`+l.refresh+`"}`), http.StatusNoContent)
	if got := sa.refreshStatus(l.refresh); got != http.StatusOK {
		t.Fatalf("another user's family after a logout that named it = %d, want 200", got)
	}
	// A body that does not parse is no refresh token, and no error.
	c := sa.loginPair("king.arthur@camelot.bt", "guinevere")
	sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(c.access).JSON(`{"refresh_token":`), http.StatusNoContent)
}
