package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// tableLines is the table list prints for users, in that order.
func tableLines(users ...*user.User) string {
	var b strings.Builder
	b.WriteString(tableHeader)
	for _, u := range users {
		fmt.Fprintf(&b, tableRow, u.ID, u.IsActive, u.IsSuperuser, u.IsVerified, u.Email)
	}
	return b.String()
}

func TestList(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			c.mustRun(nil, "migrate")
			if r := c.mustRun(nil, "list"); r.stdout != tableHeader || r.stderr != "" {
				t.Errorf("empty database: %v", r)
			}
			if r := c.mustRun(nil, "list", "--json"); r.stdout != "[]\n" {
				t.Errorf("empty database, JSON: %v", r)
			}
			// Seeded out of order, with mixed case: listed by e-mail key.
			seeded := c.seed(
				user.Base{Email: "dave@example.com", IsActive: true},
				user.Base{Email: "Bob@example.com", IsSuperuser: true},
				user.Base{Email: "erin@example.com", IsVerified: true},
				user.Base{Email: "alice@example.com", IsActive: true, IsSuperuser: true, IsVerified: true},
				user.Base{Email: "CAROL@example.com"},
			)
			sorted := slices.Clone(seeded)
			slices.SortFunc(sorted, func(a, b *user.User) int { return strings.Compare(user.EmailKey(a.Email), user.EmailKey(b.Email)) })

			cases := []struct {
				name   string
				args   []string
				want   []*user.User
				stderr string
			}{
				{"all", nil, sorted, ""},
				{"first page", []string{"--limit", "2"}, sorted[:2], "usersauth: more users follow: continue with --after Bob@example.com\n"},
				{"next page", []string{"--limit", "2", "--after", "Bob@example.com"}, sorted[2:4], "usersauth: more users follow: continue with --after dave@example.com\n"},
				{"last page", []string{"--limit", "2", "--after", "dave@example.com"}, sorted[4:], ""},
				{"exact last page", []string{"--limit", "3", "--after", "bob@EXAMPLE.com"}, sorted[2:], ""},
				{"after, in another spelling", []string{"--after", "CAROL@example.com"}, sorted[3:], ""},
				{"after the last", []string{"--after", "zed@example.com"}, nil, ""},
				{"limit 0 is all", []string{"--limit", "0"}, sorted, ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := c.mustRun(nil, "list", tc.args...)
					if want := tableLines(tc.want...); r.stdout != want || r.stderr != tc.stderr {
						t.Errorf("%v\nwant stdout:\n%s\nstderr %q", r, want, tc.stderr)
					}
					r = c.mustRun(nil, "list", append(tc.args, "--json")...)
					var got []*user.User
					if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
						t.Fatalf("--json: %v\n%v", err, r)
					}
					if len(got) != len(tc.want) {
						t.Fatalf("--json: %d users, want %d\n%v", len(got), len(tc.want), r)
					}
					for i := range got {
						want := tc.want[i].Base
						want.HashedPassword = ""
						if got[i].Base != want {
							t.Errorf("--json user %d: %+v, want %+v", i, got[i].Base, want)
						}
					}
				})
			}
		})
	}
}

// TestListPages lists more users than one page of the store holds: every
// user once, in order, whether all of them or a limit beyond a page.
func TestListPages(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			c := newCLI(t, d)
			n := sqlstore.MaxListLimit + 5
			emails := bulkSeed(t, c, n)
			check := func(r result, want []string) {
				t.Helper()
				rows := lines(r.stdout)[1:]
				if len(rows) != len(want) {
					t.Fatalf("%d rows, want %d", len(rows), len(want))
				}
				for i, row := range rows {
					if !strings.HasSuffix(row, "  "+want[i]) {
						t.Fatalf("row %d is %q, want %s", i, row, want[i])
					}
				}
			}
			check(c.mustRun(nil, "list"), emails)
			r := c.mustRun(nil, "list", "--limit", fmt.Sprint(n-2))
			check(r, emails[:n-2])
			if want := "usersauth: more users follow: continue with --after " + emails[n-3] + "\n"; r.stderr != want {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
			r = c.mustRun(nil, "list", "--json")
			var got []user.Base
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != n {
				t.Fatalf("--json: %d users, %v", len(got), err)
			}
		})
	}
}

// bulkSeed inserts n users in one transaction and returns their addresses
// in list order.
func bulkSeed(t testing.TB, c *cli, n int) []string {
	t.Helper()
	c.store() // creates the schema
	db, err := sqlstore.OpenURL(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO "user" (id, email, email_key, hashed_password, is_active, is_superuser, is_verified, extra)
		VALUES ($1, $2, $3, 'x', $4, false, false, '{}')`)
	if err != nil {
		t.Fatal(err)
	}
	emails := make([]string, n)
	for i := range n {
		emails[i] = fmt.Sprintf("user%05d@example.com", i)
		if _, err := stmt.ExecContext(ctx, uuid.NewString(), emails[i], emails[i], i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return emails
}

// TestListEscapesAddresses shows a stored address holding terminal control
// sequences escaped, never raw.
func TestListEscapesAddresses(t *testing.T) {
	c := newCLI(t, database{"sqlite", sqliteFile})
	// Not an address NormalizeEmail would accept; a database written by
	// another tool may hold it.
	hostile := "evil\x1b[2J\u202e@example.com"
	c.seed(user.Base{Email: hostile})
	for _, args := range [][]string{nil, {"--json"}} {
		r := c.mustRun(nil, "list", args...)
		if strings.ContainsAny(r.stdout, "\x1b\u202e") {
			t.Errorf("list %v printed a raw control character: %q", args, r.stdout)
		}
	}
	r := c.mustRun(nil, "list")
	if want := `"evil\x1b[2J\u202e@example.com"`; !strings.HasSuffix(lines(r.stdout)[1], want) {
		t.Errorf("row %q, want the address shown as %s", lines(r.stdout)[1], want)
	}
	r = c.mustRun(nil, "promote", hostile)
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\u202e") {
		t.Errorf("promote printed a raw control character: %v", r)
	}
}
