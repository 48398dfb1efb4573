package integration

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// The harness shared with the root package's own tests.
var (
	testSecret    = apptest.Secret
	fastArgon2    = apptest.FastArgon2
	newFastHasher = apptest.NewFastHasher
	newReq        = apptest.NewReq
	sameJSON      = apptest.SameJSON
)

type (
	discardWriter = apptest.DiscardWriter
	lockedWriter  = apptest.LockedWriter
	req           = apptest.Req
	response      = apptest.Response
)

// sessionsStart is the clock the session tests start at.
var sessionsStart = time.Date(2026, 11, 28, 14, 45, 51, 0, time.UTC)

// kind is one way of keeping sessions, with the user store it needs (the
// SQL token tables reference the SQL user table) and a refresh store of the
// same kind.
type kind struct {
	name string
	// serverSide: logout of one token ends it (not so for a JWT).
	serverSide bool
	open       func(t testing.TB, now func() time.Time) parts
}

type parts struct {
	users    user.Store[*user.User]
	strategy backend.Strategy
	refresh  backend.RefreshStore
}

// kinds are the strategies every revocation test runs against. Redis
// skips without a server (fails in CI).
func kinds() []kind {
	return []kind{
		{"database", true, func(t testing.TB, now func() time.Time) parts {
			return parts{memory.New[*user.User](), backend.NewDatabase(backend.DatabaseConfig{Store: memory.NewTokenStore(), Lifetime: time.Hour, Now: now}), memory.NewRefreshStore()}
		}},
		{"database-sqlite", true, func(t testing.TB, now func() time.Time) parts {
			db := openSQL(t, "sqlite", filepath.Join(t.TempDir(), "users.db"))
			return parts{db.Users(), backend.NewDatabase(backend.DatabaseConfig{Store: db.AccessTokens(), Lifetime: time.Hour, Now: now}), db.RefreshTokens()}
		}},
		{"database-postgres", true, func(t testing.TB, now func() time.Time) parts {
			db := openSQL(t, "pgx", testenv.PostgresSchema(t, "usersauth"))
			return parts{db.Users(), backend.NewDatabase(backend.DatabaseConfig{Store: db.AccessTokens(), Lifetime: time.Hour, Now: now}), db.RefreshTokens()}
		}},
		{"redis", true, func(t testing.TB, now func() time.Time) parts {
			c, prefix := testRedis(t)
			return parts{memory.New[*user.User](), redistoken.New(redistoken.Config{Client: c, KeyPrefix: prefix, Lifetime: time.Hour, Now: now}), redistoken.NewRefreshStore(c, prefix)}
		}},
		// The JWT strategy as configured by default: revocable through
		// what the user record says of its sessions.
		{"jwt-epoch", false, func(t testing.TB, now func() time.Time) parts {
			return parts{memory.New[*user.User](), backend.NewJWT(backend.JWTConfig{Secret: testSecret, Lifetime: time.Hour, Now: now}), memory.NewRefreshStore()}
		}},
	}
}

func openSQL(t testing.TB, driver, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testRedis connects to the test Redis and returns a key prefix of the
// test's own, whose keys are deleted at the end.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: testenv.Redis(t)})
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis: %v", err)
	}
	prefix := "usersauth_test:" + testenv.RandomHex(t, 8) + ":"
	t.Cleanup(func() {
		defer c.Close()
		var keys []string
		it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return c, prefix
}

// sessionApp is a usersauth.UsersAuth over one kind of session, with a bearer backend
// "bearer" and a cookie backend "cookie" sharing the strategy, mounted as a
// host would.
type sessionApp struct {
	t        testing.TB
	ua       *usersauth.UsersAuth[*user.User]
	users    user.Store[*user.User]
	strategy backend.Strategy
	refresh  backend.RefreshStore // of the kind; used when refresh tokens are turned on
	clock    *strategytest.Clock
	handler  http.Handler
	logs     *lockedWriter
	logins   int // AfterLogin calls
	resets   map[string]string
}

func newSessionApp(t testing.TB, k kind, configure func(*usersauth.Options[*user.User])) *sessionApp {
	t.Helper()
	return buildSessionApp(t, k, false, configure)
}

// newRefreshApp is a sessionApp with refresh tokens on both backends, on
// the kind's refresh store and the app's clock: 14 days idle, 30 days
// absolute.
func newRefreshApp(t testing.TB, k kind, configure func(*usersauth.Options[*user.User])) *sessionApp {
	t.Helper()
	return buildSessionApp(t, k, true, configure)
}

const (
	refreshIdle     = 14 * 24 * time.Hour
	refreshAbsolute = 30 * 24 * time.Hour
)

func buildSessionApp(t testing.TB, k kind, refresh bool, configure func(*usersauth.Options[*user.User])) *sessionApp {
	t.Helper()
	sa := &sessionApp{t: t, clock: strategytest.NewClock(sessionsStart), logs: &lockedWriter{}, resets: map[string]string{}}
	p := k.open(t, sa.clock.Now)
	sa.users, sa.strategy, sa.refresh = p.users, p.strategy, p.refresh
	opts := usersauth.Options[*user.User]{
		// Throttling off: these tests make many requests from one address;
		// the throttling tests turn it on.
		Limits: &usersauth.Limits{},
		Store:  sa.users,
		Secret: testSecret,
		Backends: []backend.Backend{
			{Name: "bearer", Transport: backend.Bearer("auth/bearer/login"), Strategy: sa.strategy},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{}), Strategy: sa.strategy},
		},
		Hasher: newFastHasher(t, fastArgon2),
		Logger: slog.New(slog.NewTextHandler(sa.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks: user.Hooks[*user.User]{
			AfterLogin: func(context.Context, *user.User) error { sa.logins++; return nil },
			AfterForgotPassword: func(_ context.Context, u *user.User, token string) error {
				sa.resets[u.Email] = token
				return nil
			},
		},
	}
	if refresh {
		for i := range opts.Backends {
			opts.Backends[i].Refresh = &backend.RefreshConfig{Store: sa.refresh, Lifetime: refreshIdle, MaxLifetime: refreshAbsolute, Now: sa.clock.Now}
		}
	}
	if configure != nil {
		configure(&opts)
	}
	ua, err := usersauth.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sa.ua = ua
	mux := http.NewServeMux()
	ua.Mount(mux)
	sa.handler = mux
	return sa
}

func (sa *sessionApp) do(r *req) response {
	sa.t.Helper()
	return apptest.Serve(sa.handler, r)
}

func (sa *sessionApp) mustDo(r *req, want int) response {
	sa.t.Helper()
	res := sa.do(r)
	if res.Status != want {
		sa.t.Fatalf("%s %s: %d %s, want %d", r.Method, r.Path, res.Status, res.Body, want)
	}
	return res
}

func (sa *sessionApp) register(email, password string) uuid.UUID {
	sa.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res := sa.mustDo(newReq("POST", "/auth/register").JSON(string(body)), http.StatusCreated)
	return uuid.MustParse(res.JSON(sa.t)["id"].(string))
}

func (sa *sessionApp) set(id uuid.UUID, change func(b *user.Base)) {
	sa.t.Helper()
	if _, err := sa.users.Update(context.Background(), id, func(u *user.User) error { change(&u.Base); return nil }); err != nil {
		sa.t.Fatal(err)
	}
}

// login logs in through the bearer backend and returns the answer's JSON.
func (sa *sessionApp) login(email, password string) map[string]any {
	sa.t.Helper()
	return sa.mustDo(newReq("POST", "/auth/bearer/login").Form("username", email, "password", password), http.StatusOK).JSON(sa.t)
}

func (sa *sessionApp) token(email, password string) string {
	sa.t.Helper()
	return sa.login(email, password)["access_token"].(string)
}

// cookieLogin logs in through the cookie backend and returns its cookies by
// name.
func (sa *sessionApp) cookieLogin(email, password string) map[string]*http.Cookie {
	sa.t.Helper()
	res := sa.mustDo(newReq("POST", "/auth/cookie/login").Form("username", email, "password", password), http.StatusNoContent)
	return res.Cookies()
}

// me is the status of GET /users/me with a bearer token.
func (sa *sessionApp) me(token string) int {
	sa.t.Helper()
	return sa.do(newReq("GET", "/users/me").Bearer(token)).Status
}

// meCookie is the status of GET /users/me with the auth cookie.
func (sa *sessionApp) meCookie(token string) int {
	sa.t.Helper()
	return sa.do(newReq("GET", "/users/me").AuthCookie(token)).Status
}

// superuser registers a superuser and returns its bearer token.
func (sa *sessionApp) superuser() string {
	sa.t.Helper()
	id := sa.register("merlin@camelot.bt", "avalon-mist")
	sa.set(id, func(b *user.Base) { b.IsSuperuser = true })
	return sa.token("merlin@camelot.bt", "avalon-mist")
}

func (sa *sessionApp) logText() string { return sa.logs.String() }

// refreshForm is a bearer refresh request as a form.
func refreshForm(token string) *req {
	return newReq("POST", "/auth/bearer/refresh").Form("grant_type", "refresh_token", "refresh_token", token)
}

func kindNamed(name string) kind {
	for _, k := range kinds() {
		if k.name == name {
			return k
		}
	}
	panic("no kind " + name)
}
