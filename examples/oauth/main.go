// Command oauth is the social login example: "Sign in with an identity
// provider" working on a laptop with no account at any provider. It starts a
// development OpenID Connect provider (package oauth/devprovider, NOT FOR
// PRODUCTION: it signs in whoever types an e-mail address) on a free
// loopback port, and beside it the example server, whose page has a "Sign in
// with the development provider" button.
//
//	go run ./examples/oauth [-addr localhost:8000]
//
// Open the printed URL, press the button, type any e-mail address at the
// development provider and allow: you come back signed in, with a session
// cookie, and the page shows GET /users/me with the linked account.
//
// Users live in an SQLite database in a temporary directory, removed when
// the server stops, and the signing secret is new at every start. The session
// and CSRF cookies are Secure, as in production: Chrome and Firefox accept
// Secure cookies from http://localhost, so nothing needs TLS here.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/oauth/devprovider"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/user"
)

func main() {
	addr := flag.String("addr", "localhost:8000", "address to listen on (a loopback address: the development provider signs in anyone)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, *addr, log, func(base string) {
		fmt.Printf("\n  Open %s/ and sign in with the development provider.\n\n", base)
	})
	if err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// clientID is the example's client registration at the development
// provider.
const clientID = "usersauth-example"

// run serves the example until ctx ends. listening, when not nil, receives
// the base URL once the server accepts connections.
func run(ctx context.Context, addr string, log *slog.Logger, listening func(base string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base, err := baseURL(ln.Addr())
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "usersauth-oauth-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "users.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	devSrv, provider, err := startProvider(ctx, base, log)
	if err != nil {
		return err
	}
	defer devSrv.Close()

	secret := []byte(rand.Text() + rand.Text()) // 52 random characters, new at each start
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  db.Users(),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: 3600}), Strategy: backend.JWT(secret, time.Hour)},
		},
		OAuth: []usersauth.OAuthProvider{{
			Provider:               provider,
			Backend:                "cookie",
			RedirectURL:            base + "/auth/dev/callback",
			AssociateRedirectURL:   base + "/auth/associate/dev/callback",
			IsVerifiedByDefault:    true,
			AllowedRedirectOrigins: []string{base},
		}},
		OAuthStates:          db.OAuthStates(),
		IncludeOAuthAccounts: true,
		Logger:               log,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	page := newPage(base)
	mux.Handle("GET /{$}", page)
	mux.Handle("GET /app.js", page)

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("usersauth OAuth example listening", "url", base+"/", "provider", provider.Issuer)
	if listening != nil {
		listening(base)
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

// baseURL is the URL the browser uses: http://localhost:<port>. One name
// only, since cookies are per host and the provider's redirect URI must
// match exactly.
func baseURL(a net.Addr) (string, error) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return "", fmt.Errorf("listen on a loopback address (localhost:8000), not %v: the development provider signs in anyone", a)
	}
	return fmt.Sprintf("http://localhost:%d", tcp.Port), nil
}

// startProvider runs the development provider on a free port of 127.0.0.1,
// with this example registered as a client, and discovers it as any OpenID
// Connect issuer would be.
func startProvider(ctx context.Context, base string, log *slog.Logger) (*http.Server, oauth.Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, oauth.Provider{}, err
	}
	issuer := "http://" + ln.Addr().String()
	clientSecret := rand.Text()
	dev, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{
			ID: clientID, Secret: clientSecret,
			RedirectURIs: []string{base + "/auth/dev/callback", base + "/auth/associate/dev/callback"},
		}},
	})
	if err != nil {
		ln.Close()
		return nil, oauth.Provider{}, err
	}
	srv := &http.Server{Handler: dev, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	provider, err := oauth.Discover(ctx, issuer, clientID, clientSecret)
	if err != nil {
		srv.Close()
		return nil, oauth.Provider{}, err
	}
	provider.Name = "dev"
	return srv, provider, nil
}
