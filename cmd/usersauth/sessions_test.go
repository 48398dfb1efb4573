package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// loginAs logs in through the named backend with a user agent of its own,
// as one device would, and returns the access token.
func (s *server) loginAs(backendName, agent, email, password string) string {
	s.t.Helper()
	form := url.Values{"username": {email}, "password": {password}}.Encode()
	req, err := http.NewRequest("POST", s.url+"/auth/"+backendName+"/login", strings.NewReader(form))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", agent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("login: %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// TestSessionsCommands: the sessions command lists what a server's logins
// left in the database, end-session logs one device out at once (the
// server refuses its token on the next request), the others stay.
func TestSessionsCommands(t *testing.T) {
	eachServerDatabase(t, func(t *testing.T, d database, o opener) {
		c := newCLI(t, d)
		c.mustRun(nil, "migrate")
		srv := startServerWith(t, c.db, o, func(db *sqlstore.DB, secret []byte) []backend.Backend {
			refresh := &backend.RefreshConfig{Store: db.RefreshTokens(), Lifetime: time.Hour, MaxLifetime: 24 * time.Hour}
			return []backend.Backend{
				{Name: "db", Transport: backend.Bearer("auth/db/login"), Strategy: backend.Database(db.AccessTokens(), time.Hour)},
				{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour), Refresh: refresh},
			}
		})
		srv.register("alice@example.com", "alice's password")
		phone := srv.loginAs("db", "Camelot/2.1 (iPhone)", "alice@example.com", "alice's password")
		laptop := srv.loginAs("jwt", "Firefox/140.0", "alice@example.com", "alice's password")
		if r := c.run(nil, "sessions", "bob@example.com"); r.code != exitFailure {
			t.Fatalf("sessions of an unknown user: %v", r)
		}

		r := c.mustRun(nil, "sessions", "alice@example.com")
		rows := lines(r.stdout)
		if len(rows) != 3 || rows[0]+"\n" != sessionHeader {
			t.Fatalf("sessions table:\n%s", r.stdout)
		}
		var jsonOut []map[string]any
		if err := json.Unmarshal([]byte(c.mustRun(nil, "sessions", "--json", "alice@example.com").stdout), &jsonOut); err != nil || len(jsonOut) != 2 {
			t.Fatalf("sessions --json: %v, %v", jsonOut, err)
		}
		byAgent := map[string]map[string]any{}
		for _, s := range jsonOut {
			byAgent[s["user_agent"].(string)] = s
		}
		phoneSession, laptopSession := byAgent["Camelot/2.1 (iPhone)"], byAgent["Firefox/140.0"]
		if phoneSession == nil || laptopSession == nil || phoneSession["backend"] != "db" || laptopSession["backend"] != "jwt" ||
			phoneSession["ip"] != "127.0.0.1" || phoneSession["expires_at"] == nil {
			t.Fatalf("sessions: %v", jsonOut)
		}
		for _, row := range rows[1:] {
			if !strings.Contains(row, phoneSession["id"].(string)) && !strings.Contains(row, laptopSession["id"].(string)) {
				t.Fatalf("row %q names neither session", row)
			}
		}

		for _, tc := range []struct {
			name string
			arg  string
			code int
		}{{"not an id", "phone", exitUsage}, {"unknown id", uuid.NewString(), exitFailure}} {
			if r := c.run(nil, "end-session", tc.arg); r.code != tc.code {
				t.Fatalf("end-session %s: %v", tc.name, r)
			}
		}
		for _, tc := range []struct {
			name    string
			session map[string]any
			ended   string
			lives   string
		}{{"the phone's database token", phoneSession, phone, laptop}, {"the laptop's refresh family", laptopSession, laptop, ""}} {
			id := tc.session["id"].(string)
			r := c.mustRun(nil, "end-session", id)
			if want := "ended session " + id + " of alice@example.com\n"; r.stdout != want {
				t.Fatalf("end-session %s: %v", tc.name, r)
			}
			srv.expect("GET", "/users/me", tc.ended, http.StatusUnauthorized)
			if tc.lives != "" {
				srv.expect("GET", "/users/me", tc.lives, http.StatusOK)
			}
			if r := c.run(nil, "end-session", id); r.code != exitFailure {
				t.Fatalf("end-session %s again: %v", tc.name, r)
			}
		}
		if r := c.mustRun(nil, "sessions", "alice@example.com"); r.stdout != sessionHeader {
			t.Fatalf("sessions after ending both:\n%s", r.stdout)
		}
	})
}

// TestListPrefix: list --prefix pages through the users whose address
// starts with it, in any case.
func TestListPrefix(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	c.mustRun(nil, "migrate")
	seeded := c.seed(
		user.Base{Email: "gawain@camelot.bt"}, user.Base{Email: "Galahad@camelot.bt"}, user.Base{Email: "gareth@camelot.bt"}, user.Base{Email: "kay@camelot.bt"},
	)
	r := c.mustRun(nil, "list", "--prefix", "GA", "--limit", "2")
	if want := tableLines(seeded[1], seeded[2]); r.stdout != want || !strings.Contains(r.stderr, "--after gareth@camelot.bt") {
		t.Fatalf("%v\nwant\n%s", r, want)
	}
	r = c.mustRun(nil, "list", "--prefix", "ga", "--after", "gareth@camelot.bt")
	if want := tableLines(seeded[0]); r.stdout != want || r.stderr != "" {
		t.Fatalf("%v\nwant\n%s", r, want)
	}
}
