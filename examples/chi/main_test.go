package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/usersauth/usersauth/internal/hosttest"
	"github.com/usersauth/usersauth/internal/readmetest"
)

var secret = []byte("a-secret-of-at-least-32-bytes-for-the-test")

// TestSmoke: register, login, me, the protected handler without and with a
// token, logout, all under /api on chi.
func TestSmoke(t *testing.T) {
	ua, err := newUsersAuth(secret, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hosttest.Smoke(t, newRouter(ua), hosttest.Host{Prefix: "/api", Backend: "jwt", Protected: "/api/notes"})
}

// TestRun starts the server and stops it as a signal would.
func TestRun(t *testing.T) {
	t.Setenv("USERSAUTH_SECRET", string(secret))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)), func(a net.Addr) { ready <- a })
	}()
	select {
	case addr := <-ready:
		resp, err := http.Get("http://" + addr.String() + "/api/notes")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /api/notes without a token: %d", resp.StatusCode)
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

// TestReadmeShowsThisExample: the README's chi section is this file's
// newRouter.
func TestReadmeShowsThisExample(t *testing.T) {
	if err := readmetest.Shown("../../README.md", "examples/chi", "main.go", "newRouter"); err != nil {
		t.Fatal(err)
	}
}
