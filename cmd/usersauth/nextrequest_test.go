package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/sqlstore"
)

// sessionBackends are a server's backends for the tests below: database
// tokens and revocable JWTs, the two kinds of session a change ends.
func sessionBackends(db *sqlstore.DB, secret []byte) []backend.Backend {
	return []backend.Backend{
		{Name: "db", Transport: backend.Bearer("auth/db/login"), Strategy: backend.Database(db.AccessTokens(), time.Hour)},
		{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.NewJWT(backend.JWTConfig{Secret: secret, Lifetime: time.Hour, Revocable: true})},
	}
}

// TestServerChangesEndSessionsOnNextRequest: a change through the server
// that ends a user's sessions (a password change, by the user or by a
// superuser; a deactivation, even undone behind the server's back; a
// deletion; logout-all) ends them on the very next request, on every
// database and every way a server opens it, store/sqlite's user cache
// included: the requests before the change have just read the user. A
// user's own password change keeps the session that made it.
func TestServerChangesEndSessionsOnNextRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		// change ends alice's sessions; boss is a superuser's token.
		change func(t *testing.T, c *cli, srv *server, id, alice, boss string)
		// password is alice's password afterwards, "" if she is gone.
		password string
		// kept: the session that made the change (alice's JWT) lives on.
		kept bool
	}{
		{"password change by the user", func(t *testing.T, _ *cli, srv *server, _, alice, _ string) {
			srv.mustDo("PATCH", "/users/me", alice, `{"password":"alice's new password"}`, http.StatusOK)
		}, "alice's new password", true},
		{"password change by a superuser", func(t *testing.T, _ *cli, srv *server, id, _, boss string) {
			srv.mustDo("PATCH", "/users/"+id, boss, `{"password":"alice's new password"}`, http.StatusOK)
		}, "alice's new password", false},
		{"deactivation, undone by the command line", func(t *testing.T, c *cli, srv *server, id, _, boss string) {
			srv.mustDo("PATCH", "/users/"+id, boss, `{"is_active":false}`, http.StatusOK)
			c.mustRun(nil, "activate", "alice@example.com")
		}, "alice's password", false},
		{"deletion", func(t *testing.T, _ *cli, srv *server, id, _, boss string) {
			srv.mustDo("DELETE", "/users/"+id, boss, "", http.StatusNoContent)
		}, "", false},
		{"logout-all", func(t *testing.T, _ *cli, srv *server, _, alice, _ string) {
			srv.mustDo("POST", "/auth/jwt/logout-all", alice, "", http.StatusNoContent)
		}, "alice's password", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachServerDatabase(t, func(t *testing.T, d database, o opener) {
				c := newCLI(t, d)
				c.mustRun(strings.NewReader("root's password\n"), "create-superuser", "root@example.com")
				srv := startServerWith(t, c.db, o, sessionBackends)
				id := srv.register("alice@example.com", "alice's password")
				srv.register("bob@example.com", "bob's password")
				boss := srv.loginAt("jwt", "root@example.com", "root's password")
				alice := []string{srv.loginAt("db", "alice@example.com", "alice's password"), srv.loginAt("jwt", "alice@example.com", "alice's password")}
				bob := []string{srv.loginAt("db", "bob@example.com", "bob's password"), srv.loginAt("jwt", "bob@example.com", "bob's password")}
				for _, tok := range append(alice, bob...) {
					srv.expect("GET", "/users/me", tok, http.StatusOK)
					srv.expect("GET", "/users/me", tok, http.StatusOK)
				}

				tc.change(t, c, srv, id, alice[1], boss)

				srv.expect("GET", "/users/me", alice[0], http.StatusUnauthorized)
				if tc.kept {
					srv.expect("GET", "/users/me", alice[1], http.StatusOK)
				} else {
					srv.expect("GET", "/users/me", alice[1], http.StatusUnauthorized)
				}
				for _, tok := range bob {
					srv.expect("GET", "/users/me", tok, http.StatusOK)
				}
				srv.expect("GET", "/users/me", boss, http.StatusOK)
				if tc.password != "" {
					srv.expect("GET", "/users/me", srv.loginAt("jwt", "alice@example.com", tc.password), http.StatusOK)
				}
			})
		})
	}
}

// TestTwoServersOnOneFile runs two servers on one SQLite file, each with
// its own handle (and, through store/sqlite, its own user cache), as two
// processes would: what one changes, the other's next request sees.
func TestTwoServersOnOneFile(t *testing.T) {
	for _, a := range openers(database{name: "sqlite"}) {
		for _, b := range openers(database{name: "sqlite"}) {
			t.Run(a.name+"+"+b.name, func(t *testing.T) {
				c := newCLI(t, database{"sqlite", sqliteFile})
				c.mustRun(strings.NewReader("root's password\n"), "create-superuser", "root@example.com")
				one := startServerWith(t, c.db, a, sessionBackends)
				two := startServerWith(t, c.db, b, sessionBackends)
				id := one.register("alice@example.com", "alice's password")
				boss := one.loginAt("jwt", "root@example.com", "root's password")
				// The revocable JWT, signed with the secret both share;
				// read by two from its own cache after the first request.
				alice := one.loginAt("jwt", "alice@example.com", "alice's password")
				for range 2 {
					two.expect("GET", "/users/me", alice, http.StatusOK)
					two.expect("GET", "/users/"+id, alice, http.StatusForbidden)
				}

				one.mustDo("PATCH", "/users/"+id, boss, `{"is_superuser":true}`, http.StatusOK)
				two.expect("GET", "/users/"+id, alice, http.StatusOK)

				one.mustDo("PATCH", "/users/"+id, boss, `{"is_active":false}`, http.StatusOK)
				two.expect("GET", "/users/me", alice, http.StatusUnauthorized)

				two.mustDo("PATCH", "/users/"+id, boss, `{"is_active":true}`, http.StatusOK)
				fresh := two.loginAt("jwt", "alice@example.com", "alice's password")
				one.expect("GET", "/users/me", fresh, http.StatusOK)
				two.mustDo("DELETE", "/users/"+id, boss, "", http.StatusNoContent)
				one.expect("GET", "/users/me", fresh, http.StatusUnauthorized)
			})
		}
	}
}

// mustDo sends a request with a JSON body (if any) and fails the test
// unless it answers status.
func (s *server) mustDo(method, path, token, body string, status int) []byte {
	s.t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	got, resp := s.do(method, path, token, contentType, body)
	if got != status {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, got, resp, status)
	}
	return resp
}
