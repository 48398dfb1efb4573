// Command readme is the host example shown in the README, kept here so that
// it compiles and its test runs it.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func main() {
	ua, mux, err := newMux([]byte(os.Getenv("USERSAUTH_SECRET"))) // at least 32 random bytes
	if err != nil {
		log.Fatal(err)
	}
	srv := newServer("127.0.0.1:8080", mux)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	if err := shutdown(srv, ua, 10*time.Second, 30*time.Second); err != nil {
		log.Print(err)
	}
}

func newMux(secret []byte) (*usersauth.UsersAuth[*user.User], *http.ServeMux, error) {
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  memory.New[*user.User](),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		},
	})
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	ua.Mount(mux) // /auth/register, /auth/jwt/login, /auth/jwt/logout, /users/me, /users/{id}
	hello := func(w http.ResponseWriter, r *http.Request) {
		u, _ := usersauth.UserFrom[*user.User](r.Context())
		w.Write([]byte("Hello " + u.Email + "\n"))
	}
	mux.Handle("GET /hello", ua.RequireUser(usersauth.Active)(http.HandlerFunc(hello)))
	return ua, mux, nil
}

// newServer bounds how long one client may hold a connection. Without these
// timeouts (http.ListenAndServe sets none) a client that sends its request
// a byte at a time keeps a connection and its goroutine forever, and a few
// thousand such clients take the service down (slowloris: OWASP Denial of
// Service Cheat Sheet; net/http's Server documentation).
func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,  // the request line and headers
		ReadTimeout:       15 * time.Second, // the whole request; bodies are at most 64 KiB
		WriteTimeout:      30 * time.Second, // the answer; a login may wait 5 s for a hashing slot
		IdleTimeout:       2 * time.Minute,  // a kept-alive connection between requests
	}
}

// shutdown lets the requests in flight finish within httpGrace, then gives
// the work they started off the request path (the forgot-password and
// verification hooks, which send mail) workGrace of its own: a slow client
// must not spend the time a reset link needs to go out.
func shutdown(srv *http.Server, ua *usersauth.UsersAuth[*user.User], httpGrace, workGrace time.Duration) error {
	httpCtx, cancel := context.WithTimeout(context.Background(), httpGrace)
	defer cancel()
	if err := srv.Shutdown(httpCtx); err != nil {
		srv.Close() // the grace is over: drop the connections left
	}
	workCtx, cancel := context.WithTimeout(context.Background(), workGrace)
	defer cancel()
	if err := ua.Shutdown(workCtx); err != nil {
		return errors.New("shutdown: mail still being sent was abandoned")
	}
	return nil
}
