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

func queryPlan(t *testing.T, conn *sql.Conn, query, arg string) string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), query, arg)
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
