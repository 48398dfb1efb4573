package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/user"
)

func TestUsage(t *testing.T) {
	t.Setenv(dbEnv, "") // whatever the developer's shell holds
	db := filepath.Join(t.TempDir(), "users.db")
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr []string // substrings, in order
	}{
		{"no arguments", nil, exitUsage, []string{"usage: usersauth <command>", "commands:", "create-superuser <email>", "list", "delete <email>"}},
		{"help", []string{"help"}, exitOK, []string{"usage: usersauth <command>", "commands:"}},
		{"-h", []string{"-h"}, exitOK, []string{"usage: usersauth <command>"}},
		{"--help", []string{"--help"}, exitOK, []string{"usage: usersauth <command>"}},
		{"help on a command", []string{"help", "list"}, exitOK, []string{"usage: usersauth list --db <database>", "-after", "-db", "-json", "-limit"}},
		{"help on an unknown command", []string{"help", "frob"}, exitUsage, []string{`usersauth: unknown command "frob"`}},
		{"command -h", []string{"delete", "-h"}, exitOK, []string{"usage: usersauth delete --db <database> <email>", "-yes"}},
		{"unknown command", []string{"frob"}, exitUsage, []string{`usersauth: unknown command "frob"`, "usage: usersauth <command>"}},
		{"flag before the command", []string{"--db", db, "list"}, exitUsage, []string{"usersauth: the command comes first", "usage:"}},
		{"no database", []string{"list"}, exitUsage, []string{"usersauth list: no database: give --db <sqlite file or postgres:// URL> or set USERSAUTH_DB", "usage: usersauth list"}},
		{"missing e-mail", []string{"promote", "--db", db}, exitUsage, []string{"usersauth promote: missing <email>", "usage: usersauth promote"}},
		{"empty e-mail", []string{"promote", "--db", db, ""}, exitUsage, []string{"usersauth promote: empty e-mail address"}},
		{"two e-mails", []string{"promote", "--db", db, "a@example.com", "b@example.com"}, exitUsage, []string{`usersauth promote: unexpected argument "b@example.com"`}},
		{"argument to list", []string{"list", "--db", db, "a@example.com"}, exitUsage, []string{`usersauth list: unexpected argument "a@example.com"`}},
		{"unknown flag", []string{"list", "--db", db, "--frob"}, exitUsage, []string{"flag provided but not defined: -frob", "usage: usersauth list"}},
		{"flag of another command", []string{"promote", "--db", db, "--yes", "a@example.com"}, exitUsage, []string{"flag provided but not defined: -yes"}},
		{"negative limit", []string{"list", "--db", db, "--limit", "-1"}, exitUsage, []string{"usersauth list: --limit must not be negative"}},
		{"limit not a number", []string{"list", "--db", db, "--limit", "ten"}, exitUsage, []string{`invalid value "ten" for flag -limit`}},
		{"--db without a value", []string{"list", "--db"}, exitUsage, []string{"flag needs an argument: -db"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			if r.code != tc.code || r.stdout != "" {
				t.Fatalf("%v\nwant exit %d and nothing on stdout", r, tc.code)
			}
			rest := r.stderr
			for _, s := range tc.stderr {
				i := strings.Index(rest, s)
				if i < 0 {
					t.Fatalf("stderr lacks %q (in order):\n%s", s, r.stderr)
				}
				rest = rest[i+len(s):]
			}
		})
	}
}

// TestFlagSpellings runs one command with every accepted way of giving the
// database, and flags on either side of the argument.
func TestFlagSpellings(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	u := c.seed(user.Base{Email: "alice@example.com"})[0]
	want := userLine(&user.User{Base: user.Base{ID: u.ID, Email: u.Email, IsSuperuser: true}})
	cases := map[string][]string{
		"--db x":              {"promote", "--db", c.db, "alice@example.com"},
		"-db x":               {"promote", "-db", c.db, "alice@example.com"},
		"--db=x":              {"promote", "--db=" + c.db, "alice@example.com"},
		"-db=x":               {"promote", "-db=" + c.db, "alice@example.com"},
		"after the argument":  {"promote", "alice@example.com", "--db", c.db},
		"around the argument": {"promote", "--json=false", "alice@example.com", "--db", c.db},
		"after --":            {"promote", "--db", c.db, "--", "alice@example.com"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if r := runCLI(t, nil, args...); r.code != exitOK || r.stdout != want {
				t.Errorf("%v\nwant stdout %q", r, want)
			}
		})
	}
	// After "--", a flag is an argument.
	r := runCLI(t, nil, "promote", "--db", c.db, "--", "alice@example.com", "--json")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unexpected argument "--json"`) {
		t.Errorf("after --: %v", r)
	}
}

func TestDatabaseFromEnvironment(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	c.seed(user.Base{Email: "alice@example.com"})
	t.Setenv(dbEnv, c.db)
	if r := runCLI(t, nil, "list"); r.code != exitOK || !strings.Contains(r.stdout, "alice@example.com") {
		t.Errorf("list with %s: %v", dbEnv, r)
	}
	// --db wins over the environment.
	other := newCLI(t, database{"sqlite", sqliteFile})
	other.mustRun(nil, "migrate")
	if r := runCLI(t, nil, "list", "--db", other.db); r.code != exitOK || r.stdout != tableHeader {
		t.Errorf("list --db with %s set: %v", dbEnv, r)
	}
	// Usage never prints the variable's value, which may hold a password.
	t.Setenv(dbEnv, "postgres://app:s3cret-pw@127.0.0.1:1/app")
	if r := runCLI(t, nil, "help", "list"); strings.Contains(r.stderr, "s3cret") {
		t.Errorf("usage shows %s: %s", dbEnv, r.stderr)
	}
}
