// Package hosttest is the smoke test of a host that mounts the library on a
// router of its own (chi, gin, echo, a ServeMux): over real HTTP, the
// library's routes answer under the host's prefix and the host's protected
// handler sees the signed-in user. The router examples run it; only tests
// import it.
package hosttest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Host describes what the smoke test expects of a host.
type Host struct {
	// Prefix is where the library's routes are: "/api" for
	// /api/auth/register.
	Prefix string
	// Backend is the bearer backend to log in with ("jwt").
	Backend string
	// Protected is the path of the host's handler that requires an active
	// user; with one, it answers 200 with a body that holds the user's
	// e-mail address.
	Protected string
}

// Smoke runs register, login, me, the protected handler without and with a
// token, logout, and the library's JSON 404 and 405 under the prefix,
// against h served over HTTP.
func Smoke(t *testing.T, h http.Handler, host Host) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := client{t: t, base: srv.URL, http: &http.Client{Timeout: 30 * time.Second}}
	const email, password = "king.arthur@camelot.bt", "guinevere"
	auth := host.Prefix + "/auth"

	status, body := c.do("POST", auth+"/register", "", "application/json", `{"email":"`+email+`","password":"`+password+`"}`)
	want(t, "register", status, body, http.StatusCreated)
	if u := object(t, "register", body); u["email"] != email || u["is_active"] != true {
		t.Fatalf("register answered %s", body)
	}
	status, body = c.do("POST", auth+"/"+host.Backend+"/login", "", "application/x-www-form-urlencoded",
		url.Values{"username": {email}, "password": {password}}.Encode())
	want(t, "login", status, body, http.StatusOK)
	token, _ := object(t, "login", body)["access_token"].(string)
	if token == "" {
		t.Fatalf("login answered %s", body)
	}
	status, body = c.do("GET", host.Prefix+"/users/me", token, "", "")
	want(t, "me", status, body, http.StatusOK)
	if u := object(t, "me", body); u["email"] != email {
		t.Fatalf("me answered %s", body)
	}

	for _, tc := range []struct {
		name, token string
	}{{"no token", ""}, {"a forged token", "not-a-token"}} {
		status, body = c.do("GET", host.Protected, tc.token, "", "")
		want(t, "protected handler with "+tc.name, status, body, http.StatusUnauthorized)
		if detail(t, body) != "Unauthorized" {
			t.Fatalf("protected handler with %s answered %s, want the contract's 401", tc.name, body)
		}
	}
	status, body = c.do("GET", host.Protected, token, "", "")
	want(t, "protected handler", status, body, http.StatusOK)
	if !strings.Contains(string(body), email) {
		t.Fatalf("protected handler answered %s, without its user", body)
	}

	status, body = c.do("GET", auth+"/no-such-route", "", "", "")
	want(t, "unknown route", status, body, http.StatusNotFound)
	if detail(t, body) != "Not Found" {
		t.Fatalf("unknown route answered %s", body)
	}
	status, body = c.do("GET", auth+"/register", "", "", "")
	want(t, "GET on a POST route", status, body, http.StatusMethodNotAllowed)

	status, body = c.do("POST", auth+"/"+host.Backend+"/logout", token, "", "")
	want(t, "logout", status, body, http.StatusNoContent)
}

// Run starts run, a host's serve loop, as its main would, checks that GET
// path on the address it reports answers 401 without a token, then cancels
// run's context as a signal would and wants run to return nil within 30
// seconds.
func Run(t *testing.T, run func(ctx context.Context, listening func(net.Addr)) error, path string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(a net.Addr) { ready <- a }) }()
	select {
	case addr := <-ready:
		resp, err := http.Get("http://" + addr.String() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET %s without a token: %d", path, resp.StatusCode)
		}
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c client) do(method, path, token, contentType, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/json" {
		c.t.Fatalf("%s %s: %d with Content-Type %q, want the contract's JSON", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, b
}

func want(t *testing.T, step string, status int, body []byte, code int) {
	t.Helper()
	if status != code {
		t.Fatalf("%s: %d %s, want %d", step, status, body, code)
	}
}

func object(t *testing.T, step string, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %s: %v", step, body, err)
	}
	return m
}

func detail(t *testing.T, body []byte) any {
	t.Helper()
	return object(t, "error", body)["detail"]
}
