package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/usersauth/usersauth/internal/hosttest"
	"github.com/usersauth/usersauth/internal/readmetest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // no debug listing of the routes
	os.Exit(m.Run())
}

var secret = []byte("a-secret-of-at-least-32-bytes-for-the-test")

// TestSmoke: register, login, me, the protected handler without and with a
// token, logout, all under /api on gin.
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
	log := slog.New(slog.DiscardHandler)
	hosttest.Run(t, func(ctx context.Context, listening func(net.Addr)) error {
		return run(ctx, "127.0.0.1:0", log, listening)
	}, "/api/notes")
}

// TestReadmeShowsThisExample: the README's gin section is this file's
// newRouter and requireUser.
func TestReadmeShowsThisExample(t *testing.T) {
	if err := readmetest.Shown("../../README.md", "examples/gin", "main.go", "newRouter", "requireUser"); err != nil {
		t.Fatal(err)
	}
}
