package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

func TestMigrate(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			want := fmt.Sprintf("schema version %d (%s), 0 users\n", sqlstore.SchemaVersion(), d.name)
			for range 2 { // idempotent
				if r := c.mustRun(nil, "migrate"); r.stdout != want || r.stderr != "" {
					t.Fatalf("migrate: %v\nwant stdout %q", r, want)
				}
			}
			c.seed(user.Base{Email: "alice@example.com"})
			if r := c.mustRun(nil, "migrate"); !strings.HasSuffix(r.stdout, ", 1 user\n") {
				t.Errorf("migrate with a user: %v", r)
			}
		})
	}
}

func TestMigrateCreatesSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	if r := runCLI(t, nil, "migrate", "--db", path); r.code != exitOK {
		t.Fatalf("%v", r)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("migrate did not create the file: %v", err)
	}
}

func TestCreateSuperuser(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			// Spaces are part of the password; only the line ending goes.
			const password = "  correct horse battery  "
			r := c.mustRun(strings.NewReader(password+"\r\n"), "create-superuser", "  Admin@EXAMPLE.com ")
			u := c.get("admin@example.com")
			if u == nil {
				t.Fatal("no user stored")
			}
			if u.Email != "Admin@example.com" || !u.IsActive || !u.IsSuperuser || !u.IsVerified {
				t.Errorf("stored %+v, want Admin@example.com (normalised) active, superuser, verified", u.Base)
			}
			if r.stdout != userLine(u) || r.stderr != "" {
				t.Errorf("output: %v\nwant stdout %q", r, userLine(u))
			}
			// argon2id with the library's default parameters, as the
			// server hashes.
			p := auth.DefaultArgon2Params()
			prefix := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.Memory, p.Iterations, p.Parallelism)
			if !strings.HasPrefix(u.HashedPassword, prefix) {
				t.Errorf("hash %q does not start with %q", u.HashedPassword, prefix)
			}
			h, err := auth.NewPasswordHasher(auth.HasherOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for pw, want := range map[string]bool{password: true, strings.TrimSpace(password): false, password + "\r": false} {
				ok, rehash, err := h.Verify(context.Background(), pw, u.HashedPassword)
				if err != nil || ok != want || rehash {
					t.Errorf("Verify(%q) = %t, %t, %v; want %t, false, nil", pw, ok, rehash, err, want)
				}
			}
			if strings.Contains(r.stdout+r.stderr, strings.TrimSpace(password)) || strings.Contains(r.stdout+r.stderr, "argon2") {
				t.Errorf("output shows the password or its hash: %v", r)
			}
		})
	}
}

func TestCreateSuperuserJSON(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	r := c.mustRun(strings.NewReader("correct horse battery\n"), "create-superuser", "root@example.com", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%v", err, r)
	}
	u := c.get("root@example.com")
	want := map[string]any{"id": u.ID.String(), "email": "root@example.com", "is_active": true, "is_superuser": true, "is_verified": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("JSON %v, want %v", got, want)
	}
}

func TestCreateSuperuserErrors(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			c.seed(user.Base{Email: "taken@example.com", IsActive: true})
			cases := []struct {
				name   string
				email  string
				stdin  string
				code   int
				stderr string
			}{
				{"duplicate", "taken@example.com", "correct horse battery\n", exitFailure,
					"usersauth create-superuser: a user with the e-mail address taken@example.com already exists\n"},
				{"duplicate in another spelling", "TAKEN@Example.COM", "correct horse battery\n", exitFailure,
					"usersauth create-superuser: a user with the e-mail address TAKEN@example.com already exists\n"},
				{"duplicate in fullwidth letters", "ｔａｋｅｎ@example.com", "correct horse battery\n", exitFailure,
					"usersauth create-superuser: a user with the e-mail address ｔａｋｅｎ@example.com already exists\n"},
				{"invalid e-mail", "root@localhost", "correct horse battery\n", exitFailure,
					"usersauth create-superuser: invalid e-mail address root@localhost: The domain name localhost is a special-use or reserved name that cannot be used with email.\n"},
				{"no at-sign", "root", "correct horse battery\n", exitFailure,
					"usersauth create-superuser: invalid e-mail address root: "},
				{"password too short", "root@example.com", "short\n", exitFailure,
					"usersauth create-superuser: password refused: Password should be at least 8 characters\n"},
				{"password too long", "root@example.com", strings.Repeat("x", 129) + "\n", exitFailure,
					"usersauth create-superuser: password refused: Password should be at most 128 characters\n"},
				{"empty line", "root@example.com", "\n", exitFailure,
					"usersauth create-superuser: password refused: Password should be at least 8 characters\n"},
				{"empty stdin", "root@example.com", "", exitFailure,
					"usersauth create-superuser: no password: stdin is not a terminal and holds no line"},
				{"line too long", "root@example.com", strings.Repeat("x", maxLine+1), exitFailure,
					"usersauth create-superuser: the line on stdin is longer than 4096 bytes\n"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := c.run(strings.NewReader(tc.stdin), "create-superuser", tc.email)
					if r.code != tc.code || !strings.HasPrefix(r.stderr, tc.stderr) || r.stdout != "" {
						t.Errorf("%v\nwant exit %d, stderr starting %q", r, tc.code, tc.stderr)
					}
					if len(lines(r.stderr)) != 1 {
						t.Errorf("stderr is not one line: %q", r.stderr)
					}
				})
			}
			if n, err := c.store().Count(context.Background()); err != nil || n != 1 {
				t.Errorf("Count = %d, %v; want only the seeded user", n, err)
			}
		})
	}
}

func TestCreateSuperuserTerminal(t *testing.T) {
	const good = "correct horse battery"
	cases := []struct {
		name      string
		passwords []string
		code      int
		stderr    string // after the prompts
		reads     int
	}{
		{"typed twice", []string{good, good}, exitOK, "", 2},
		{"mismatch", []string{good, good + "!"}, exitFailure, "usersauth create-superuser: the passwords do not match\n", 2},
		{"refused before the second prompt", []string{"short"}, exitFailure,
			"usersauth create-superuser: password refused: Password should be at least 8 characters\n", 1},
		{"end of input", nil, exitFailure, "usersauth create-superuser: no password entered\n", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t, database{"sqlite", sqliteFile})
			term := newTerminal("", tc.passwords...)
			r := c.run(term, "create-superuser", "root@example.com")
			if r.code != tc.code {
				t.Fatalf("%v\nwant exit %d", r, tc.code)
			}
			prompts := "Password: \n"
			if tc.reads == 2 {
				prompts += "Password (again): \n"
			}
			if r.stderr != prompts+tc.stderr {
				t.Errorf("stderr %q, want %q", r.stderr, prompts+tc.stderr)
			}
			if term.reads != tc.reads {
				t.Errorf("%d password reads, want %d", term.reads, tc.reads)
			}
			created := c.get("root@example.com")
			if (created != nil) != (tc.code == exitOK) {
				t.Errorf("user stored: %v, want %v", created != nil, tc.code == exitOK)
			}
			if created != nil && r.stdout != userLine(created) {
				t.Errorf("stdout %q, want %q", r.stdout, userLine(created))
			}
		})
	}
}

func TestFlagCommands(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			// One user whose flags the commands below walk through; each
			// command names it in another spelling.
			u := c.seed(user.Base{Email: "Alice@Example.com", HashedPassword: "kept"})[0]
			steps := []struct {
				command, email              string
				active, superuser, verified bool
				epoch                       int64  // deactivation ends the user's sessions
				already                     string // the note when nothing changed
			}{
				{"activate", "alice@example.com", true, false, false, 0, ""},
				{"activate", "ALICE@EXAMPLE.COM", true, false, false, 0, "is already active"},
				{"promote", "ａｌｉｃｅ@example.com", true, true, false, 0, ""},
				{"promote", "Alice@Example.com", true, true, false, 0, "is already a superuser"},
				{"verify", " alice@example.com ", true, true, true, 0, ""},
				{"verify", "alice@example.com", true, true, true, 0, "is already verified"},
				{"deactivate", "alice@EXAMPLE.com", false, true, true, 1, ""},
				{"deactivate", "alice@example.com", false, true, true, 1, "is already inactive"},
				{"demote", "alice@example.com", false, false, true, 1, ""},
				{"demote", "alice@example.com", false, false, true, 1, "is not a superuser"},
				{"unverify", "alice@example.com", false, false, false, 1, ""},
				{"unverify", "alice@example.com", false, false, false, 1, "is already unverified"},
			}
			for _, s := range steps {
				r := c.mustRun(nil, s.command, s.email)
				want := *u
				want.IsActive, want.IsSuperuser, want.IsVerified, want.TokenEpoch = s.active, s.superuser, s.verified, s.epoch
				if r.stdout != userLine(&want) {
					t.Errorf("%s %s: stdout %q, want %q", s.command, s.email, r.stdout, userLine(&want))
				}
				wantNote := ""
				if s.already != "" {
					wantNote = "usersauth: Alice@Example.com " + s.already + "; nothing changed\n"
				}
				if r.stderr != wantNote {
					t.Errorf("%s %s: stderr %q, want %q", s.command, s.email, r.stderr, wantNote)
				}
				got := c.get("alice@example.com")
				if got.Base != want.Base {
					t.Errorf("%s %s: stored %+v, want %+v", s.command, s.email, got.Base, want.Base)
				}
			}
		})
	}
}

func TestFlagCommandJSON(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	u := c.seed(user.Base{Email: "bob@example.com", IsActive: true})[0]
	r := c.mustRun(nil, "promote", "--json", "bob@example.com")
	want := fmt.Sprintf(`{"id":"%s","email":"bob@example.com","is_active":true,"is_superuser":true,"is_verified":false}`+"\n", u.ID)
	if r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}

// TestIDNAddress finds a user stored with an IDNA-encoded domain by the
// Unicode spelling of the address.
func TestIDNAddress(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	c.seed(user.Base{Email: "Bob@xn--bcher-kva.de"})
	if r := c.mustRun(nil, "promote", "bob@Bücher.de"); !strings.HasPrefix(r.stdout, "Bob@xn--bcher-kva.de id=") {
		t.Errorf("%v", r)
	}
}

func TestUnknownUser(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			c.seed(user.Base{Email: "alice@example.com"})
			for _, command := range []string{"promote", "demote", "activate", "deactivate", "verify", "unverify", "delete"} {
				t.Run(command, func(t *testing.T) {
					args := []string{"nobody@example.com"}
					if command == "delete" {
						args = append(args, "--yes")
					}
					r := c.run(nil, command, args...)
					want := "usersauth " + command + ": no user has the e-mail address nobody@example.com\n"
					if r.code != exitFailure || r.stderr != want || r.stdout != "" {
						t.Errorf("%v\nwant exit 1, stderr %q", r, want)
					}
				})
			}
		})
	}
}

func TestDelete(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			cases := []struct {
				name    string
				stdin   func() io.Reader // a fresh stdin; nil for none
				args    []string
				code    int
				deleted bool
				stderr  string
			}{
				{"--yes", func() io.Reader { return nil }, []string{"--yes"}, exitOK, true, ""},
				{"--yes on a terminal", func() io.Reader { return newTerminal("") }, []string{"--yes"}, exitOK, true, ""},
				{"confirmed", func() io.Reader { return newTerminal("y\n") }, nil, exitOK, true, "Delete %s (id %s)? This cannot be undone. [y/N] "},
				{"confirmed with yes", func() io.Reader { return newTerminal(" YES \n") }, nil, exitOK, true, "Delete %s (id %s)? This cannot be undone. [y/N] "},
				{"declined", func() io.Reader { return newTerminal("n\n") }, nil, exitFailure, false,
					"Delete %s (id %s)? This cannot be undone. [y/N] usersauth delete: not deleted\n"},
				{"empty answer", func() io.Reader { return newTerminal("\n") }, nil, exitFailure, false,
					"Delete %s (id %s)? This cannot be undone. [y/N] usersauth delete: not deleted\n"},
				{"end of input", func() io.Reader { return newTerminal("") }, nil, exitFailure, false,
					"Delete %s (id %s)? This cannot be undone. [y/N] \nusersauth delete: not deleted\n"},
				{"not a terminal", func() io.Reader { return strings.NewReader("y\n") }, nil, exitUsage, false,
					"usersauth delete: stdin is not a terminal, so deleting needs --yes\n"},
				{"redirected stdin", func() io.Reader { return notTerminal{strings.NewReader("y\n")} }, nil, exitUsage, false,
					"usersauth delete: stdin is not a terminal, so deleting needs --yes\n"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := newCLI(t, d)
					users := c.seed(user.Base{Email: "Mallory@example.com"}, user.Base{Email: "bob@example.com"})
					mallory := users[0]
					r := c.run(tc.stdin(), "delete", append([]string{"MALLORY@example.com"}, tc.args...)...)
					wantStderr := tc.stderr
					if strings.Contains(wantStderr, "%s") {
						wantStderr = fmt.Sprintf(wantStderr, mallory.Email, mallory.ID)
					}
					if r.code != tc.code || r.stderr != wantStderr {
						t.Errorf("%v\nwant exit %d, stderr %q", r, tc.code, wantStderr)
					}
					wantStdout := ""
					if tc.deleted {
						wantStdout = fmt.Sprintf("deleted Mallory@example.com id=%s\n", mallory.ID)
					}
					if r.stdout != wantStdout {
						t.Errorf("stdout %q, want %q", r.stdout, wantStdout)
					}
					if gone := c.get("mallory@example.com") == nil; gone != tc.deleted {
						t.Errorf("deleted: %v, want %v", gone, tc.deleted)
					}
					if c.get("bob@example.com") == nil {
						t.Error("another user was deleted")
					}
				})
			}
		})
	}
}

// TestInterrupted cancels the context while the password is being typed,
// as main does on Ctrl-C: nothing is created and the exit code is 130.
func TestInterrupted(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	c.mustRun(nil, "migrate")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	term := newTerminal("")
	term.onRead = func(ctx context.Context) (string, error) {
		cancel()
		<-ctx.Done()
		return "", ctx.Err()
	}
	r := runCLIContext(t, ctx, term, "create-superuser", "--db", c.db, "root@example.com")
	if r.code != exitInterrupted || !strings.HasSuffix(r.stderr, "usersauth: interrupted\n") {
		t.Errorf("%v\nwant exit 130, usersauth: interrupted", r)
	}
	if c.get("root@example.com") != nil {
		t.Error("user created after the interruption")
	}
}

// TestInterruptedRead cancels the context while stdin has not ended: the
// command returns instead of waiting for the line.
func TestInterruptedRead(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	c.mustRun(nil, "migrate")
	ctx, cancel := context.WithCancel(context.Background())
	stdin := &blockingReader{started: make(chan struct{}), release: make(chan struct{})}
	defer close(stdin.release)
	go func() {
		<-stdin.started
		cancel()
	}()
	r := runCLIContext(t, ctx, stdin, "create-superuser", "--db", c.db, "root@example.com")
	if r.code != exitInterrupted {
		t.Errorf("%v\nwant exit 130", r)
	}
}

// blockingReader blocks its first Read until released.
type blockingReader struct {
	started, release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	close(b.started)
	<-b.release
	return 0, fmt.Errorf("released")
}
