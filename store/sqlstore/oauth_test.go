package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

// TestOAuthConformance runs the shared user.OAuthStore suite on every
// backend.
func TestOAuthConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunOAuth(t, storetest.Factory{
				Users: func(t *testing.T) user.Store[*user.User] { return b.open(t).Users() },
				Members: func(t *testing.T) user.Store[*storetest.Member] {
					return sqlstore.UsersOf[*storetest.Member](b.open(t))
				},
			})
		})
	}
}

// TestCreateWithOAuthAccountRollsBack makes the database itself fail the
// account's insert, after the user's succeeded in the same transaction: the
// user must not remain (SECURITY.md: no user without its OAuth account).
func TestCreateWithOAuthAccountRollsBack(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			failAccountInserts(t, db)
			s := db.Users()
			u := &user.User{Base: user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt", HashedPassword: "!x", IsActive: true}}
			acc := user.OAuthAccount{ID: uuid.New(), OAuthName: "github", AccountID: "42", AccessToken: "a", AccountEmail: u.Email, UserID: u.ID}
			err := s.CreateWithOAuthAccount(context.Background(), u, acc)
			if err == nil || errors.Is(err, user.ErrAlreadyExists) {
				t.Fatalf("CreateWithOAuthAccount with a failing account insert = %v, want a store failure", err)
			}
			if _, err := s.Get(context.Background(), u.ID); !errors.Is(err, user.ErrNotFound) {
				t.Fatalf("Get after the failed sign-up = %v, want %v: the user was left behind", err, user.ErrNotFound)
			}
			if _, err := s.GetByEmail(context.Background(), u.Email); !errors.Is(err, user.ErrNotFound) {
				t.Fatalf("GetByEmail after the failed sign-up = %v, want %v", err, user.ErrNotFound)
			}
		})
	}
}

// failAccountInserts installs a trigger that makes every insert into
// oauth_account fail, as a full disk or a lost connection would in the middle
// of a transaction.
func failAccountInserts(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER fail_oauth_insert BEFORE INSERT ON oauth_account
		BEGIN SELECT RAISE(ABORT, 'injected failure'); END`}
	if db.Dialect() == sqlstore.Postgres {
		stmts = []string{
			`CREATE FUNCTION fail_oauth_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER fail_oauth_insert BEFORE INSERT ON oauth_account FOR EACH ROW EXECUTE FUNCTION fail_oauth_insert()`,
		}
	}
	for _, s := range stmts {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAdoptDuplicateOAuthAccounts: FastAPI Users lets one provider account be
// linked twice; the unique index of version 20 cannot be created over such
// rows, and Migrate says which, changing nothing.
func TestAdoptDuplicateOAuthAccounts(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			f := newFastAPIDatabase(t, d)
			a, b := uuid.New(), uuid.New()
			f.insertUser(t, user.Base{ID: a, Email: "king.arthur@camelot.bt", HashedPassword: "x", IsActive: true})
			f.insertUser(t, user.Base{ID: b, Email: "merlin@camelot.bt", HashedPassword: "x", IsActive: true})
			link := func(userID uuid.UUID, name, accountID string) {
				if _, err := f.raw.Exec(`INSERT INTO oauth_account (id, oauth_name, access_token, account_id, account_email, user_id)
					VALUES ($1, $2, 'token', $3, 'a@camelot.bt', $4)`, uuid.NewString(), name, accountID, userID.String()); err != nil {
					t.Fatal(err)
				}
			}
			link(a, "github", "42")
			link(b, "github", "42")
			link(a, "google", "7")
			link(a, "google", "7")
			link(b, "google", "8")
			_, err := sqlstore.Open(context.Background(), f.driver, f.dsn)
			var conflict *sqlstore.OAuthAccountConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("Open = %v, want an *OAuthAccountConflictError", err)
			}
			want := [][2]string{{"github", "42"}, {"google", "7"}}
			if fmt.Sprint(conflict.Conflicts) != fmt.Sprint(want) {
				t.Errorf("Conflicts = %v, want %v", conflict.Conflicts, want)
			}
			if f.count(t, "oauth_account", a) != 3 {
				t.Error("the failed migration changed oauth_account")
			}
			if _, err := f.raw.Exec(`DELETE FROM oauth_account WHERE user_id = $1 AND oauth_name = 'google'`, a.String()); err != nil {
				t.Fatal(err)
			}
			if _, err := f.raw.Exec(`DELETE FROM oauth_account WHERE user_id = $1 AND oauth_name = 'github'`, b.String()); err != nil {
				t.Fatal(err)
			}
			db, err := sqlstore.Open(context.Background(), f.driver, f.dsn)
			if err != nil {
				t.Fatalf("Open after the duplicates went: %v", err)
			}
			defer db.Close()
			u, acc, err := db.Users().GetByOAuthAccount(context.Background(), "github", "42")
			if err != nil || u.ID != a || acc.AccessToken != "token" || acc.ExpiresAt != nil || acc.RefreshToken != nil {
				t.Fatalf("GetByOAuthAccount of an adopted row = %+v, %+v, %v", u, acc, err)
			}
		})
	}
}

func TestStateStore(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			ctx := context.Background()
			now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
			states := db.OAuthStates()
			states.Now = func() time.Time { return now }
			exp := now.Add(time.Hour)
			key := "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

			cases := []struct {
				name string
				key  string
				want bool
			}{
				{"FirstUse", key, true},
				{"Replay", key, false},
				{"OtherKey", "other", true},
			}
			for _, c := range cases {
				first, err := states.Use(ctx, c.key, exp)
				if err != nil || first != c.want {
					t.Fatalf("%s: Use = %v, %v; want %v", c.name, first, err, c.want)
				}
			}
			for _, bad := range []string{"", key + "0"} {
				if _, err := states.Use(ctx, bad, exp); err == nil {
					t.Errorf("Use(%d-byte key) succeeded", len(bad))
				}
			}
			// Past its expiry a record is purged: the table does not grow
			// without bound (an expired state is refused before Use).
			now = exp.Add(time.Second)
			if _, err := states.Use(ctx, "later", now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM usersauth_oauth_state`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d rows after the purge, want 1", n)
			}
		})
	}
}

// TestStateStoreConcurrentUse: of many concurrent uses of one state, across
// two pools on one database, exactly one is the first.
func TestStateStoreConcurrentUse(t *testing.T) {
	for _, b := range backends() {
		if b.name == "sqlite-memory" {
			continue // one connection: nothing runs concurrently
		}
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			other, err := sqlstore.New(context.Background(), db.SQL(), db.Dialect())
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			stores := []*sqlstore.StateStore{db.OAuthStates(), other.OAuthStates()}
			const n = 20
			firsts := make([]bool, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					firsts[i], errs[i] = stores[i%2].Use(context.Background(), "one-state", time.Now().Add(time.Hour))
				})
			}
			close(start)
			wg.Wait()
			count := 0
			for i := range n {
				if errs[i] != nil {
					t.Errorf("Use %d: %v", i, errs[i])
				}
				if firsts[i] {
					count++
				}
			}
			if count != 1 {
				t.Fatalf("%d uses were first, want exactly 1", count)
			}
		})
	}
}
