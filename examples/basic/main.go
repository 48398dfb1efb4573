// Command basic is the usersauth example server: the FastAPI Users flow
// (register, login with a bearer JWT or a cookie, profile, superuser user
// management) on http://localhost:8000, with nothing to set up.
//
//	go run ./examples/basic [-addr :8000]
//
// The signing secret comes from USERSAUTH_SECRET (at least 32 bytes), or is
// generated once and kept in usersauth.secret in the working directory, so a
// restart does not log everyone out.
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
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// config is what the command line and the environment decide.
type config struct {
	addr    string
	dataDir string // where the generated secret is kept
	secret  string // USERSAUTH_SECRET
}

func main() {
	cfg := config{secret: os.Getenv("USERSAUTH_SECRET"), dataDir: "."}
	flag.StringVar(&cfg.addr, "addr", ":8000", "address to listen on")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// app is the example server: the library, its store, and the mux serving both.
type app struct {
	ua      *usersauth.UsersAuth[*user.User]
	store   user.Store[*user.User]
	handler http.Handler
}

func newApp(cfg config, log *slog.Logger) (*app, error) {
	secret, err := loadSecret(cfg, log)
	if err != nil {
		return nil, err
	}
	store := memory.New[*user.User]()
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  store,
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: 3600}), Strategy: backend.JWT(secret, time.Hour)},
		},
		Logger: log,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	mux.Handle("GET /authenticated-route", ua.RequireUser(usersauth.Active)(http.HandlerFunc(authenticatedRoute)))
	return &app{ua: ua, store: store, handler: mux}, nil
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
	a, err := newApp(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("usersauth example listening", "addr", "http://"+displayAddr(ln.Addr()))
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
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
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
