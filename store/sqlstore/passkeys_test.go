package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

// TestPasskeyConformance runs the shared user.PasskeyStore suite on every
// backend.
func TestPasskeyConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunPasskeys(t, storetest.Factory{
				Users: func(t *testing.T) user.Store[*user.User] { return b.open(t).Users() },
			})
		})
	}
}

// TestPasskeyLookupsUseIndexes: finding a credential at sign-in and
// listing a user's passkeys are index searches, whatever the table's size.
func TestPasskeyLookupsUseIndexes(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			conn, err := db.SQL().Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			explain := "EXPLAIN QUERY PLAN "
			if db.Dialect() == sqlstore.Postgres {
				if _, err := conn.ExecContext(context.Background(), "SET enable_seqscan = off"); err != nil {
					t.Fatal(err)
				}
				explain = "EXPLAIN "
			}
			for _, tc := range []struct{ name, query, arg, index string }{
				{"by credential id", `SELECT user_id FROM usersauth_passkey WHERE credential_id = $1`, "credential", "ix_usersauth_passkey_credential_id"},
				{"by user", `SELECT id FROM usersauth_passkey WHERE user_id = $1`, "4fd3477b-eccf-4ee3-8f7d-68ad72261476", "ix_usersauth_passkey_user_id"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if plan := queryPlan(t, conn, explain+tc.query, tc.arg); !strings.Contains(plan, tc.index) {
						t.Fatalf("plan of %q:\n%s\nwant the index %s", tc.query, plan, tc.index)
					}
				})
			}
		})
	}
}
