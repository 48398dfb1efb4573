// Command custom-user is an example server whose users have fields of their
// own: a display name every registration must give, an optional avatar URL,
// and a plan only a superuser may change. They flow through registration,
// GET and PATCH as JSON, and are kept in SQLite with the rest of the user.
//
//	go run ./examples/custom-user [-addr :8000] [-db members.db]
//
//	curl -H "Content-Type: application/json" -d '{"email":"king.arthur@camelot.bt","password":"guinevere","display_name":"Arthur"}' \
//	  http://localhost:8000/auth/register
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// Member is the host's user type: user.Base plus its own fields.
type Member struct {
	user.Base
	// DisplayName must be in every registration payload.
	DisplayName string `json:"display_name" usersauth:"required"`
	// Avatar is optional and may be set to null.
	Avatar *string `json:"avatar"`
	// Plan is ignored in registrations and PATCH /users/me; only a
	// superuser's PATCH /users/{id} sets it.
	Plan string `json:"plan" usersauth:"superuser"`
}

func main() {
	addr := flag.String("addr", ":8000", "address to listen on")
	db := flag.String("db", "members.db", "SQLite database file")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *db, log, nil); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// newHandler builds the library over the members table and mounts it.
func newHandler(ctx context.Context, db *sqlstore.DB, secret []byte) (*usersauth.UsersAuth[*Member], http.Handler, error) {
	ua, err := usersauth.New(usersauth.Options[*Member]{
		Store:  sqlstore.UsersOf[*Member](db),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		},
		Hooks: user.Hooks[*Member]{
			AfterRegister: func(ctx context.Context, m *Member) error {
				slog.InfoContext(ctx, "welcome", "display_name", m.DisplayName)
				return nil
			},
		},
	})
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	return ua, mux, nil
}

// run serves until ctx ends; listening, when set, receives the bound address.
func run(ctx context.Context, addr, dsn string, log *slog.Logger, listening func(net.Addr)) error {
	secret := []byte(os.Getenv("USERSAUTH_SECRET"))
	if len(secret) == 0 {
		raw := make([]byte, 32)
		rand.Read(raw)
		secret = []byte(hex.EncodeToString(raw))
		log.Warn("USERSAUTH_SECRET is not set: using a random secret; tokens end with the process")
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ua, h, err := newHandler(ctx, db, secret)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("custom-user example listening", "addr", ln.Addr().String(), "db", dsn)
	if listening != nil {
		listening(ln.Addr())
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// The requests in flight get the HTTP server's grace; the mail they
	// started then gets time of its own, which a slow client cannot spend.
	httpCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(httpCtx); err != nil {
		log.Warn("requests still running at shutdown; closing their connections", "error", err)
		srv.Close()
	}
	workCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return ua.Shutdown(workCtx)
}
