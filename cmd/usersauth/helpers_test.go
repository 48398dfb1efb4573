package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// database makes a fresh, empty database of one kind for a test and
// returns its --db value; the schema is not created yet.
type database struct {
	name string
	dsn  func(t testing.TB) string
}

// databases are the databases every command is tested on. PostgreSQL is
// skipped without USERSAUTH_TEST_POSTGRES (and fails in CI).
func databases() []database {
	return []database{
		{"sqlite", sqliteFile},
		{"postgres", func(t testing.TB) string { return testenv.PostgresSchema(t, "cli") }},
	}
}

func sqliteFile(t testing.TB) string {
	return filepath.Join(t.TempDir(), "users.db")
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// result is what one run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs the command line in-process with args and stdin (nil: an
// empty, non-terminal stdin).
func runCLI(t testing.TB, stdin io.Reader, args ...string) result {
	t.Helper()
	return runCLIContext(t, context.Background(), stdin, args...)
}

func runCLIContext(t testing.TB, ctx context.Context, stdin io.Reader, args ...string) result {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, stdin, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// cli runs commands on one database.
type cli struct {
	t     testing.TB
	db    string
	users *sqlstore.UserStore[*user.User] // opened by store
}

func newCLI(t testing.TB, d database) *cli { return &cli{t: t, db: d.dsn(t)} }

// run runs "usersauth <command> --db <db> args...".
func (c *cli) run(stdin io.Reader, command string, args ...string) result {
	c.t.Helper()
	return runCLI(c.t, stdin, append([]string{command, "--db", c.db}, args...)...)
}

// mustRun is run, failing the test unless the command succeeds.
func (c *cli) mustRun(stdin io.Reader, command string, args ...string) result {
	c.t.Helper()
	r := c.run(stdin, command, args...)
	if r.code != exitOK {
		c.t.Fatalf("%s %v: %v", command, args, r)
	}
	return r
}

// store returns the test's own handle on the database, opened (and
// migrated) on first use as a server would open it.
func (c *cli) store() *sqlstore.UserStore[*user.User] {
	c.t.Helper()
	if c.users == nil {
		db, err := sqlstore.OpenURL(context.Background(), c.db)
		if err != nil {
			c.t.Fatalf("open: %v", err)
		}
		c.t.Cleanup(func() { db.Close() })
		c.users = db.Users()
	}
	return c.users
}

// seed stores users with the given addresses and flags through the store
// (no password hashing: these users never log in).
func (c *cli) seed(users ...user.Base) []*user.User {
	c.t.Helper()
	s := c.store()
	var out []*user.User
	for _, b := range users {
		u := &user.User{Base: b}
		if u.ID == uuid.Nil {
			u.ID = uuid.New()
		}
		if u.HashedPassword == "" {
			u.HashedPassword = "not-a-hash"
		}
		if err := s.Create(context.Background(), u); err != nil {
			c.t.Fatalf("seed %s: %v", b.Email, err)
		}
		out = append(out, u)
	}
	return out
}

// get returns the stored user with that address, or nil.
func (c *cli) get(email string) *user.User {
	c.t.Helper()
	u, err := c.store().GetByEmail(context.Background(), email)
	if err != nil {
		return nil
	}
	return u
}

// fakeTerminal is a stdin that says it is a terminal. Lines (for
// confirmations) are read from its Reader; ReadPassword hands out
// passwords in order, then io.EOF.
type fakeTerminal struct {
	io.Reader
	mu        sync.Mutex
	passwords []string
	reads     int
	// onRead, if set, runs in ReadPassword instead of handing out a
	// password.
	onRead func(ctx context.Context) (string, error)
}

func newTerminal(lines string, passwords ...string) *fakeTerminal {
	return &fakeTerminal{Reader: strings.NewReader(lines), passwords: passwords}
}

func (f *fakeTerminal) IsTerminal() bool { return true }

func (f *fakeTerminal) ReadPassword(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.onRead != nil {
		return f.onRead(ctx)
	}
	if len(f.passwords) == 0 {
		return "", io.EOF
	}
	pw := f.passwords[0]
	f.passwords = f.passwords[1:]
	return pw, nil
}

// notTerminal implements terminal but is not one, as os.Stdin redirected
// from a file.
type notTerminal struct{ io.Reader }

func (notTerminal) IsTerminal() bool { return false }

func (notTerminal) ReadPassword(context.Context) (string, error) {
	panic("ReadPassword called on a stdin that is not a terminal")
}

// lines splits output into its lines.
func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// userLine is printUser's text line for u.
func userLine(u *user.User) string {
	return fmt.Sprintf("%s id=%s active=%t superuser=%t verified=%t\n", u.Email, u.ID, u.IsActive, u.IsSuperuser, u.IsVerified)
}
