package integration

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// instance is one process of a service: its own UsersAuth, strategies and
// caches, on the shared PostgreSQL and Redis.
type instance struct {
	t       *testing.T
	handler http.Handler
}

// newInstance builds an instance with three backends: "db" (database tokens
// in PostgreSQL, refresh tokens there too), "redis" (Redis tokens, refresh
// tokens in Redis), "jwt" (JWTs, refresh tokens in Redis).
func newInstance(t *testing.T, db *sqlstore.DB, rdb *redis.Client, prefix string) *instance {
	t.Helper()
	redisRefresh := &backend.RefreshConfig{Store: redistoken.NewRefreshStore(rdb, prefix), Lifetime: refreshIdle, MaxLifetime: refreshAbsolute}
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  db.Users(),
		Secret: testSecret,
		Backends: []backend.Backend{
			{Name: "db", Transport: backend.Bearer("auth/db/login"), Strategy: backend.Database(db.AccessTokens(), time.Hour),
				Refresh: &backend.RefreshConfig{Store: db.RefreshTokens(), Lifetime: refreshIdle, MaxLifetime: refreshAbsolute}},
			{Name: "redis", Transport: backend.Bearer("auth/redis/login"), Strategy: redistoken.New(redistoken.Config{Client: rdb, KeyPrefix: prefix, Lifetime: time.Hour}), Refresh: redisRefresh},
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(testSecret, time.Hour), Refresh: redisRefresh},
		},
		Hasher: newFastHasher(t, fastArgon2),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	return &instance{t: t, handler: mux}
}

func (in *instance) do(r *req, want int) response {
	in.t.Helper()
	res := apptest.Serve(in.handler, r)
	if want != 0 && res.Status != want {
		in.t.Fatalf("%s %s: %d %s, want %d", r.Method, r.Path, res.Status, res.Body, want)
	}
	return res
}

func (in *instance) me(token string) int {
	in.t.Helper()
	return in.do(newReq("GET", "/users/me").Bearer(token), 0).Status
}

// TestSessionsAcrossInstances: devices sign in on instance A, through each
// backend; instance B lists them and ends one per backend; A refuses the
// ended ones at once, its JWT cache notwithstanding, and serves the others.
func TestSessionsAcrossInstances(t *testing.T) {
	db := openSQL(t, "pgx", testenv.PostgresSchema(t, "usersauth"))
	rdb, prefix := testRedis(t)
	a, b := newInstance(t, db, rdb, prefix), newInstance(t, db, rdb, prefix)
	body := `{"email":"king.arthur@camelot.bt","password":"guinevere"}`
	a.do(newReq("POST", "/auth/register").JSON(body), http.StatusCreated)

	type device struct{ backend, agent, access, refresh string }
	var devices []device
	for _, be := range []string{"db", "redis", "jwt"} {
		for _, agent := range []string{"phone", "laptop"} {
			res := a.do(newReq("POST", "/auth/"+be+"/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere").With("User-Agent", be+" "+agent), http.StatusOK)
			p := pairOf(t, res)
			devices = append(devices, device{be, agent, p.access, p.refresh})
			if got := a.me(p.access); got != http.StatusOK { // in A's caches now
				t.Fatalf("%s %s on A = %d", be, agent, got)
			}
		}
		// Two JWT logins in one second would be one token.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	}
	lister := devices[0].access // db, phone
	list := map[string]string{}
	for agent, s := range (&sessionApp{t: t, handler: b.handler}).sessionsByAgent("/users/me/sessions", lister) {
		list[agent] = s["id"].(string)
	}
	if len(list) != 6 {
		t.Fatalf("B lists %d sessions, want 6: %v", len(list), list)
	}
	for _, be := range []string{"db", "redis", "jwt"} {
		b.do(newReq("DELETE", "/users/me/sessions/"+list[be+" laptop"]).Bearer(lister), http.StatusNoContent)
	}
	for _, d := range devices {
		want := http.StatusOK
		if d.agent == "laptop" {
			want = http.StatusUnauthorized
		}
		if got := a.me(d.access); got != want {
			t.Errorf("%s %s on A after B ended the laptops = %d, want %d", d.backend, d.agent, got, want)
		}
		if got := a.do(newReq("POST", "/auth/"+d.backend+"/refresh").Form("refresh_token", d.refresh), 0).Status; got != want {
			t.Errorf("%s %s's refresh on A = %d, want %d", d.backend, d.agent, got, want)
		}
	}
}
