// Command otel serves usersauth with OpenTelemetry traces: a span per
// request, named after the route that served it, written to stderr. The
// library itself has no OpenTelemetry dependency; a host that wants spans
// wraps the handler, as here.
//
//	cd examples/otel && go run . [-addr :8000]
//
// It is a module of its own, so that the library's go.mod does not list
// OpenTelemetry. USERSAUTH_SECRET (at least 32 bytes) signs the tokens;
// without it a random secret is used, and tokens end with the process.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func main() {
	addr := flag.String("addr", ":8000", "address to listen on")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	exporter, err := stdouttrace.New(stdouttrace.WithWriter(os.Stderr))
	if err != nil {
		log.Error("tracing", "error", err)
		os.Exit(1)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
	defer tp.Shutdown(context.Background())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, tp, log, nil); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// newMux builds the library and mounts it, with a handler of the host's own.
func newMux(secret []byte, log *slog.Logger) (*usersauth.UsersAuth[*user.User], *http.ServeMux, error) {
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  memory.New[*user.User](),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		},
		Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	mux.Handle("GET /hello", ua.RequireUser(usersauth.Active)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := usersauth.UserFrom[*user.User](r.Context())
		w.Write([]byte("Hello " + u.Email + "\n"))
	})))
	return ua, mux, nil
}

// traced gives every request served by mux a span, named after the route
// that served it ("POST /auth/jwt/login", "GET /users/{id}"): otelhttp
// reads the pattern the mux matched, so no user id names a span.
func traced(mux *http.ServeMux, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(mux, "http", otelhttp.WithTracerProvider(tp))
}

// run serves until ctx ends. listening, when not nil, receives the bound
// address once the server accepts connections.
func run(ctx context.Context, addr string, tp trace.TracerProvider, log *slog.Logger, listening func(net.Addr)) error {
	secret := []byte(os.Getenv("USERSAUTH_SECRET"))
	if len(secret) == 0 {
		raw := make([]byte, 32)
		rand.Read(raw)
		secret = []byte(hex.EncodeToString(raw))
		log.Warn("USERSAUTH_SECRET is not set: using a random secret; tokens end with the process")
	}
	ua, mux, err := newMux(secret, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// Timeouts bound what one client may hold (slowloris: OWASP Denial of
	// Service Cheat Sheet; net/http's Server documentation).
	srv := &http.Server{
		Handler:           traced(mux, tp),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("usersauth with traces listening", "addr", ln.Addr().String())
	if listening != nil {
		listening(ln.Addr())
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
	if err := ua.Shutdown(workCtx); err != nil {
		return errors.New("mail still being sent at shutdown was abandoned")
	}
	return nil
}
