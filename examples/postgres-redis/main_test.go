package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/internal/testenv"
)

const testSecret = "postgres-redis-example-test-secret-0123456789"

// sharedConfig is the configuration every instance of one test shares: a
// PostgreSQL schema and a Redis key prefix of the test's own, removed at the
// end. It skips without PostgreSQL or Redis (fails in CI).
func sharedConfig(t *testing.T) config {
	t.Helper()
	postgres := testenv.PostgresSchema(t, "example")
	redisAddr := testenv.Redis(t)
	ctx := context.Background()

	prefix := "usersauth_example:" + testenv.RandomHex(t, 8) + ":"
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() {
		defer rdb.Close()
		var keys []string
		it := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return config{addr: "127.0.0.1:0", postgres: postgres, redis: redisAddr, redisPrefix: prefix, secret: testSecret}
}

// startInstance runs one instance on a free port of 127.0.0.1 until the
// test ends, and returns its base URL.
func startInstance(t *testing.T, cfg config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- run(ctx, cfg, log, func(_ *app, addr net.Addr) { ready <- addr }) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("instance did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("instance did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("instance: %v", err)
		}
	})
	return "http://" + addr.String()
}

// client talks to one instance.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) client {
	return client{t: t, base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// call sends a request with the given headers and body ("" for none).
func (c client) call(method, path string, header http.Header, body string) (*http.Response, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, b
}

func (c client) want(step string, status int, method, path string, header http.Header, body string) (*http.Response, []byte) {
	c.t.Helper()
	resp, b := c.call(method, path, header, body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s (%s %s on %s): %d %s, want %d", step, method, path, c.base, resp.StatusCode, b, status)
	}
	return resp, b
}

var (
	jsonType = http.Header{"Content-Type": {"application/json"}}
	formType = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
)

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

func cookie(token string) http.Header { return http.Header{"Cookie": {"fastapiusersauth=" + token}} }

func withJSON(h http.Header) http.Header {
	h = h.Clone()
	h.Set("Content-Type", "application/json")
	return h
}

func (c client) register(email, password string) {
	c.t.Helper()
	c.want("register", http.StatusCreated, "POST", "/auth/register", jsonType, `{"email":"`+email+`","password":"`+password+`"}`)
}

// login logs in through a backend and returns the header that carries the
// session, and the refresh token if one came with it.
func (c client) login(backendName, email, password string) (http.Header, string) {
	c.t.Helper()
	form := url.Values{"username": {email}, "password": {password}}.Encode()
	if backendName == "cookie" {
		resp, _ := c.want("cookie login", http.StatusNoContent, "POST", "/auth/cookie/login", formType, form)
		for _, ck := range resp.Cookies() {
			if ck.Name == "fastapiusersauth" {
				return cookie(ck.Value), ""
			}
		}
		c.t.Fatal("cookie login set no cookie")
	}
	_, body := c.want(backendName+" login", http.StatusOK, "POST", "/auth/"+backendName+"/login", formType, form)
	var answer struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.AccessToken == "" {
		c.t.Fatalf("login answer %s: %v", body, err)
	}
	return bearer(answer.AccessToken), answer.RefreshToken
}

func (c client) me(session http.Header) int {
	c.t.Helper()
	resp, _ := c.call("GET", "/users/me", session, "")
	return resp.StatusCode
}

func TestConfigCheck(t *testing.T) {
	good := config{postgres: "postgres://x", redis: "127.0.0.1:6379", secret: testSecret}
	for _, tc := range []struct {
		name    string
		change  func(*config)
		wantErr string
	}{
		{"complete", func(*config) {}, ""},
		{"no PostgreSQL", func(c *config) { c.postgres = "" }, "USERSAUTH_POSTGRES"},
		{"no Redis", func(c *config) { c.redis = "" }, "USERSAUTH_REDIS"},
		{"no secret", func(c *config) { c.secret = "" }, "USERSAUTH_SECRET"},
		{"a short secret", func(c *config) { c.secret = "short" }, "USERSAUTH_SECRET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			err := cfg.check()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("check = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestSmoke runs the example once: every backend logs in, reads the
// profile, reaches the host's route and logs out.
func TestSmoke(t *testing.T) {
	c := newClient(t, startInstance(t, sharedConfig(t)))
	c.register("king.arthur@camelot.bt", "guinevere")
	for _, be := range []string{"redis", "cookie", "jwt"} {
		t.Run(be, func(t *testing.T) {
			c.t = t
			session, _ := c.login(be, "king.arthur@camelot.bt", "guinevere")
			c.want("me", http.StatusOK, "GET", "/users/me", session, "")
			_, body := c.want("host route", http.StatusOK, "GET", "/authenticated-route", session, "")
			if !strings.Contains(string(body), "Hello king.arthur@camelot.bt!") {
				t.Fatalf("host route: %s", body)
			}
			c.want("logout", http.StatusNoContent, "POST", "/auth/"+be+"/logout", session, "")
		})
	}
}

// TestTwoInstances: two instances on different ports share one PostgreSQL
// schema and one Redis prefix. A session made on one works on the other,
// and ending it on either ends it on both.
func TestTwoInstances(t *testing.T) {
	cfg := sharedConfig(t)
	cfg.refresh = true
	baseA, baseB := startInstance(t, cfg), startInstance(t, cfg)
	if baseA == baseB {
		t.Fatal("both instances on one address")
	}
	a, b := newClient(t, baseA), newClient(t, baseB)
	a.register("king.arthur@camelot.bt", "guinevere")

	// Server-side tokens: logout on B ends the token A issued, on A.
	for _, be := range []string{"redis", "cookie"} {
		t.Run("logout on B ends the "+be+" token on A", func(t *testing.T) {
			a.t, b.t = t, t
			session, _ := a.login(be, "king.arthur@camelot.bt", "guinevere")
			if got := b.me(session); got != http.StatusOK {
				t.Fatalf("A's %s token on B = %d, want 200", be, got)
			}
			b.want("logout on B", http.StatusNoContent, "POST", "/auth/"+be+"/logout", session, "")
			if got := a.me(session); got != http.StatusUnauthorized {
				t.Fatalf("the %s token on A after logout on B = %d, want 401", be, got)
			}
			if got := b.me(session); got != http.StatusUnauthorized {
				t.Fatalf("the %s token on B after logout on B = %d, want 401", be, got)
			}
		})
	}

	// JWTs, revocable by default: logout-all on B ends A's JWT.
	t.Run("logout-all on B ends the JWT on A", func(t *testing.T) {
		a.t, b.t = t, t
		session, _ := a.login("jwt", "king.arthur@camelot.bt", "guinevere")
		if got := b.me(session); got != http.StatusOK {
			t.Fatalf("A's JWT on B = %d, want 200", got)
		}
		b.want("logout-all on B", http.StatusNoContent, "POST", "/auth/jwt/logout-all", session, "")
		if got := a.me(session); got != http.StatusUnauthorized {
			t.Fatalf("the JWT on A after logout-all on B = %d, want 401", got)
		}
	})

	// A password change on A ends, on B, the sessions B issued.
	t.Run("password change on A revokes the tokens used on B", func(t *testing.T) {
		a.t, b.t = t, t
		sessions := map[string]http.Header{}
		var refresh string
		for _, be := range []string{"redis", "cookie", "jwt"} {
			sessions[be], _ = b.login(be, "king.arthur@camelot.bt", "guinevere")
			if be == "redis" {
				_, refresh = b.login(be, "king.arthur@camelot.bt", "guinevere")
			}
			if got := b.me(sessions[be]); got != http.StatusOK {
				t.Fatalf("%s token on B = %d", be, got)
			}
		}
		// The change is made in a session of its own, which it keeps (a
		// JWT from this second would be B's JWT byte for byte).
		changer, _ := a.login("redis", "king.arthur@camelot.bt", "guinevere")
		a.want("password change on A", http.StatusOK, "PATCH", "/users/me", withJSON(changer), `{"password":"excalibur"}`)
		if got := b.me(changer); got != http.StatusOK {
			t.Fatalf("the session that changed the password, on B = %d, want 200", got)
		}
		for be, session := range sessions {
			if got := b.me(session); got != http.StatusUnauthorized {
				t.Errorf("%s token on B after the password change on A = %d, want 401", be, got)
			}
			if got := a.me(session); got != http.StatusUnauthorized {
				t.Errorf("%s token on A after the password change on A = %d, want 401", be, got)
			}
		}
		b.want("refresh after the password change", http.StatusUnauthorized, "POST", "/auth/redis/refresh", formType, "refresh_token="+refresh)
		session, _ := b.login("redis", "king.arthur@camelot.bt", "excalibur")
		a.want("a new login on B works on A", http.StatusOK, "GET", "/users/me", session, "")
	})

	// Refresh rotation across instances: refresh on B, replay on A.
	t.Run("refresh on B, replay on A", func(t *testing.T) {
		a.t, b.t = t, t
		_, first := a.login("redis", "king.arthur@camelot.bt", "excalibur")
		if first == "" {
			t.Fatal("no refresh token with -refresh")
		}
		_, body := b.want("refresh on B", http.StatusOK, "POST", "/auth/redis/refresh", formType, "grant_type=refresh_token&refresh_token="+first)
		var next struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		json.Unmarshal(body, &next)
		a.want("the refreshed token on A", http.StatusOK, "GET", "/users/me", bearer(next.AccessToken), "")
		a.want("replay on A", http.StatusUnauthorized, "POST", "/auth/redis/refresh", formType, "refresh_token="+first)
		b.want("the newest refresh token after the replay", http.StatusUnauthorized, "POST", "/auth/redis/refresh", formType, "refresh_token="+next.RefreshToken)
	})
}
