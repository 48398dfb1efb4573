package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/user"
)

// TestSessionsMigration: a database at schema version 24, with a user, an
// access token and a refresh token, migrates to 25 with every row working:
// the token's session id comes from its digest (as the strategy gives one),
// its origin and expiry are unknown, the refresh token's origin is empty,
// the user has no ended sessions. A token written afterwards by an older
// version, without a session id, reads the same way.
func TestSessionsMigration(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect Dialect
		dsn     func(t *testing.T) string
	}{
		{"sqlite", SQLite, func(t *testing.T) string {
			dsn, err := SQLiteDSN(filepath.Join(t.TempDir(), "users.db"))
			if err != nil {
				t.Fatal(err)
			}
			return dsn
		}},
		{"postgres", Postgres, func(t *testing.T) string { return testenv.PostgresSchema(t, "sqlstore") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sqlDB, err := sql.Open(tc.dialect.DriverName(), tc.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sqlDB.Close() })
			steps := migrations()
			for steps[len(steps)-1].version >= 25 {
				steps = steps[:len(steps)-1]
			}
			old := &DB{sql: sqlDB, dialect: tc.dialect, q: newQueries(tc.dialect)}
			if err := old.migrateOnce(ctx, steps); err != nil {
				t.Fatal(err)
			}
			id := uuid.New()
			created := time.Date(2026, 11, 28, 14, 45, 51, 123456000, time.UTC)
			digest, later := auth.TokenDigest("a token from before"), auth.TokenDigest("a token from an older instance")
			family, refresh := uuid.New(), auth.TokenDigest("a refresh token from before")
			mustExec(t, sqlDB, `INSERT INTO "user" (id, email, email_key, hashed_password, is_active, is_superuser, is_verified, extra)
				VALUES ($1, 'king.arthur@camelot.bt', 'king.arthur@camelot.bt', 'x', TRUE, FALSE, FALSE, '{}')`, id)
			mustExec(t, sqlDB, `INSERT INTO accesstoken (token, created_at, user_id) VALUES ($1, $2, $3)`, digest, old.timeArg(created), id)
			mustExec(t, sqlDB, `INSERT INTO usersauth_refresh_token (digest, family_id, user_id, created_at, family_created_at, expires_at, used)
				VALUES ($1, $2, $3, $4, $4, $5, FALSE)`, refresh, family, id, old.timeArg(created), old.timeArg(created.Add(time.Hour)))

			db, err := New(ctx, sqlDB, tc.dialect)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			mustExec(t, sqlDB, `INSERT INTO accesstoken (token, created_at, user_id) VALUES ($1, $2, $3)`, later, db.timeArg(created), id)

			tokens := db.AccessTokens()
			at, err := tokens.GetToken(ctx, digest)
			want := auth.AccessToken{Digest: digest, UserID: id, CreatedAt: created, SessionID: auth.TokenSessionID(digest)}
			if err != nil || at != want {
				t.Fatalf("migrated token =\n%+v, %v\nwant\n%+v", at, err, want)
			}
			if at, err := tokens.GetToken(ctx, later); err != nil || at.SessionID != uuid.Nil || !at.CreatedAt.Equal(created) {
				t.Fatalf("token of an older instance = %+v, %v", at, err)
			}
			for _, sid := range []uuid.UUID{auth.TokenSessionID(digest), auth.TokenSessionID(later), family} {
				if owner, err := db.SessionUser(ctx, sid); err != nil || owner != id {
					t.Fatalf("SessionUser(%v) = %v, %v; want %v", sid, owner, err, id)
				}
			}
			if _, err := db.SessionUser(ctx, uuid.New()); err != user.ErrNotFound {
				t.Fatalf("SessionUser(unknown) = %v, want ErrNotFound", err)
			}
			rt, err := db.RefreshTokens().GetRefreshToken(ctx, refresh)
			if err != nil || rt.FamilyID != family || rt.Origin != (auth.Origin{}) {
				t.Fatalf("migrated refresh token = %+v, %v", rt, err)
			}
			u, err := db.Users().Get(ctx, id)
			if err != nil || u.EndedSessions != "" || u.KeptToken != "" {
				t.Fatalf("migrated user = %+v, %v", u, err)
			}
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		p, want string
		ok      bool
	}{
		{"a", "b", true},
		{"gar", "gas", true},
		{"a@", "aA", true},
		{"z", "{", true},
		{"é", "ê", true},
		{"a\u007f", "a\u0080", true},
		{"a\U0010FFFF", "b", true},
		{"ab\U0010FFFF\U0010FFFF", "ac", true},
		{"\U0010FFFF", "", false},
		{"a\uD7FF", "a\uE000", true},
		{"", "", false},
		{"a\xff", "", false},
	} {
		t.Run(tc.p, func(t *testing.T) {
			got, ok := prefixEnd(tc.p)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("prefixEnd(%q) = %q, %v; want %q, %v", tc.p, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzPrefixEnd: the end is greater than the prefix and than anything that
// starts with it, and no string between them fails to start with it.
func FuzzPrefixEnd(f *testing.F) {
	f.Add("gar", "garethe")
	f.Add("a\U0010FFFF", "a\U0010FFFFz")
	f.Add("é", "éa")
	f.Fuzz(func(t *testing.T, p, s string) {
		end, ok := prefixEnd(p)
		if !ok {
			return
		}
		if end <= p {
			t.Fatalf("prefixEnd(%q) = %q, not after it", p, end)
		}
		if !utf8.ValidString(s) {
			return
		}
		in := s >= p && s < end
		if in != (len(s) >= len(p) && s[:len(p)] == p) {
			t.Fatalf("prefixEnd(%q) = %q: %q is in the range %v, starts with the prefix %v", p, end, s, in, !in)
		}
	})
}
