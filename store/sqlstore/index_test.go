package sqlstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"
)

// TestLookupsUseIndexes reads the query plans of the two hot lookups: each
// is a search in a unique index, never a scan, so its cost does not grow
// with the number of users.
func TestLookupsUseIndexes(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			// One connection, so that a session setting holds for the query.
			conn, err := db.SQL().Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, tc := range []struct {
				name, query, arg string
				sqlite, postgres string
			}{
				{"by id", `SELECT email FROM "user" WHERE id = $1`, "4fd3477b-eccf-4ee3-8f7d-68ad72261476",
					"USING INDEX sqlite_autoindex_user_1", "Index Scan using user_pkey"},
				{"by e-mail key", `SELECT email FROM "user" WHERE email_key = $1`, "king.arthur@camelot.bt",
					"USING INDEX ix_user_email_key", "Index Scan using ix_user_email_key"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					explain, want := "EXPLAIN QUERY PLAN ", tc.sqlite
					if db.Dialect() == sqlstore.Postgres {
						// Without statistics on an empty table the planner
						// may prefer a scan; what matters is that the index
						// serves the query when scans are not cheaper.
						if _, err := conn.ExecContext(context.Background(), "SET enable_seqscan = off"); err != nil {
							t.Fatal(err)
						}
						explain, want = "EXPLAIN ", tc.postgres
					}
					plan := queryPlan(t, conn, explain+tc.query, tc.arg)
					if !strings.Contains(plan, want) {
						t.Fatalf("plan of %q:\n%s\nwant %q", tc.query, plan, want)
					}
				})
			}
		})
	}
}

func queryPlan(t *testing.T, conn *sql.Conn, query string, args ...any) string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if s, ok := v.(string); ok {
				plan.WriteString(s)
				plan.WriteByte(' ')
			}
		}
		plan.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}

// TestListUsesIndex reads the plans of ListUsers' queries: each is a range
// scan of the unique index on email_key, in its order (no sort), so a page
// costs the same whatever the number of users.
func TestListUsesIndex(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			conn, err := db.SQL().Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			queries := sqlstore.ListQueries(db)
			for _, tc := range []struct {
				name, query string
				args        []any
			}{
				{"after a key", queries[0], []any{"king.arthur@camelot.bt", 51}},
				{"from a key", queries[1], []any{"\U0010FFFF", 51}},
				{"after a key, below another", queries[2], []any{"gareth@camelot.bt", 51, "gas"}},
				{"from a key, below another", queries[3], []any{"gar", 51, "gas"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					explain := "EXPLAIN QUERY PLAN "
					if db.Dialect() == sqlstore.Postgres {
						// On an empty table the planner may prefer a bitmap
						// scan and a sort; what matters is that the index
						// serves the query in its order when they are not
						// cheaper (the benchmark at a million users shows it).
						for _, set := range []string{"SET enable_seqscan = off", "SET enable_bitmapscan = off"} {
							if _, err := conn.ExecContext(context.Background(), set); err != nil {
								t.Fatal(err)
							}
						}
						explain = "EXPLAIN "
					}
					plan := queryPlan(t, conn, explain+tc.query, tc.args...)
					want := []string{"USING INDEX ix_user_email_key (email_key>"}
					if db.Dialect() == sqlstore.Postgres {
						want = []string{"Index Scan using ix_user_email_key", "Index Cond: ", "email_key >"}
					}
					for _, w := range want {
						if !strings.Contains(plan, w) {
							t.Fatalf("plan of %q:\n%s\nwant %q", tc.query, plan, w)
						}
					}
					for _, bad := range []string{"SCAN user", "TEMP B-TREE", "Sort", "Seq Scan"} {
						if strings.Contains(plan, bad) {
							t.Fatalf("plan of %q:\n%s\nholds %q", tc.query, plan, bad)
						}
					}
				})
			}
		})
	}
}
