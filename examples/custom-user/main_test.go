package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMemberFields runs the example server and sends its own fields through
// registration, GET and PATCH, then reads them back after a restart.
func TestMemberFields(t *testing.T) {
	t.Setenv("USERSAUTH_SECRET", "a-secret-of-at-least-32-bytes-for-the-test")
	dsn := filepath.Join(t.TempDir(), "members.db")
	base, stop := start(t, dsn)
	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	if status, body := call("POST", "/auth/register", "", `{"email":"king.arthur@camelot.bt","password":"guinevere"}`); status != 422 {
		t.Fatalf("registration without display_name: %d %v", status, body)
	}
	status, body := call("POST", "/auth/register", "", `{"email":"king.arthur@camelot.bt","password":"guinevere","display_name":"Arthur","plan":"gold"}`)
	if status != 201 || body["display_name"] != "Arthur" || body["plan"] != "" || body["avatar"] != nil {
		t.Fatalf("register: %d %v", status, body)
	}
	resp, err := http.PostForm(base+"/auth/jwt/login", url.Values{"username": {"king.arthur@camelot.bt"}, "password": {"guinevere"}})
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	status, body = call("PATCH", "/users/me", login.AccessToken, `{"avatar":"https://camelot.bt/arthur.png","plan":"platinum"}`)
	if status != 200 || body["avatar"] != "https://camelot.bt/arthur.png" || body["plan"] != "" {
		t.Fatalf("patch me: %d %v", status, body)
	}
	stop()

	base, stop = start(t, dsn)
	defer stop()
	status, body = call("GET", "/users/me", login.AccessToken, "")
	if status != 200 || body["display_name"] != "Arthur" || body["avatar"] != "https://camelot.bt/arthur.png" {
		t.Fatalf("after a restart: %d %v", status, body)
	}
}

func start(t *testing.T, dsn string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", dsn, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a net.Addr) { ready <- a })
	}()
	select {
	case a := <-ready:
		return "http://" + a.String(), func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		}
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return "", nil
}
