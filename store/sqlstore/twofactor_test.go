package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"

	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

// TestTwoFactorConformance runs the shared user.TwoFactorStore and
// user.ChallengeStore suites on every backend.
func TestTwoFactorConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := storetest.Factory{Users: func(t *testing.T) user.Store[*user.User] { return b.open(t).Users() }}
			t.Run("TwoFactor", func(t *testing.T) { storetest.RunTwoFactor(t, f) })
			t.Run("Challenges", func(t *testing.T) { storetest.RunChallenges(t, f) })
		})
	}
}

// TestTwoFactorLookupsUseIndexes reads the plans of the lookups of the
// second step and of the purge: each is a search in an index, so a login's
// cost does not grow with the number of users or pending challenges.
func TestTwoFactorLookupsUseIndexes(t *testing.T) {
	const id = "4fd3477b-eccf-4ee3-8f7d-68ad72261476"
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
			for _, tc := range []struct {
				name, query, arg string
				sqlite, postgres string
				postgresArg      string // when the argument differs
			}{
				{"TOTP by user", `SELECT last_step FROM usersauth_totp WHERE user_id = $1`, id,
					"USING INDEX sqlite_autoindex_usersauth_totp_1", "usersauth_totp_pkey", ""},
				{"recovery code by user and digest", `DELETE FROM usersauth_recovery_code WHERE user_id = $1 AND digest = 'ab'`, id,
					"USING INDEX sqlite_autoindex_usersauth_recovery_code_1", "usersauth_recovery_code_pkey", ""},
				{"recovery codes by user", `SELECT COUNT(*) FROM usersauth_recovery_code WHERE user_id = $1`, id,
					"USING COVERING INDEX sqlite_autoindex_usersauth_recovery_code_1", "usersauth_recovery_code_pkey", ""},
				{"challenge by digest", `SELECT tries_left FROM usersauth_challenge WHERE digest = $1`, "ab",
					"USING INDEX sqlite_autoindex_usersauth_challenge_1", "usersauth_challenge_pkey", ""},
				{"challenges by user, for the cascade", `SELECT digest FROM usersauth_challenge WHERE user_id = $1`, id,
					"ix_usersauth_challenge_user_id", "ix_usersauth_challenge_user_id", ""},
				{"purge by expiry", `DELETE FROM usersauth_challenge WHERE expires_at <= $1`, "1",
					"ix_usersauth_challenge_expires_at", "ix_usersauth_challenge_expires_at", "2026-07-14T09:30:00Z"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want, arg := tc.sqlite, tc.arg
					if db.Dialect() == sqlstore.Postgres {
						want = tc.postgres
						if tc.postgresArg != "" {
							arg = tc.postgresArg
						}
					}
					plan := queryPlan(t, conn, explain+tc.query, arg)
					if !strings.Contains(plan, want) {
						t.Fatalf("plan of %q:\n%s\nwant %q", tc.query, plan, want)
					}
				})
			}
		})
	}
}
