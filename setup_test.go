package usersauth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

var (
	testSecret    = apptest.Secret
	fastArgon2    = apptest.FastArgon2
	newFastHasher = apptest.NewFastHasher
	newReq        = apptest.NewReq
	sameJSON      = apptest.SameJSON
)

type (
	countingHasher = apptest.CountingHasher
	lockedWriter   = apptest.LockedWriter
	req            = apptest.Req
	response       = apptest.Response
)

type testApp[U user.Model] struct {
	t         testing.TB
	ua        *UsersAuth[U]
	store     *memory.Store[U]
	hasher    *countingHasher
	handler   http.Handler
	logWriter *lockedWriter
}

func testBackends() []backend.Backend {
	return []backend.Backend{
		{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(testSecret, time.Hour)},
		{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: 3600}), Strategy: backend.JWT(testSecret, time.Hour)},
	}
}

// newApp builds a UsersAuth over a memory store with the jwt and cookie
// backends, mounted on a ServeMux as a host would.
func newApp[U user.Model](t testing.TB, configure func(*Options[U])) *testApp[U] {
	t.Helper()
	lw := &lockedWriter{}
	ta := &testApp[U]{t: t, store: memory.New[U](), hasher: newFastHasher(t, fastArgon2), logWriter: lw}
	opts := Options[U]{
		// Throttling off: these tests make many requests from one address;
		// the throttling tests turn it on.
		Limits:   &Limits{},
		Store:    ta.store,
		Secret:   testSecret,
		Backends: testBackends(),
		Hasher:   ta.hasher,
		Logger:   slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if configure != nil {
		configure(&opts)
	}
	ua, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ta.ua = ua
	mux := http.NewServeMux()
	ua.Mount(mux)
	ta.handler = mux
	return ta
}

func newUserApp(t testing.TB, configure func(*Options[*user.User])) *testApp[*user.User] {
	return newApp(t, configure)
}

func (ta *testApp[U]) logText() string { return ta.logWriter.String() }

func (ta *testApp[U]) do(r *req) response {
	ta.t.Helper()
	return apptest.Serve(ta.handler, r)
}

// register creates a user through the route and returns its id.
func (ta *testApp[U]) register(email, password string) uuid.UUID {
	ta.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res := ta.do(newReq("POST", "/auth/register").JSON(string(body)))
	if res.Status != http.StatusCreated {
		ta.t.Fatalf("register %s: %d %s", email, res.Status, res.Body)
	}
	return uuid.MustParse(res.JSON(ta.t)["id"].(string))
}

// login returns a bearer token for the user.
func (ta *testApp[U]) login(email, password string) string {
	ta.t.Helper()
	res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", email, "password", password))
	if res.Status != http.StatusOK {
		ta.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	return res.JSON(ta.t)["access_token"].(string)
}

// set changes a stored user directly, as an administrator would in the
// database.
func (ta *testApp[U]) set(id uuid.UUID, change func(b *user.Base)) {
	ta.t.Helper()
	if _, err := ta.store.Update(context.Background(), id, func(u U) error {
		change(u.UserBase())
		return nil
	}); err != nil {
		ta.t.Fatal(err)
	}
}

func (ta *testApp[U]) get(id uuid.UUID) U {
	ta.t.Helper()
	u, err := ta.store.Get(context.Background(), id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return u
}
