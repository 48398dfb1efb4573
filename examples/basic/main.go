// Command basic is the usersauth example server: the FastAPI Users flow
// (register, login with a bearer JWT or a cookie, profile, superuser user
// management, password reset, e-mail verification) on
// http://localhost:8000, with nothing to set up. Reset and verification
// tokens are written to the log instead of being mailed. Its page at / tries
// the cookie backend in a browser; GET /openapi.json is the OpenAPI
// document a frontend generates its client from.
//
//	go run ./examples/basic [-addr :8000] [-refresh] [-origin https://login.example.com]
//
// With -refresh, the bearer backend also issues refresh tokens (kept in the
// same database): login answers {"access_token", "token_type",
// "refresh_token"}, and POST /auth/jwt/refresh exchanges a refresh token for
// a new pair. Without it, the default, every answer is FastAPI Users'.
//
// Users are kept in an SQLite file, usersauth.db in the working directory
// (-db or USERSAUTH_DB name another file), so they survive a restart. The
// example links SQLite only, so that its first build compiles no other
// driver; examples/postgres-redis is the server on PostgreSQL. The signing secret comes from USERSAUTH_SECRET (at least
// 32 bytes), or is generated once and kept in usersauth.secret beside the
// database, so a restart does not log everyone out either.
//
// Passkeys are on: http://localhost:8000/passkeys is a page that registers
// them and signs in with them (passkeys.go, passkeys.html). They are made
// for the origin the server listens on, http://localhost:<port>; behind a
// proxy, -origin names the public one.
//
// The first superuser is made with the admin command (go install
// github.com/usersauth/usersauth/cmd/usersauth@latest, or go run
// ./cmd/usersauth in a clone):
//
//	usersauth promote --db usersauth.db king.arthur@camelot.bt
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// config is what the command line and the environment decide.
type config struct {
	addr    string
	db      string // SQLite file, or a SQLite URI (file:...)
	dataDir string // where the generated secret is kept
	secret  string // USERSAUTH_SECRET
	refresh bool   // refresh tokens on the bearer backend
	origin  string // -origin: the public origin of passkeys; set by run when empty
	// deliver hands a reset ("reset") or verification ("verify") token to
	// its user; nil logs it, since this example sends no mail.
	deliver func(ctx context.Context, kind, email, token string) error
	// httpGrace is how long a shutdown waits for the requests in flight;
	// workGrace, after it, how long for the mail they started. Zero means
	// the defaults.
	httpGrace, workGrace time.Duration
}

// How long a shutdown waits: the HTTP server for the requests in flight,
// then, with time of its own, the library for the mail those requests
// started (a slow mail server must not lose a reset link because a slow
// client used up the server's grace).
const (
	defaultHTTPGrace = 10 * time.Second
	defaultWorkGrace = 30 * time.Second
)

// Lifetimes of the example's refresh tokens: a client that does not come
// back for two weeks logs in again, and every client does after 30 days.
const (
	refreshLifetime    = 14 * 24 * time.Hour
	refreshMaxLifetime = 30 * 24 * time.Hour
)

func main() {
	cfg := config{secret: os.Getenv("USERSAUTH_SECRET"), db: os.Getenv("USERSAUTH_DB")}
	if cfg.db == "" {
		cfg.db = "usersauth.db"
	}
	flag.StringVar(&cfg.addr, "addr", ":8000", "address to listen on")
	flag.StringVar(&cfg.db, "db", cfg.db, "SQLite database file (default $USERSAUTH_DB or usersauth.db)")
	flag.BoolVar(&cfg.refresh, "refresh", false, "issue refresh tokens on the bearer backend (POST /auth/jwt/refresh)")
	flag.StringVar(&cfg.origin, "origin", "", "the public origin passkeys are for, such as https://login.example.com (default http://localhost:<port>)")
	flag.Parse()
	cfg.dataDir = "."
	if !strings.HasPrefix(cfg.db, "file:") {
		cfg.dataDir = filepath.Dir(cfg.db)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// openDB opens the -db database: a SQLite file through package
// store/sqlite, whose user lookups (one per authenticated request) skip
// database/sql; a SQLite URI with parameters through sqlstore. A URL is
// refused with a pointer to the example that has its driver.
func openDB(ctx context.Context, name string) (*sqlstore.DB, error) {
	switch {
	case strings.Contains(name, "://"):
		return nil, fmt.Errorf("-db %q: this example keeps its users in SQLite; for PostgreSQL run examples/postgres-redis", name)
	case strings.HasPrefix(name, "file:") || strings.Contains(name, "?"):
		return sqlstore.OpenURL(ctx, name)
	}
	return sqlite.Open(ctx, name)
}

// app is the example server: the library, its store, and the mux serving both.
type app struct {
	ua      *usersauth.UsersAuth[*user.User]
	db      *sqlstore.DB
	store   user.Store[*user.User]
	handler http.Handler
	refresh *backend.RefreshConfig // nil without -refresh
}

func newApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	secret, err := loadSecret(cfg, log)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg.db)
	if err != nil {
		return nil, err
	}
	store := db.Users()
	passkeys, err := newPasskeys(cfg.origin) // passkeys.go
	if err != nil {
		db.Close()
		return nil, err
	}
	deliver := cfg.deliver
	if deliver == nil {
		// This example sends no mail: it logs the tokens so that you can
		// paste them into POST /auth/reset-password and /auth/verify. A
		// real service e-mails a link instead (see the README).
		deliver = func(ctx context.Context, kind, email, token string) error {
			log.Info(fmt.Sprintf("%s token for %s: %s", kind, email, token))
			return nil
		}
	}
	var refresh *backend.RefreshConfig
	if cfg.refresh {
		refresh = &backend.RefreshConfig{Store: db.RefreshTokens(), Lifetime: refreshLifetime, MaxLifetime: refreshMaxLifetime}
	}
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  store,
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour), Refresh: refresh},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: 3600}), Strategy: backend.JWT(secret, time.Hour)},
		},
		Logger: log,
		// Users may protect their account with an authenticator app:
		// POST /users/me/2fa/totp, then the second step of every login.
		TwoFactor: &usersauth.TwoFactor{Issuer: "usersauth example"},
		// Passkeys: registration, passwordless sign-in, and the second
		// step of a password login; the page at /passkeys uses them.
		Passkeys: passkeys,
		Hooks: user.Hooks[*user.User]{
			AfterForgotPassword: func(ctx context.Context, u *user.User, token string) error {
				return deliver(ctx, "reset", u.Email, token)
			},
			AfterRequestVerify: func(ctx context.Context, u *user.User, token string) error {
				return deliver(ctx, "verify", u.Email, token)
			},
		},
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	pageH, err := pageHandler()
	if err != nil {
		db.Close()
		return nil, err
	}
	passkeyPageH, err := passkeyPageHandler()
	if err != nil {
		db.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	mux.Handle("GET /authenticated-route", ua.RequireUser(usersauth.Active)(http.HandlerFunc(authenticatedRoute)))
	// The OpenAPI document of the routes above, and pages to try them in
	// a browser (page.go, passkeys.go).
	mux.Handle("GET /openapi.json", ua.OpenAPIHandler())
	mux.Handle("GET /{$}", pageH)
	mux.Handle("GET /passkeys", passkeyPageH)
	// Every other path answers as FastAPI does: 404 {"detail":"Not Found"}.
	mux.Handle("/", ua.NotFoundHandler())
	return &app{ua: ua, db: db, store: store, handler: mux, refresh: refresh}, nil
}

// authenticatedRoute is the host's own protected handler.
func authenticatedRoute(w http.ResponseWriter, r *http.Request) {
	u, _ := usersauth.UserFrom[*user.User](r.Context())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"message": "Hello " + u.Email + "!"})
}

// run serves until ctx ends. listening, when not nil, receives the app and
// its bound address once the server accepts connections.
func run(ctx context.Context, cfg config, log *slog.Logger, listening func(*app, net.Addr)) error {
	// Listen first: passkeys are made for the port the server got.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	cfg.origin = passkeyOrigin(cfg.origin, ln.Addr())
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.db.Close()
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if a.refresh != nil {
		// Spent and expired refresh tokens are refused anyway; purging keeps
		// the table small. Any Refresher on the same store and clock can.
		purgeCtx, stopPurge := context.WithCancel(ctx)
		defer stopPurge()
		backend.NewRefresher(*a.refresh).StartPurge(purgeCtx, time.Hour, func(err error) {
			log.Warn("purging refresh tokens", "error", err)
		})
	}
	log.Info("usersauth example listening", "addr", "http://"+displayAddr(ln.Addr()), "db", cfg.db, "refresh_tokens", cfg.refresh,
		"passkeys", cfg.origin+"/passkeys")
	if listening != nil {
		listening(a, ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, a.ua, cfg, log)
}

// shutdown stops srv, giving the requests in flight cfg.httpGrace, then
// gives the mail they started cfg.workGrace of its own: the HTTP server's
// grace may be spent on a slow client, and must not cut a reset link short.
func shutdown(srv *http.Server, ua *usersauth.UsersAuth[*user.User], cfg config, log *slog.Logger) error {
	httpGrace, workGrace := cfg.httpGrace, cfg.workGrace
	if httpGrace == 0 {
		httpGrace = defaultHTTPGrace
	}
	if workGrace == 0 {
		workGrace = defaultWorkGrace
	}
	httpCtx, cancel := context.WithTimeout(context.Background(), httpGrace)
	defer cancel()
	if err := srv.Shutdown(httpCtx); err != nil {
		log.Warn("requests still running at shutdown; closing their connections", "error", err)
		srv.Close()
	}
	workCtx, cancel := context.WithTimeout(context.Background(), workGrace)
	defer cancel()
	if err := ua.Shutdown(workCtx); err != nil {
		return fmt.Errorf("mail still being sent at shutdown was abandoned: %w", err)
	}
	return nil
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "[::]:") || strings.HasPrefix(s, "0.0.0.0:") {
		return "localhost" + s[strings.LastIndex(s, ":"):]
	}
	return s
}

const secretFile = "usersauth.secret"

// loadSecret returns USERSAUTH_SECRET, or the secret kept in the data
// directory, generating and saving one on first start.
func loadSecret(cfg config, log *slog.Logger) ([]byte, error) {
	if cfg.secret != "" {
		if len(cfg.secret) < usersauth.MinSecretLength {
			return nil, fmt.Errorf("USERSAUTH_SECRET must be at least %d bytes", usersauth.MinSecretLength)
		}
		return []byte(cfg.secret), nil
	}
	path := filepath.Join(cfg.dataDir, secretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < usersauth.MinSecretLength {
			return nil, fmt.Errorf("%s holds fewer than %d bytes; delete it to generate a new one", path, usersauth.MinSecretLength)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("saving the generated secret: %w", err)
	}
	log.Warn("USERSAUTH_SECRET is not set: generated a secret and saved it; set USERSAUTH_SECRET in production", "file", path)
	return []byte(s), nil
}
