package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// server is a usersauth service on the same database as the command line,
// with its own connection, as a separate process would have.
type server struct {
	t   *testing.T
	url string
}

func startServer(t *testing.T, dsn string, open opener) *server {
	t.Helper()
	return startServerWith(t, dsn, open, func(db *sqlstore.DB, secret []byte) []backend.Backend {
		return []backend.Backend{{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)}}
	})
}

// opener is how a server opens its database.
type opener struct {
	name string
	open func(ctx context.Context, dsn string) (*sqlstore.DB, error)
}

// openers are the ways a server opens d's database: through sqlstore, and
// for SQLite also through store/sqlite, whose lookups skip database/sql (as
// examples/basic does).
func openers(d database) []opener {
	o := []opener{{"sqlstore", sqlstore.OpenURL}}
	if d.name == "sqlite" {
		o = append(o, opener{"store-sqlite", sqlite.Open})
	}
	return o
}

// startServerWith starts a server on the database opened by open, whose
// backends backends makes.
func startServerWith(t *testing.T, dsn string, open opener, backends func(db *sqlstore.DB, secret []byte) []backend.Backend) *server {
	t.Helper()
	db, err := open.open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	secret := []byte("cli-test-secret-0123456789abcdef-0123")
	// Small argon2 parameters keep the test quick; the hashes the command
	// line makes with the defaults verify all the same.
	hasher, err := auth.NewPasswordHasher(auth.HasherOptions{
		Params: auth.Argon2Params{Memory: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
	})
	if err != nil {
		t.Fatal(err)
	}
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:    db.Users(),
		Secret:   secret,
		Backends: backends(db, secret),
		Hasher:   hasher,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		if err := ua.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &server{t, srv.URL}
}

func (s *server) do(method, path, token, contentType, body string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// expect fails the test unless method path answers status.
func (s *server) expect(method, path, token string, status int) {
	s.t.Helper()
	if got, body := s.do(method, path, token, "", ""); got != status {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, got, body, status)
	}
}

func (s *server) register(email, password string) string {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	status, resp := s.do("POST", "/auth/register", "", "application/json", string(body))
	if status != http.StatusCreated {
		s.t.Fatalf("register: %d %s", status, resp)
	}
	var u user.Base
	if err := json.Unmarshal(resp, &u); err != nil {
		s.t.Fatal(err)
	}
	return u.ID.String()
}

func (s *server) login(email, password string) string {
	s.t.Helper()
	return s.loginAt("jwt", email, password)
}

// loginAt logs in through the named backend.
func (s *server) loginAt(backendName, email, password string) string {
	s.t.Helper()
	form := url.Values{"username": {email}, "password": {password}}.Encode()
	status, resp := s.do("POST", "/auth/"+backendName+"/login", "", "application/x-www-form-urlencoded", form)
	if status != http.StatusOK {
		s.t.Fatalf("login %s: %d %s", email, status, resp)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(resp, &tok); err != nil || tok.AccessToken == "" {
		s.t.Fatalf("login %s: %s", email, resp)
	}
	return tok.AccessToken
}

// TestSafeWhileServerRuns changes users with the command line while a
// server serves them from the same database: every change shows on the
// server's very next request, as the server reads the user on each one.
func TestSafeWhileServerRuns(t *testing.T) {
	eachServerDatabase(t, testSafeWhileServerRuns)
}

// eachServerDatabase runs test in a subtest per database and way for the
// server to open it.
func eachServerDatabase(t *testing.T, test func(t *testing.T, d database, o opener)) {
	for _, d := range databases() {
		for _, o := range openers(d) {
			t.Run(d.name+"/"+o.name, func(t *testing.T) { test(t, d, o) })
		}
	}
}

func testSafeWhileServerRuns(t *testing.T, d database, o opener) {
	c := newCLI(t, d)
	c.mustRun(nil, "migrate")
	srv := startServer(t, c.db, o)

	id := srv.register("alice@example.com", "alice's password")
	alice := srv.login("alice@example.com", "alice's password")
	srv.expect("GET", "/users/me", alice, http.StatusOK)
	srv.expect("GET", "/users/"+id, alice, http.StatusForbidden)

	c.mustRun(nil, "promote", "Alice@Example.com")
	srv.expect("GET", "/users/"+id, alice, http.StatusOK)

	c.mustRun(nil, "demote", "alice@example.com")
	srv.expect("GET", "/users/"+id, alice, http.StatusForbidden)

	c.mustRun(nil, "deactivate", "alice@example.com")
	srv.expect("GET", "/users/me", alice, http.StatusUnauthorized)

	// The deactivation ended alice's sessions, JWTs included: back, she
	// logs in again.
	c.mustRun(nil, "activate", "alice@example.com")
	srv.expect("GET", "/users/me", alice, http.StatusUnauthorized)
	alice = srv.login("alice@example.com", "alice's password")
	srv.expect("GET", "/users/me", alice, http.StatusOK)

	// A superuser the command line created logs in on the server,
	// its argon2id hash made with the library's defaults.
	c.mustRun(strings.NewReader("root's password\n"), "create-superuser", "root@example.com")
	root := srv.login("root@example.com", "root's password")
	srv.expect("GET", "/users/"+id, root, http.StatusOK)

	c.mustRun(nil, "delete", "--yes", "alice@example.com")
	srv.expect("GET", "/users/me", alice, http.StatusUnauthorized)
	srv.expect("GET", "/users/"+id, root, http.StatusNotFound)
}

// TestDeactivateEndsSessions: deactivating from the command line ends the
// user's sessions, as deactivating through the server does: reactivating
// the user does not bring back the database tokens or the JWTs issued
// before.
func TestDeactivateEndsSessions(t *testing.T) {
	eachServerDatabase(t, testDeactivateEndsSessions)
}

func testDeactivateEndsSessions(t *testing.T, d database, o opener) {
	c := newCLI(t, d)
	c.mustRun(nil, "migrate")
	srv := startServerWith(t, c.db, o, func(db *sqlstore.DB, secret []byte) []backend.Backend {
		return []backend.Backend{
			{Name: "db", Transport: backend.Bearer("auth/db/login"), Strategy: backend.Database(db.AccessTokens(), time.Hour)},
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		}
	})
	srv.register("alice@example.com", "alice's password")
	tokens := []string{srv.loginAt("db", "alice@example.com", "alice's password"), srv.loginAt("jwt", "alice@example.com", "alice's password")}
	for _, tok := range tokens {
		srv.expect("GET", "/users/me", tok, http.StatusOK)
	}
	c.mustRun(nil, "deactivate", "alice@example.com")
	c.mustRun(nil, "activate", "alice@example.com")
	for _, tok := range tokens {
		srv.expect("GET", "/users/me", tok, http.StatusUnauthorized)
	}
	srv.expect("GET", "/users/me", srv.loginAt("db", "alice@example.com", "alice's password"), http.StatusOK)
	srv.expect("GET", "/users/me", srv.loginAt("jwt", "alice@example.com", "alice's password"), http.StatusOK)
}
