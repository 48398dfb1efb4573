// Command gin serves usersauth on a gin engine: the library's routes under
// /api, and a handler of the host's own, GET /api/notes, that only a
// signed-in user reaches, through gin middleware built on
// UsersAuth.Authenticate. Users are kept in memory.
//
//	cd examples/gin && go run . [-addr :8000]
//
// It is a module of its own, so that the library's go.mod does not list
// gin. USERSAUTH_SECRET (at least 32 bytes) signs the tokens; without it a
// random secret is used, and tokens end with the process.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func main() {
	addr := flag.String("addr", ":8000", "address to listen on")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	gin.SetMode(gin.ReleaseMode) // no debug listing of the routes
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, log, nil); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// newUsersAuth builds the library with its routes under /api.
func newUsersAuth(secret []byte, log *slog.Logger) (*usersauth.UsersAuth[*user.User], error) {
	return usersauth.New(usersauth.Options[*user.User]{
		Store:      memory.New[*user.User](),
		Secret:     secret,
		PathPrefix: "/api",
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("api/auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		},
		Logger: log,
		Hooks: user.Hooks[*user.User]{
			AfterForgotPassword: func(ctx context.Context, u *user.User, token string) error {
				log.Info(fmt.Sprintf("reset token for %s: %s", u.Email, token)) // this example sends no mail
				return nil
			},
		},
	})
}

// newRouter mounts the library under /api and protects the host's handler.
func newRouter(ua *usersauth.UsersAuth[*user.User]) http.Handler {
	r := gin.New()
	r.Use(gin.Recovery())
	api := r.Group("/api")
	lib := gin.WrapH(ua.Handler()) // Options.PathPrefix is "/api"
	api.Any("/auth/*path", lib)
	api.Any("/users/*path", lib)
	api.GET("/notes", requireUser(ua, usersauth.Active), notes)
	return r
}

// requireUser is gin middleware that lets a request through only when its
// user meets req, with the user in the request's context for UserFrom, and
// otherwise answers 401 or 403 as the library does.
func requireUser(ua *usersauth.UsersAuth[*user.User], req usersauth.Requirement) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := ua.Authenticate(c.Request, req)
		if err != nil {
			ua.WriteError(c.Writer, c.Request, err)
			c.Abort()
			return
		}
		c.Request = r
		c.Next()
	}
}

// notes is the host's own handler, for signed-in users only.
func notes(c *gin.Context) {
	u, _ := usersauth.UserFrom[*user.User](c.Request.Context())
	c.JSON(http.StatusOK, gin.H{"owner": u.Email, "notes": []string{}})
}

// run serves until ctx ends. listening, when not nil, receives the bound
// address once the server accepts connections.
func run(ctx context.Context, addr string, log *slog.Logger, listening func(net.Addr)) error {
	secret := []byte(os.Getenv("USERSAUTH_SECRET"))
	if len(secret) == 0 {
		raw := make([]byte, 32)
		rand.Read(raw)
		secret = []byte(hex.EncodeToString(raw))
		log.Warn("USERSAUTH_SECRET is not set: using a random secret; tokens end with the process")
	}
	ua, err := newUsersAuth(secret, log)
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
		Handler:           newRouter(ua),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("usersauth on gin listening", "addr", ln.Addr().String())
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
