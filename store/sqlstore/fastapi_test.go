package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// fastAPIDatabase is a database laid out by FastAPI Users, before sqlstore
// ever opened it.
type fastAPIDatabase struct {
	driver, dsn string
	raw         *sql.DB // opened without sqlstore
}

// newFastAPIDatabase creates FastAPI Users' tables from the DDL fixture of
// the dialect, in a new SQLite file or PostgreSQL schema.
func newFastAPIDatabase(t *testing.T, dialect sqlstore.Dialect) *fastAPIDatabase {
	t.Helper()
	f := &fastAPIDatabase{driver: dialect.DriverName()}
	fixture := "testdata/fastapi_users_sqlite.sql"
	switch dialect {
	case sqlstore.SQLite:
		f.dsn = filepath.Join(t.TempDir(), "fastapi.db")
	case sqlstore.Postgres:
		f.dsn = testenv.PostgresSchema(t, "sqlstore")
		fixture = "testdata/fastapi_users_postgres.sql"
	}
	ddl, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if f.raw, err = sql.Open(f.driver, f.dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.raw.Close() })
	if _, err := f.raw.Exec(string(ddl)); err != nil {
		t.Fatalf("FastAPI Users DDL: %v", err)
	}
	return f
}

// insertUser writes a row as FastAPI Users' SQLAlchemy adapter does: the id
// as its canonical string, the address as given, booleans as the dialect
// stores them.
func (f *fastAPIDatabase) insertUser(t *testing.T, b user.Base) {
	t.Helper()
	if _, err := f.raw.Exec(`INSERT INTO "user" (id, email, hashed_password, is_active, is_superuser, is_verified)
		VALUES ($1, $2, $3, $4, $5, $6)`, b.ID.String(), b.Email, b.HashedPassword, b.IsActive, b.IsSuperuser, b.IsVerified); err != nil {
		t.Fatalf("insert user: %v", err)
	}
}

func (f *fastAPIDatabase) count(t *testing.T, table string, userID uuid.UUID) int {
	t.Helper()
	var n int
	if err := f.raw.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE user_id = $1`, userID.String()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fastAPIHash returns the stored hash of the given row of the FastAPI Users
// hash fixture.
func fastAPIHash(t *testing.T, id string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/fastapi_users_hashes.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Hashes []struct {
			ID   string `json:"id"`
			Hash string `json:"hash"`
		} `json:"hashes"`
	}
	if err := json.Unmarshal(data, &fixture); err != nil {
		t.Fatal(err)
	}
	for _, h := range fixture.Hashes {
		if h.ID == id {
			return h.Hash
		}
	}
	t.Fatalf("no hash %q in the fixture", id)
	return ""
}

func dialects() []sqlstore.Dialect { return []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} }

// TestOpenFastAPIUsersDatabase opens a database FastAPI Users created and
// filled: its users are found by e-mail in any spelling, their hashes and
// flags are intact, and the new unique key and cascades work.
func TestOpenFastAPIUsersDatabase(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects() {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			f := newFastAPIDatabase(t, d)
			arthur := user.Base{
				ID:             uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476"),
				Email:          "King.Arthur@camelot.bt",
				HashedPassword: fastAPIHash(t, "bcrypt-2b-ascii"),
				IsActive:       true,
				IsSuperuser:    true,
				IsVerified:     true,
			}
			merlin := user.Base{
				ID:             uuid.New(),
				Email:          "merlin@camelot.bt",
				HashedPassword: fastAPIHash(t, "argon2id-fu-default-ascii"),
				IsActive:       false,
			}
			f.insertUser(t, arthur)
			f.insertUser(t, merlin)
			createdAt := "2026-11-28 14:45:51.123456"
			if d == sqlstore.Postgres {
				createdAt += "+00"
			}
			if _, err := f.raw.Exec(`INSERT INTO accesstoken (token, created_at, user_id) VALUES ($1, $2, $3)`,
				strings.Repeat("t", 43), createdAt, arthur.ID.String()); err != nil {
				t.Fatal(err)
			}
			if _, err := f.raw.Exec(`INSERT INTO oauth_account (id, oauth_name, access_token, expires_at, refresh_token, account_id, account_email, user_id)
				VALUES ($1, 'google', 'access', 1700000000, NULL, '1234', $2, $3)`,
				uuid.NewString(), arthur.Email, arthur.ID.String()); err != nil {
				t.Fatal(err)
			}

			db := mustOpen(t, f.driver, f.dsn)
			s := db.Users()

			for _, tc := range []struct {
				name, email string
				want        user.Base
			}{
				{"as stored", "King.Arthur@camelot.bt", arthur},
				{"lower case", "king.arthur@camelot.bt", arthur},
				{"fullwidth", "ｋｉｎｇ.ａｒｔｈｕｒ@camelot.bt", arthur},
				{"argon2 user", "Merlin@Camelot.bt", merlin},
			} {
				t.Run("GetByEmail/"+tc.name, func(t *testing.T) {
					got, err := s.GetByEmail(ctx, tc.email)
					if err != nil {
						t.Fatal(err)
					}
					if got.Base != tc.want {
						t.Fatalf("got %+v\nwant %+v", got.Base, tc.want)
					}
				})
			}
			t.Run("Get", func(t *testing.T) {
				got, err := s.Get(ctx, arthur.ID)
				if err != nil || got.Base != arthur {
					t.Fatalf("Get = %+v, %v", got, err)
				}
			})
			t.Run("email key is unique", func(t *testing.T) {
				if err := s.Create(ctx, newUser("KING.ARTHUR@camelot.bt")); !errors.Is(err, user.ErrAlreadyExists) {
					t.Fatalf("Create of a case variant = %v, want ErrAlreadyExists", err)
				}
			})
			t.Run("reopen", func(t *testing.T) {
				again := mustOpen(t, f.driver, f.dsn)
				if got, err := again.Users().GetByEmail(ctx, "king.arthur@camelot.bt"); err != nil || got.ID != arthur.ID {
					t.Fatalf("GetByEmail after reopening = %+v, %v", got, err)
				}
			})
			t.Run("tokens in clear are deleted", func(t *testing.T) {
				// FastAPI Users stored its database strategy's tokens
				// themselves: readable, hence usable, by anyone with the
				// table. They are gone; ours are digests.
				if n := f.count(t, "accesstoken", arthur.ID); n != 0 {
					t.Fatalf("accesstoken keeps %d FastAPI Users tokens", n)
				}
				at := auth.AccessToken{Digest: auth.TokenDigest("t"), UserID: arthur.ID, CreatedAt: time.Now()}
				if err := db.AccessTokens().CreateToken(ctx, at); err != nil {
					t.Fatalf("a 64-digit digest does not fit the widened column: %v", err)
				}
				now := time.Now()
				rt := auth.RefreshToken{Digest: auth.TokenDigest("r"), FamilyID: uuid.New(), UserID: arthur.ID,
					CreatedAt: now, FamilyCreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := db.RefreshTokens().CreateRefreshToken(ctx, rt); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Get(ctx, arthur.ID); err != nil || got.TokenEpoch != 0 {
					t.Fatalf("an adopted user's TokenEpoch = %d, %v; want 0", got.TokenEpoch, err)
				}
			})
			t.Run("delete cascades", func(t *testing.T) {
				if err := s.Delete(ctx, arthur.ID); err != nil {
					t.Fatal(err)
				}
				for _, table := range []string{"accesstoken", "oauth_account", "usersauth_refresh_token"} {
					if n := f.count(t, table, arthur.ID); n != 0 {
						t.Errorf("%s keeps %d rows of the deleted user", table, n)
					}
				}
			})
		})
	}
}

// TestOpenFastAPIUsersDatabaseConflict: FastAPI Users' unique index is on
// the address as typed, so it can hold two spellings of one account. Open
// refuses with an error naming them, and leaves the database as it was.
func TestOpenFastAPIUsersDatabaseConflict(t *testing.T) {
	for _, d := range dialects() {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			f := newFastAPIDatabase(t, d)
			for _, email := range []string{"arthur@camelot.bt", "Merlin@camelot.bt", "Arthur@camelot.bt", "ｍｅｒｌｉｎ@camelot.bt", "lancelot@camelot.bt"} {
				f.insertUser(t, newUser(email).Base)
			}
			db, err := sqlstore.Open(context.Background(), f.driver, f.dsn)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a database whose addresses clash")
			}
			var conflict *sqlstore.EmailKeyConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("Open = %v, want an *EmailKeyConflictError", err)
			}
			want := [][]string{{"Arthur@camelot.bt", "arthur@camelot.bt"}, {"Merlin@camelot.bt", "ｍｅｒｌｉｎ@camelot.bt"}}
			if !reflect.DeepEqual(conflict.Conflicts, want) {
				t.Errorf("Conflicts = %q, want %q", conflict.Conflicts, want)
			}
			for _, email := range []string{"Arthur@camelot.bt", "arthur@camelot.bt", "ｍｅｒｌｉｎ@camelot.bt"} {
				if !strings.Contains(err.Error(), email) {
					t.Errorf("error %q does not name %q", err, email)
				}
			}

			// Nothing changed: no version table, no new column.
			var tables int
			q := `SELECT COUNT(*) FROM sqlite_master WHERE name = 'usersauth_schema_migrations'`
			if d == sqlstore.Postgres {
				q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'usersauth_schema_migrations'`
			}
			if err := f.raw.QueryRow(q).Scan(&tables); err != nil || tables != 0 {
				t.Errorf("version table count = %d, %v; want 0", tables, err)
			}
			if _, err := f.raw.Exec(`SELECT email_key FROM "user"`); err == nil {
				t.Error("column email_key was added by a failed migration")
			}
		})
	}
}
