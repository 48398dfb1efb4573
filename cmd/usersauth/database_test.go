package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/user"
)

// TestBadDatabase gives commands databases they cannot use: each fails with
// exit code 1 and one line naming the problem, without the password.
func TestBadDatabase(t *testing.T) {
	dir := t.TempDir()
	missingDir := filepath.Join(dir, "no", "such", "dir", "users.db")
	missingFile := filepath.Join(dir, "typo.db")
	notSQLite := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notSQLite, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		stderr  string // prefix of the one line
		created string // a file that must not exist afterwards
	}{
		{"SQLite file in a missing directory", []string{"migrate", "--db", missingDir},
			"usersauth migrate: cannot create the database " + missingDir + ": the directory " + filepath.Dir(missingDir) + " does not exist", ""},
		{"create-superuser in a missing directory", []string{"create-superuser", "--db", missingDir, "root@example.com"},
			"usersauth create-superuser: cannot create the database " + missingDir + ": the directory", ""},
		{"missing SQLite file", []string{"list", "--db", missingFile},
			"usersauth list: no database at " + missingFile + " (usersauth migrate --db " + missingFile + " creates one)", missingFile},
		{"missing SQLite file, promote", []string{"promote", "--db", missingFile, "a@example.com"},
			"usersauth promote: no database at " + missingFile, missingFile},
		{"missing SQLite file, delete", []string{"delete", "--db", missingFile, "--yes", "a@example.com"},
			"usersauth delete: no database at " + missingFile, missingFile},
		{"a directory", []string{"list", "--db", dir},
			"usersauth list: cannot open the database: " + dir + " is a directory", ""},
		{"not a SQLite file", []string{"list", "--db", notSQLite},
			"usersauth list: cannot open the database: file is not a database", ""},
		{"another URL scheme", []string{"migrate", "--db", "mysql://app:s3cret-pw@db/app"},
			`usersauth migrate: unsupported database URL scheme "mysql": give a SQLite file or a postgres:// URL`, ""},
		{"misspelt scheme", []string{"migrate", "--db", "postgress://app:s3cret-pw@db/app"},
			`usersauth migrate: unsupported database URL scheme "postgress"`, ""},
		{"PostgreSQL keyword/value string", []string{"migrate", "--db", "host=127.0.0.1 user=app password=s3cret-pw"},
			"usersauth migrate: the database looks like a PostgreSQL keyword/value string: give a postgres:// URL", ""},
		{"unreachable PostgreSQL", []string{"list", "--db", "postgres://app:s3cret-pw@127.0.0.1:1/app?connect_timeout=5"},
			"usersauth list: cannot open the database: failed to connect to `user=app database=app`: 127.0.0.1:1", ""},
		{"unparsable PostgreSQL URL", []string{"list", "--db", "postgres://app:s3cret-pw@[::1/app"},
			"usersauth list: cannot open the database: cannot parse `postgres://app:xxxxx@[::1/app`", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, strings.NewReader("correct horse battery\n"), tc.args...)
			checkOneLineFailure(t, r, tc.stderr)
			if tc.created != "" {
				if _, err := os.Stat(tc.created); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s was created", tc.created)
				}
			}
		})
	}
}

// TestBadPostgres reaches the test server with a wrong password and a
// database that does not exist.
func TestBadPostgres(t *testing.T) {
	base, err := url.Parse(testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	wrongPassword := *base
	wrongPassword.User = url.UserPassword(base.User.Username(), "s3cret-pw")
	noDatabase := *base
	noDatabase.Path = "/usersauth_no_such_db"
	cases := []struct {
		name, dsn, stderr string
	}{
		{"wrong password", wrongPassword.String(), "usersauth list: cannot open the database: failed to connect to "},
		{"no such database", noDatabase.String(), "usersauth list: cannot open the database: failed to connect to "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineFailure(t, runCLI(t, nil, "list", "--db", tc.dsn), tc.stderr)
		})
	}
}

func checkOneLineFailure(t *testing.T, r result, prefix string) {
	t.Helper()
	if r.code != exitFailure || r.stdout != "" {
		t.Errorf("%v\nwant exit 1 and nothing on stdout", r)
	}
	if !strings.HasPrefix(r.stderr, prefix) {
		t.Errorf("stderr %q, want it to start with %q", r.stderr, prefix)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr is not one line: %q", r.stderr)
	}
	if strings.Contains(r.stderr, "s3cret") {
		t.Errorf("stderr shows the password: %q", r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, ".go:") {
		t.Errorf("stderr shows a stack trace: %q", r.stderr)
	}
}

// TestEmailKeyConflict opens a database written by FastAPI Users whose
// addresses clash under user.EmailKey: migration refuses it, naming them.
func TestEmailKeyConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fastapi.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE user (id CHAR(36) NOT NULL, email VARCHAR(320) NOT NULL, hashed_password VARCHAR(1024) NOT NULL,
			is_active BOOLEAN NOT NULL, is_superuser BOOLEAN NOT NULL, is_verified BOOLEAN NOT NULL, PRIMARY KEY (id))`,
		`CREATE UNIQUE INDEX ix_user_email ON user (email)`,
		`INSERT INTO user VALUES ('8c0c3a51-3d3b-4b4c-8f0e-4a8c4c1b2a01', 'Ann@example.com', 'x', 1, 0, 0)`,
		`INSERT INTO user VALUES ('8c0c3a51-3d3b-4b4c-8f0e-4a8c4c1b2a02', 'ann@example.com', 'x', 1, 0, 0)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	r := runCLI(t, nil, "migrate", "--db", path)
	checkOneLineFailure(t, r, "usersauth migrate: cannot migrate the database: existing users' e-mail addresses differ only in case or Unicode form")
	if !strings.Contains(r.stderr, "Ann@example.com, ann@example.com") {
		t.Errorf("stderr does not name the addresses: %q", r.stderr)
	}
}

func TestMessage(t *testing.T) {
	const dsn = "postgres://app:s3cret-pw@db.internal/app"
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom"), "boom"},
		{"sqlstore wrapping dropped", fmt.Errorf("sqlstore: list users: %w", errors.New("disk I/O error")), "disk I/O error"},
		{"nested sqlstore wrapping", fmt.Errorf("sqlstore: a: %w", fmt.Errorf("sqlstore: b: %w", errors.New("cause"))), "cause"},
		{"sqlstore error wrapping nothing", errors.New("sqlstore: update changed the user id"), "sqlstore: update changed the user id"},
		{"our wrapping kept", fmt.Errorf("cannot open the database: %w", errors.New("x")), "cannot open the database: x"},
		{"lines joined", errors.New("failed to connect to `user=app`:\n\t127.0.0.1:1: refused\n\t127.0.0.1:1: refused\n"),
			"failed to connect to `user=app`: 127.0.0.1:1: refused"},
		{"distinct lines", errors.New("a\nb\r\nc"), "a; b; c"},
		{"DSN masked", errors.New("cannot use " + dsn), "cannot use postgres://app:xxxxx@db.internal/app"},
		{"userinfo masked", errors.New("dial app:s3cret-pw@db.internal"), "dial app:xxxxx@db.internal"},
		{"control characters escaped", errors.New("bad \x1b[31mred\x1b[0m \u202e"), `bad \x1b[31mred\x1b[0m \u202e`},
		{"a stored address", &unknownUserError{"evil\x1b]0;x\x07@example.com"}, `no user has the e-mail address "evil\x1b]0;x\a@example.com"`},
		{"not found sentinel", &unknownUserError{"a@example.com"}, "no user has the e-mail address a@example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := message(tc.err, dsn); got != tc.want {
				t.Errorf("message = %q, want %q", got, tc.want)
			}
		})
	}
	if !errors.Is(&unknownUserError{"a"}, user.ErrNotFound) || !errors.Is(&existingUserError{"a"}, user.ErrAlreadyExists) {
		t.Error("the typed errors do not match their sentinels")
	}
}

func TestReportExitCodes(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		code int
		out  string
	}{
		{"success", context.Background(), nil, exitOK, ""},
		{"failure", context.Background(), errors.New("boom"), exitFailure, "usersauth list: boom\n"},
		{"usage", context.Background(), fmt.Errorf("x: %w", &usageError{"needs --yes"}), exitUsage, "usersauth list: x: needs --yes\n"},
		{"interrupted", canceled, context.Canceled, exitInterrupted, "usersauth: interrupted\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if code := report(tc.ctx, &b, "list", "", tc.err); code != tc.code || b.String() != tc.out {
				t.Errorf("report = %d, %q; want %d, %q", code, b.String(), tc.code, tc.out)
			}
		})
	}
}
