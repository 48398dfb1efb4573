// Command postgres-redis is the usersauth example server set up to run as
// several instances behind one address: users in PostgreSQL, sessions in
// PostgreSQL and Redis, nothing in the process that another instance would
// need. Start as many as you like on one database and one Redis, and put a
// reverse proxy in front (see "Running several instances" in the README).
//
//	export USERSAUTH_SECRET=$(openssl rand -hex 32)   # the same for every instance
//	export USERSAUTH_POSTGRES=postgres://usersauth:usersauth@127.0.0.1:5432/usersauth
//	export USERSAUTH_REDIS=127.0.0.1:6379
//	go run ./examples/postgres-redis -addr :8001 &
//	go run ./examples/postgres-redis -addr :8002 &
//
// Three backends show the three ways of keeping sessions across instances:
//
//   - "redis": bearer tokens kept in Redis (backend/redistoken), under the
//     key prefix fastapi_users_token: (-redis-prefix). Logout ends the
//     token on every instance at once. With -refresh, login also issues
//     refresh tokens, kept in Redis too (POST /auth/redis/refresh).
//   - "cookie": a cookie holding a database token, kept (as its digest) in
//     PostgreSQL's accesstoken table. Logout ends it everywhere.
//   - "jwt": stateless bearer JWTs, revocable through the user's token epoch
//     stored with the user: logout-all, a password change or reset, or a
//     deactivation ends them on every instance; a plain logout cannot.
//
// Whatever the backend, changing or resetting the password, deactivating or
// deleting a user, and POST /auth/{backend}/logout-all end every session of
// the user, on every instance.
//
// Flags, each with an environment variable: -addr, -postgres
// (USERSAUTH_POSTGRES), -redis (USERSAUTH_REDIS), -redis-prefix
// (USERSAUTH_REDIS_PREFIX), -refresh. USERSAUTH_SECRET (at least 32 bytes)
// is required: instances must share it, so none may invent its own.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
	"github.com/usersauth/usersauth/user"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL
)

// config is what the command line and the environment decide.
type config struct {
	addr        string
	postgres    string // PostgreSQL URL
	redis       string // Redis address, host:port
	redisPrefix string // key prefix of every Redis key
	secret      string // USERSAUTH_SECRET
	refresh     bool   // refresh tokens on the redis backend
	proxies     string // comma-separated prefixes of the trusted reverse proxies
}

// Lifetimes of the example's tokens.
const (
	accessLifetime     = time.Hour
	refreshLifetime    = 14 * 24 * time.Hour
	refreshMaxLifetime = 30 * 24 * time.Hour
	purgeEvery         = 10 * time.Minute
)

func main() {
	cfg := config{
		postgres:    os.Getenv("USERSAUTH_POSTGRES"),
		redis:       os.Getenv("USERSAUTH_REDIS"),
		redisPrefix: os.Getenv("USERSAUTH_REDIS_PREFIX"),
		secret:      os.Getenv("USERSAUTH_SECRET"),
	}
	flag.StringVar(&cfg.addr, "addr", ":8000", "address to listen on")
	flag.StringVar(&cfg.postgres, "postgres", cfg.postgres, "PostgreSQL URL (default $USERSAUTH_POSTGRES)")
	flag.StringVar(&cfg.redis, "redis", cfg.redis, "Redis address host:port (default $USERSAUTH_REDIS)")
	flag.StringVar(&cfg.redisPrefix, "redis-prefix", cfg.redisPrefix, "prefix of the Redis keys (default $USERSAUTH_REDIS_PREFIX, or "+redistoken.DefaultKeyPrefix+")")
	flag.BoolVar(&cfg.refresh, "refresh", false, "issue refresh tokens on the redis backend")
	flag.StringVar(&cfg.proxies, "trusted-proxies", "", "comma-separated addresses or prefixes of the reverse proxies whose X-Forwarded-For names the client (e.g. 127.0.0.1/32)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// check reports what is missing from cfg.
func (cfg config) check() error {
	switch {
	case cfg.postgres == "":
		return errors.New("no PostgreSQL: set -postgres or USERSAUTH_POSTGRES")
	case cfg.redis == "":
		return errors.New("no Redis: set -redis or USERSAUTH_REDIS")
	case len(cfg.secret) < usersauth.MinSecretLength:
		return fmt.Errorf("USERSAUTH_SECRET must be set, to at least %d bytes, and be the same for every instance", usersauth.MinSecretLength)
	}
	return nil
}

// app is one instance: the library, what it keeps its state in, and the mux.
type app struct {
	ua       *usersauth.UsersAuth[*user.User]
	db       *sqlstore.DB
	rdb      *redis.Client
	store    user.Store[*user.User]
	tokens   *backend.DatabaseStrategy
	refresh  *backend.RefreshConfig // nil without -refresh
	handler  http.Handler
	shutdown []func()
}

func newApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	secret := []byte(cfg.secret)
	// Several instances may start at once: migrations take PostgreSQL's
	// advisory lock, so each version is applied once.
	db, err := sqlstore.Open(ctx, "pgx", cfg.postgres)
	if err != nil {
		return nil, err
	}
	rdb := redis.NewClient(&redis.Options{Addr: cfg.redis})
	a := &app{db: db, rdb: rdb, store: db.Users(), shutdown: []func(){func() { db.Close() }, func() { rdb.Close() }}}
	if err := rdb.Ping(ctx).Err(); err != nil {
		a.close()
		return nil, fmt.Errorf("redis at %s: %w", cfg.redis, err)
	}

	a.tokens = backend.Database(db.AccessTokens(), accessLifetime)
	if cfg.refresh {
		a.refresh = &backend.RefreshConfig{Store: redistoken.NewRefreshStore(rdb, cfg.redisPrefix), Lifetime: refreshLifetime, MaxLifetime: refreshMaxLifetime}
	}
	proxies, err := parsePrefixes(cfg.proxies)
	if err != nil {
		a.close()
		return nil, err
	}
	// Failed logins are counted in Redis, so a script spreading its guesses
	// over the instances meets one limit.
	throttlePrefix := redisthrottle.DefaultKeyPrefix
	if cfg.redisPrefix != "" {
		throttlePrefix = cfg.redisPrefix + "throttle:"
	}
	counts, err := redisthrottle.New(redisthrottle.Config{Client: rdb, KeyPrefix: throttlePrefix})
	if err != nil {
		a.close()
		return nil, err
	}
	a.ua, err = usersauth.New(usersauth.Options[*user.User]{
		Store:          a.store,
		Secret:         secret,
		Throttle:       counts,
		TrustedProxies: proxies,
		Backends: []backend.Backend{
			{
				Name: "redis", Transport: backend.Bearer("auth/redis/login"),
				Strategy: redistoken.New(redistoken.Config{Client: rdb, Lifetime: accessLifetime, KeyPrefix: cfg.redisPrefix}),
				Refresh:  a.refresh,
			},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: int(accessLifetime / time.Second)}), Strategy: a.tokens},
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, accessLifetime)},
		},
		Logger: log,
		Hooks: user.Hooks[*user.User]{
			// No mail here either: the tokens go to the log.
			AfterForgotPassword: func(ctx context.Context, u *user.User, token string) error {
				log.Info(fmt.Sprintf("reset token for %s: %s", u.Email, token))
				return nil
			},
			AfterRequestVerify: func(ctx context.Context, u *user.User, token string) error {
				log.Info(fmt.Sprintf("verify token for %s: %s", u.Email, token))
				return nil
			},
		},
	})
	if err != nil {
		a.close()
		return nil, err
	}
	mux := http.NewServeMux()
	a.ua.Mount(mux)
	mux.Handle("GET /authenticated-route", a.ua.RequireUser(usersauth.Active)(http.HandlerFunc(authenticatedRoute)))
	a.handler = mux
	return a, nil
}

func (a *app) close() {
	for i := len(a.shutdown) - 1; i >= 0; i-- {
		a.shutdown[i]()
	}
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
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}

	// Expired rows are refused anyway; purging keeps the tables small. Each
	// instance may purge: purges are idempotent.
	purgeCtx, stopPurge := context.WithCancel(ctx)
	defer stopPurge()
	onError := func(err error) { log.Warn("purge failed", "error", err) }
	purges := []<-chan struct{}{a.tokens.StartPurge(purgeCtx, purgeEvery, onError)}
	if a.refresh != nil {
		purges = append(purges, backend.NewRefresher(*a.refresh).StartPurge(purgeCtx, purgeEvery, onError))
	}
	defer func() {
		stopPurge()
		for _, done := range purges {
			<-done
		}
	}()

	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("usersauth instance listening", "addr", ln.Addr().String(), "redis", cfg.redis, "refresh_tokens", cfg.refresh)
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
	return a.ua.Shutdown(workCtx)
}

// parsePrefixes reads the -trusted-proxies list: addresses (a /32 or /128)
// or prefixes, comma-separated.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("-trusted-proxies: %q is neither an address nor a prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
