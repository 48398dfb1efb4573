package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestLogoutEndsServerSideToken: after logout the token is refused, and a
// second logout with it is 401; the user's other session lives on.
func TestLogoutEndsServerSideToken(t *testing.T) {
	for _, k := range kinds() {
		if !k.serverSide {
			continue
		}
		t.Run(k.name, func(t *testing.T) {
			sa := newSessionApp(t, k, nil)
			sa.register("king.arthur@camelot.bt", "guinevere")
			phone := sa.token("king.arthur@camelot.bt", "guinevere")
			laptop := sa.token("king.arthur@camelot.bt", "guinevere")
			sa.mustDo(newReq("GET", "/users/me").Bearer(phone), http.StatusOK)
			sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(phone), http.StatusNoContent)
			if got := sa.me(phone); got != http.StatusUnauthorized {
				t.Fatalf("GET /users/me after logout = %d, want 401", got)
			}
			res := sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(phone), http.StatusUnauthorized)
			if string(res.Body) != `{"detail":"Unauthorized"}` {
				t.Fatalf("second logout body %s", res.Body)
			}
			if got := sa.me(laptop); got != http.StatusOK {
				t.Fatalf("the other session after logout = %d, want 200", got)
			}

			// Through the cookie: logout clears the cookie and ends the token.
			cookies := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")
			tok := cookies["fastapiusersauth"].Value
			sa.mustDo(newReq("POST", "/auth/cookie/logout").AuthCookie(tok), http.StatusNoContent)
			if got := sa.meCookie(tok); got != http.StatusUnauthorized {
				t.Fatalf("cookie after logout = %d, want 401", got)
			}
			sa.mustDo(newReq("POST", "/auth/cookie/logout").AuthCookie(tok), http.StatusUnauthorized)
		})
	}
}

// trigger is a change that must end every session of arthur.
type trigger struct {
	name string
	// run makes the change; boss is a superuser's bearer token.
	run func(t *testing.T, sa *sessionApp, id uuid.UUID, arthur, boss string)
	// after is arthur's password afterwards, "" when arthur cannot log in.
	after string
}

func triggers() []trigger {
	return []trigger{
		{"password change via PATCH /users/me in another session", func(t *testing.T, sa *sessionApp, _ uuid.UUID, _, _ string) {
			// A JWT issued in the same second as another of its user is
			// that token byte for byte: a second later, it is another.
			sa.clock.Advance(time.Second)
			changer := sa.token("king.arthur@camelot.bt", "guinevere")
			sa.mustDo(newReq("PATCH", "/users/me").Bearer(changer).JSON(`{"password":"excalibur"}`), http.StatusOK)
			if got := sa.me(changer); got != http.StatusOK {
				t.Fatalf("the token that changed the password = %d, want 200", got)
			}
		}, "excalibur"},
		{"password change by a superuser", func(t *testing.T, sa *sessionApp, id uuid.UUID, _, boss string) {
			sa.mustDo(newReq("PATCH", "/users/"+id.String()).Bearer(boss).JSON(`{"password":"excalibur"}`), http.StatusOK)
		}, "excalibur"},
		{"password reset", func(t *testing.T, sa *sessionApp, _ uuid.UUID, _, _ string) {
			if err := sa.ua.Manager().ForgotPassword(context.Background(), "king.arthur@camelot.bt"); err != nil {
				t.Fatal(err)
			}
			token := sa.resets["king.arthur@camelot.bt"]
			body, _ := json.Marshal(map[string]string{"token": token, "password": "excalibur"})
			sa.mustDo(newReq("POST", "/auth/reset-password").JSON(string(body)), http.StatusOK)
		}, "excalibur"},
		{"deactivation", func(t *testing.T, sa *sessionApp, id uuid.UUID, _, boss string) {
			sa.mustDo(newReq("PATCH", "/users/"+id.String()).Bearer(boss).JSON(`{"is_active":false}`), http.StatusOK)
			// Reactivated behind the routes' back: the old sessions must
			// not come back with the account.
			sa.set(id, func(b *user.Base) { b.IsActive = true })
		}, "guinevere"},
		{"deletion", func(t *testing.T, sa *sessionApp, id uuid.UUID, _, boss string) {
			sa.mustDo(newReq("DELETE", "/users/"+id.String()).Bearer(boss), http.StatusNoContent)
		}, ""},
		{"logout-all", func(t *testing.T, sa *sessionApp, _ uuid.UUID, arthur, _ string) {
			sa.mustDo(newReq("POST", "/auth/bearer/logout-all").Bearer(arthur), http.StatusNoContent)
		}, "guinevere"},
		{"logout-all through the cookie backend", func(t *testing.T, sa *sessionApp, _ uuid.UUID, _, _ string) {
			cookies := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")
			res := sa.mustDo(newReq("POST", "/auth/cookie/logout-all").AuthCookie(cookies["fastapiusersauth"].Value), http.StatusNoContent)
			if c := res.Cookies()["fastapiusersauth"]; c == nil || c.Value != "" || c.MaxAge != -1 {
				t.Fatalf("logout-all did not clear the cookie: %v", res.Header.Values("Set-Cookie"))
			}
		}, "guinevere"},
	}
}

// TestRevocationTriggers: on each trigger, every token of the user dies,
// on every backend, for every kind of session; another user's survive; the
// user can log in again.
func TestRevocationTriggers(t *testing.T) {
	for _, k := range kinds() {
		for _, tr := range triggers() {
			t.Run(k.name+"/"+tr.name, func(t *testing.T) {
				sa := newSessionApp(t, k, nil)
				id := sa.register("king.arthur@camelot.bt", "guinevere")
				sa.register("lancelot@camelot.bt", "guinevere")
				boss := sa.superuser()
				phone := sa.token("king.arthur@camelot.bt", "guinevere")
				laptop := sa.token("king.arthur@camelot.bt", "guinevere")
				browser := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")["fastapiusersauth"].Value
				bystander := sa.token("lancelot@camelot.bt", "guinevere")

				tr.run(t, sa, id, phone, boss)

				for name, tok := range map[string]string{"phone": phone, "laptop": laptop} {
					if got := sa.me(tok); got != http.StatusUnauthorized {
						t.Errorf("%s's token after %s: GET /users/me = %d, want 401", name, tr.name, got)
					}
				}
				if got := sa.meCookie(browser); got != http.StatusUnauthorized {
					t.Errorf("the browser's cookie after %s: GET /users/me = %d, want 401", tr.name, got)
				}
				if k.serverSide {
					// Revoked in the strategy itself, not only refused for the
					// user's state: the token no longer reads.
					if _, err := sa.strategy.ReadToken(context.Background(), phone); !errors.Is(err, backend.ErrInvalidToken) {
						t.Errorf("ReadToken after %s = %v, want ErrInvalidToken", tr.name, err)
					}
				}
				if got := sa.me(bystander); got != http.StatusOK {
					t.Errorf("another user's token after %s = %d, want 200", tr.name, got)
				}
				if got := sa.me(boss); got != http.StatusOK {
					t.Errorf("the superuser's token after %s = %d, want 200", tr.name, got)
				}
				if tr.after != "" {
					fresh := sa.token("king.arthur@camelot.bt", tr.after)
					if got := sa.me(fresh); got != http.StatusOK {
						t.Errorf("a new login after %s = %d, want 200", tr.name, got)
					}
				}
			})
		}
	}
}

// TestRevocationSparesOtherChanges: changes that are not credentials or
// privileges leave sessions alone.
func TestRevocationSparesOtherChanges(t *testing.T) {
	for _, k := range kinds() {
		t.Run(k.name, func(t *testing.T) {
			sa := newSessionApp(t, k, nil)
			id := sa.register("king.arthur@camelot.bt", "guinevere")
			boss := sa.superuser()
			tok := sa.token("king.arthur@camelot.bt", "guinevere")
			sa.mustDo(newReq("PATCH", "/users/me").Bearer(tok).JSON(`{"email":"arthur@camelot.bt"}`), http.StatusOK)
			sa.mustDo(newReq("PATCH", "/users/"+id.String()).Bearer(boss).JSON(`{"is_verified":true,"is_active":true}`), http.StatusOK)
			sa.mustDo(newReq("PATCH", "/users/me").Bearer(tok).JSON(`{}`), http.StatusOK)
			if got := sa.me(tok); got != http.StatusOK {
				t.Fatalf("token after an e-mail change and flag updates = %d, want 200", got)
			}
		})
	}
}

// revokeCounter counts RevokeUser calls reaching a strategy, and can fail
// them.
type revokeCounter struct {
	backend.Strategy
	calls atomic.Int64
	fail  error
}

func (r *revokeCounter) RevokeUser(ctx context.Context, id uuid.UUID) error {
	r.calls.Add(1)
	if r.fail != nil {
		return r.fail
	}
	return r.Strategy.(backend.Revoker).RevokeUser(ctx, id)
}

// TestRevocationOncePerStrategy: backends sharing a strategy or a refresh
// store revoke through it once; distinct ones each once.
func TestRevocationOncePerStrategy(t *testing.T) {
	shared := &revokeCounter{Strategy: backend.Database(memory.NewTokenStore(), time.Hour)}
	other := &revokeCounter{Strategy: backend.Database(memory.NewTokenStore(), time.Hour)}
	refreshes := &countingRefreshStore{RefreshStore: memory.NewRefreshStore()}
	refresh := &backend.RefreshConfig{Store: refreshes, Lifetime: time.Hour, MaxLifetime: 2 * time.Hour}
	sa := newSessionApp(t, kindNamed("database"), func(o *usersauth.Options[*user.User]) {
		o.Backends = []backend.Backend{
			{Name: "a", Transport: backend.Bearer("auth/a/login"), Strategy: shared, Refresh: refresh},
			{Name: "b", Transport: backend.Bearer("auth/b/login"), Strategy: shared, Refresh: refresh},
			{Name: "c", Transport: backend.Cookie(backend.CookieOptions{}), Strategy: other},
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(testSecret, time.Hour)},
		}
	})
	sa.register("king.arthur@camelot.bt", "guinevere")
	tok := sa.mustDo(newReq("POST", "/auth/a/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"), http.StatusOK).JSON(t)["access_token"].(string)
	sa.mustDo(newReq("POST", "/auth/a/logout-all").Bearer(tok), http.StatusNoContent)
	if s, o, r := shared.calls.Load(), other.calls.Load(), refreshes.userDeletes.Load(); s != 1 || o != 1 || r != 1 {
		t.Fatalf("RevokeUser calls: shared strategy %d, other %d, shared refresh store %d; want 1 each", s, o, r)
	}
}

type countingRefreshStore struct {
	backend.RefreshStore
	userDeletes atomic.Int64
	fail        error
}

func (c *countingRefreshStore) DeleteUserRefreshTokens(ctx context.Context, id uuid.UUID) (int, error) {
	c.userDeletes.Add(1)
	if c.fail != nil {
		return 0, c.fail
	}
	return c.RefreshStore.DeleteUserRefreshTokens(ctx, id)
}

// TestRevocationFailureIs500: when a store cannot revoke, the change stays
// written, the answer is 500 (never a silent success), and the log names
// the user, without a secret.
func TestRevocationFailureIs500(t *testing.T) {
	down := errors.New("token store unreachable")
	for _, tc := range []struct {
		name  string
		route func(sa *sessionApp, id uuid.UUID, tok, boss string) *req
		check func(t *testing.T, sa *sessionApp, id uuid.UUID)
	}{
		{"password change", func(_ *sessionApp, _ uuid.UUID, tok, _ string) *req {
			return newReq("PATCH", "/users/me").Bearer(tok).JSON(`{"password":"excalibur"}`)
		}, func(t *testing.T, sa *sessionApp, _ uuid.UUID) {
			sa.token("king.arthur@camelot.bt", "excalibur") // the new password works
		}},
		{"deletion", func(_ *sessionApp, id uuid.UUID, _, boss string) *req {
			return newReq("DELETE", "/users/"+id.String()).Bearer(boss)
		}, func(t *testing.T, sa *sessionApp, id uuid.UUID) {
			if _, err := sa.users.Get(context.Background(), id); !errors.Is(err, user.ErrNotFound) {
				t.Fatalf("the user was not deleted: %v", err)
			}
		}},
		{"logout-all", func(_ *sessionApp, _ uuid.UUID, tok, _ string) *req {
			return newReq("POST", "/auth/bearer/logout-all").Bearer(tok)
		}, func(t *testing.T, sa *sessionApp, id uuid.UUID) {
			if u, _ := sa.users.Get(context.Background(), id); u.TokenEpoch != 1 {
				t.Fatalf("TokenEpoch = %d, want 1", u.TokenEpoch)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counter := &revokeCounter{Strategy: backend.Database(memory.NewTokenStore(), time.Hour), fail: down}
			sa := newSessionApp(t, kindNamed("database"), func(o *usersauth.Options[*user.User]) {
				for i := range o.Backends {
					o.Backends[i].Strategy = counter
				}
			})
			id := sa.register("king.arthur@camelot.bt", "guinevere")
			boss := sa.superuser()
			tok := sa.token("king.arthur@camelot.bt", "guinevere")
			res := sa.do(tc.route(sa, id, tok, boss))
			if res.Status != http.StatusInternalServerError || string(res.Body) != `{"detail":"Internal Server Error"}` {
				t.Fatalf("answer %d %s, want 500", res.Status, res.Body)
			}
			tc.check(t, sa, id)
			logs := sa.logText()
			if !strings.Contains(logs, "ending sessions failed") || !strings.Contains(logs, id.String()) {
				t.Fatalf("the failure is not logged with the user id:\n%s", logs)
			}
			if strings.Contains(logs, tok) || strings.Contains(logs, "excalibur") {
				t.Fatal("a secret reached the log")
			}
		})
	}
}

// TestLogoutAllRequirements: logout-all authenticates and authorises like
// logout.
func TestLogoutAllRequirements(t *testing.T) {
	sa := newSessionApp(t, kindNamed("database"), func(o *usersauth.Options[*user.User]) { o.RequireVerification = true })
	id := sa.register("king.arthur@camelot.bt", "guinevere")
	sa.set(id, func(b *user.Base) { b.IsVerified = true })
	tok := sa.token("king.arthur@camelot.bt", "guinevere")
	cookie := sa.cookieLogin("king.arthur@camelot.bt", "guinevere")["fastapiusersauth"].Value
	sleepyID := sa.register("sleepy@camelot.bt", "zzzzzzzz")
	sa.set(sleepyID, func(b *user.Base) { b.IsVerified = true })
	sleepy := sa.token("sleepy@camelot.bt", "zzzzzzzz")
	sa.set(sleepyID, func(b *user.Base) { b.IsActive = false })
	unverifiedID := sa.register("galahad@camelot.bt", "holygrail")
	sa.set(unverifiedID, func(b *user.Base) { b.IsVerified = true })
	unverified := sa.token("galahad@camelot.bt", "holygrail")
	sa.set(unverifiedID, func(b *user.Base) { b.IsVerified = false })
	for _, tc := range []struct {
		name string
		r    *req
		want int
	}{
		{"no token", newReq("POST", "/auth/bearer/logout-all"), 401},
		{"garbage token", newReq("POST", "/auth/bearer/logout-all").Bearer("garbage"), 401},
		{"inactive user", newReq("POST", "/auth/bearer/logout-all").Bearer(sleepy), 401},
		{"unverified user", newReq("POST", "/auth/bearer/logout-all").Bearer(unverified), 403},
		{"cookie, cross-site", newReq("POST", "/auth/cookie/logout-all").AuthCookie(cookie).With("Sec-Fetch-Site", "cross-site"), 403},
		{"GET", newReq("GET", "/auth/bearer/logout-all").Bearer(tok), 405},
		{"unknown backend", newReq("POST", "/auth/nope/logout-all").Bearer(tok), 404},
		{"bearer", newReq("POST", "/auth/bearer/logout-all").Bearer(tok), 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sa.do(tc.r)
			if res.Status != tc.want {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, tc.want)
			}
		})
	}
	if got := sa.meCookie(cookie); got != http.StatusUnauthorized {
		t.Fatalf("the cookie session survived logout-all: %d", got)
	}
}

// TestNewRefreshConfiguration: usersauth.New refuses refresh tokens it cannot serve.
func TestNewRefreshConfiguration(t *testing.T) {
	good := &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: time.Hour}
	for _, tc := range []struct {
		name    string
		be      backend.Backend
		wantErr string
	}{
		{"a transport that cannot carry refresh tokens", backend.Backend{Name: "x", Transport: plainTransport{backend.Bearer("")}, Strategy: backend.JWT(testSecret, time.Hour), Refresh: good}, "RefreshTransport"},
		{"no store", backend.Backend{Name: "x", Transport: backend.Bearer(""), Strategy: backend.JWT(testSecret, time.Hour), Refresh: &backend.RefreshConfig{Lifetime: time.Hour, MaxLifetime: time.Hour}}, "RefreshStore"},
		{"no lifetime", backend.Backend{Name: "x", Transport: backend.Bearer(""), Strategy: backend.JWT(testSecret, time.Hour), Refresh: &backend.RefreshConfig{Store: memory.NewRefreshStore(), MaxLifetime: time.Hour}}, "Lifetime"},
		{"a bad refresh cookie name", backend.Backend{Name: "x", Transport: backend.Cookie(backend.CookieOptions{RefreshName: "__Host-r"}), Strategy: backend.JWT(testSecret, time.Hour), Refresh: good}, "__Host-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := usersauth.New(usersauth.Options[*user.User]{Store: memory.New[*user.User](), Secret: testSecret, Backends: []backend.Backend{tc.be}})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("usersauth.New = %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

// plainTransport is a Transport and nothing more.
type plainTransport struct{ backend.Transport }

func TestRefreshRouteOnlyWhenEnabled(t *testing.T) {
	sa := newSessionApp(t, kindNamed("database"), nil)
	for _, path := range []string{"/auth/bearer/refresh", "/auth/cookie/refresh"} {
		if res := sa.do(newReq("POST", path).Form("refresh_token", "x")); res.Status != http.StatusNotFound {
			t.Fatalf("%s without refresh tokens = %d, want 404", path, res.Status)
		}
	}
	// Login answers exactly as FastAPI Users does.
	sa.register("king.arthur@camelot.bt", "guinevere")
	res := sa.mustDo(newReq("POST", "/auth/bearer/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"), http.StatusOK)
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(res.Body)))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, fmt.Sprint(k))
		var v any
		dec.Decode(&v)
	}
	if strings.Join(keys, ",") != "access_token,token_type" {
		t.Fatalf("login keys %v", keys)
	}
}

// TestEpochTokensFromBefore: JWTs issued before the user's sessions were first ended
// (no epoch claim) keep working until the user's sessions are first ended.
func TestEpochTokensFromBefore(t *testing.T) {
	sa := newSessionApp(t, kindNamed("jwt-epoch"), nil)
	id := sa.register("king.arthur@camelot.bt", "guinevere")
	old, err := backend.JWT(testSecret, time.Hour).WriteToken(context.Background(), &user.Base{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	if got := sa.me(old); got != http.StatusOK {
		t.Fatalf("a token without an epoch = %d, want 200 while the epoch is 0", got)
	}
	sa.mustDo(newReq("POST", "/auth/bearer/logout-all").Bearer(old), http.StatusNoContent)
	if got := sa.me(old); got != http.StatusUnauthorized {
		t.Fatalf("a token without an epoch after logout-all = %d, want 401", got)
	}
	// Logout alone cannot end a JWT: the documented trade-off.
	tok := sa.token("king.arthur@camelot.bt", "guinevere")
	sa.mustDo(newReq("POST", "/auth/bearer/logout").Bearer(tok), http.StatusNoContent)
	if got := sa.me(tok); got != http.StatusOK {
		t.Fatalf("a revocable JWT after a plain logout = %d; the trade-off says 200", got)
	}
}
