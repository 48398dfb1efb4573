package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

// open opens a new database file through sqlite.Open, and the same file
// through sqlstore.Open, whose lookups go through database/sql: the second
// handle is the reference the direct path is compared with, and another
// writer, as the admin CLI or another instance is.
func open(t testing.TB) (direct, plain *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "users.db")
	direct, err := sqlite.Open(ctx, file)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := direct.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	plain, err = sqlstore.Open(ctx, "sqlite", file)
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { plain.Close() })
	return direct, plain
}

func newUser(email string) *user.User {
	return &user.User{Base: user.Base{
		ID: uuid.New(), Email: email, HashedPassword: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		IsActive: true,
	}}
}

// TestConformance runs the shared suite on a file with the cache, on a
// file without it (every lookup a direct read), and in memory.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		file bool
		opts sqlite.Options
	}{
		{"file", true, sqlite.Options{}},
		{"file-uncached", true, sqlite.Options{CacheSize: -1}},
		{":memory:", false, sqlite.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			openDB := func(t *testing.T) *sqlstore.DB {
				name := ":memory:"
				if tc.file {
					name = filepath.Join(t.TempDir(), "users.db")
				}
				db, err := sqlite.OpenWith(context.Background(), name, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if err := db.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				})
				return db
			}
			storetest.Run(t, storetest.Factory{
				Users: func(t *testing.T) user.Store[*user.User] { return openDB(t).Users() },
				Members: func(t *testing.T) user.Store[*storetest.Member] {
					return sqlstore.UsersOf[*storetest.Member](openDB(t))
				},
			})
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"",
		"file:" + filepath.Join(dir, "users.db"),
		filepath.Join(dir, "users.db") + "?_pragma=busy_timeout(1)",
		"postgres://localhost/db",
		"mysql://" + filepath.Join(dir, "users.db"),
	} {
		if db, err := sqlite.Open(context.Background(), name); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused opens left files: %v", entries)
	}
}

// TestOpenErrorsNameThePath: whatever fails, the error says which file.
func TestOpenErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	notADB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notADB, []byte(strings.Repeat("not a database\n", 512)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"missing directory", filepath.Join(dir, "missing", "users.db")},
		{"not a database", notADB},
		{"a directory", dir},
		{"a URI", "file:" + filepath.Join(dir, "users.db")},
		{"a URL", "postgres://localhost/db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(context.Background(), tc.path)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tc.path)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %q does not name %s", err, tc.path)
			}
		})
	}
}

// TestLookupsBypassDatabaseSQL holds every connection of the database/sql
// pool: Get and GetByEmail still answer at once, so they do not use it.
func TestLookupsBypassDatabaseSQL(t *testing.T) {
	direct, _ := open(t)
	s := direct.Users()
	u := newUser("lancelot@camelot.bt")
	ctx := context.Background()
	if err := s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	var held []*sql.Conn
	for range sqlstore.PoolSize() {
		c, err := direct.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for range 3 * sqlstore.PoolSize() {
		if got, err := s.Get(ctx, u.ID); err != nil || got.Email != u.Email {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		if got, err := s.GetByEmail(ctx, "LANCELOT@camelot.bt"); err != nil || got.ID != u.ID {
			t.Fatalf("GetByEmail = %+v, %v", got, err)
		}
	}
	if _, err := s.Get(ctx, uuid.New()); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

// TestSameAnswersAsDatabaseSQL stores values the store never writes itself
// but a hand-edited or foreign database may hold, and checks that the
// direct path answers each lookup exactly as database/sql does.
func TestSameAnswersAsDatabaseSQL(t *testing.T) {
	cases := []struct {
		name string
		set  string // SQL assignments to the row
	}{
		{"as stored", ""},
		{"flag 2", "is_active = 2"},
		{"flag -1", "is_verified = -1"},
		{"flag as text true", "is_superuser = 'true'"},
		{"flag as text yes", "is_superuser = 'yes'"},
		{"flag as real", "is_active = 1.0"},
		{"flag as real 0.5", "is_active = 0.5"},
		{"flag as blob", "is_active = X'01'"},
		{"epoch as text", "token_epoch = 'seven'"},
		{"epoch as real", "token_epoch = 2.5"},
		{"epoch large", "token_epoch = 9223372036854775807"},
		{"email as blob", "email = X'6c616e63656c6f7440636f6d2e6274'"},
		{"password as blob", "hashed_password = X'00ff'"},
		{"password with NUL", "hashed_password = 'a' || char(0) || 'b'"},
		{"empty password", "hashed_password = ''"},
		{"extra invalid", "extra = '{not json'"},
		{"extra fields", `extra = '{"display_name":"Sir Lancelot","visits":3,"tags":["lake"]}'`},
		{"extra overrides columns", `extra = '{"is_superuser":true,"email":"x@y.z","display_name":"L"}'`},
		{"extra as blob", `extra = CAST('{"visits":4}' AS BLOB)`},
		{"extra empty", "extra = ''"},
		{"extra wrong type", `extra = '{"visits":"many"}'`},
		{"extra as integer", "extra = 5"},
		{"kept token set", "kept_token = '" + strings.Repeat("ab", 32) + "'"},
		{"kept token as blob", "kept_token = X'6162'"},
		{"kept token as integer", "kept_token = 7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			direct, plain := open(t)
			ctx := context.Background()
			u := newUser("lancelot@camelot.bt")
			if err := direct.Users().Create(ctx, u); err != nil {
				t.Fatal(err)
			}
			if tc.set != "" {
				if _, err := plain.SQL().ExecContext(ctx, `UPDATE "user" SET `+tc.set+` WHERE id = ?`, u.ID.String()); err != nil {
					t.Fatal(err)
				}
			}
			compare(t, "Users", direct.Users(), plain.Users(), u)
			compare(t, "Members", sqlstore.UsersOf[*storetest.Member](direct), sqlstore.UsersOf[*storetest.Member](plain), u)
		})
	}
}

// TestSameAnswersForForeignIDs stores ids in the other spellings a UUID
// column may hold.
func TestSameAnswersForForeignIDs(t *testing.T) {
	for _, id := range []string{
		"0f5e2ac5c3a64ad3b0b1f6b0e8cf3a11",       // hex without dashes
		"0F5E2AC5-C3A6-4AD3-B0B1-F6B0E8CF3A11",   // upper case
		"{0f5e2ac5-c3a6-4ad3-b0b1-f6b0e8cf3a11}", // braces
		"urn:uuid:0f5e2ac5-c3a6-4ad3-b0b1-f6b0e8cf3a11",
		"not a uuid",
		"",
	} {
		t.Run(id, func(t *testing.T) {
			direct, plain := open(t)
			ctx := context.Background()
			u := newUser("percival@camelot.bt")
			if err := direct.Users().Create(ctx, u); err != nil {
				t.Fatal(err)
			}
			if _, err := plain.SQL().ExecContext(ctx, `UPDATE "user" SET id = ? WHERE id = ?`, id, u.ID.String()); err != nil {
				t.Fatal(err)
			}
			compare(t, "Users", direct.Users(), plain.Users(), u)
		})
	}
	t.Run("blob", func(t *testing.T) {
		direct, plain := open(t)
		ctx := context.Background()
		u := newUser("percival@camelot.bt")
		if err := direct.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := plain.SQL().ExecContext(ctx, `UPDATE "user" SET id = ? WHERE id = ?`, u.ID[:], u.ID.String()); err != nil {
			t.Fatal(err)
		}
		compare(t, "Users", direct.Users(), plain.Users(), u)
	})
}

// compare looks u up by id and by e-mail in both stores and fails unless
// the answers, users or errors, are the same.
func compare[U user.Model](t *testing.T, what string, direct, plain *sqlstore.UserStore[U], u *user.User) {
	t.Helper()
	ctx := context.Background()
	for _, lookup := range []struct {
		name string
		get  func(*sqlstore.UserStore[U]) (U, error)
	}{
		{"Get", func(s *sqlstore.UserStore[U]) (U, error) { return s.Get(ctx, u.ID) }},
		{"GetByEmail", func(s *sqlstore.UserStore[U]) (U, error) { return s.GetByEmail(ctx, u.Email) }},
	} {
		want, wantErr := lookup.get(plain)
		got, gotErr := lookup.get(direct)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s %s: error %v, database/sql gives %v", what, lookup.name, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s: %+v, database/sql gives %+v", what, lookup.name, got, want)
		}
	}
}

// TestSeesOtherWriters: a change committed through another handle, as the
// admin CLI or another instance makes, is seen by the very next lookup.
func TestSeesOtherWriters(t *testing.T) {
	direct, plain := open(t)
	ctx := context.Background()
	u := newUser("gawain@camelot.bt")
	if err := direct.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		active := i%2 == 1
		email := fmt.Sprintf("gawain%d@camelot.bt", i)
		if _, err := plain.Users().Update(ctx, u.ID, func(x *user.User) error {
			x.IsActive, x.Email, x.TokenEpoch = active, email, int64(i)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := direct.Users().Get(ctx, u.ID)
		if err != nil || got.IsActive != active || got.Email != email || got.TokenEpoch != int64(i) {
			t.Fatalf("after update %d: Get = %+v, %v", i, got, err)
		}
		if got, err := direct.Users().GetByEmail(ctx, email); err != nil || got.ID != u.ID {
			t.Fatalf("after update %d: GetByEmail = %+v, %v", i, got, err)
		}
	}
	if err := plain.Users().Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Users().Get(ctx, u.ID); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("Get after delete = %v, want ErrNotFound", err)
	}
}

// TestConcurrentReadsWritesAndClose runs lookups from more goroutines than
// the pool has connections while another handle writes, then closes the
// database under them: every lookup gets a user or an error, never a torn
// or stale one, and lookups after Close fail cleanly.
func TestConcurrentReadsWritesAndClose(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "users.db")
	direct, err := sqlite.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := sqlstore.Open(ctx, "sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	u := newUser("bedivere@camelot.bt")
	if err := direct.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	var (
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		mu       sync.Mutex
		lastDone int64 // the highest epoch whose update has returned
	)
	wg.Go(func() {
		for i := int64(1); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := plain.Users().Update(ctx, u.ID, func(x *user.User) error {
				x.TokenEpoch = i
				x.Email = fmt.Sprintf("bedivere%d@camelot.bt", i)
				return nil
			}); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			lastDone = i
			mu.Unlock()
		}
	})
	readers := 4 * sqlstore.PoolSize()
	var closed sync.WaitGroup
	closed.Add(1)
	for range readers {
		wg.Go(func() {
			for j := 0; ; j++ {
				mu.Lock()
				floor := lastDone
				mu.Unlock()
				got, err := direct.Users().Get(ctx, u.ID)
				if err != nil {
					select {
					case <-stop:
						return // closed
					default:
						t.Errorf("Get: %v", err)
						return
					}
				}
				if got.TokenEpoch < floor || got.Email != fmt.Sprintf("bedivere%d@camelot.bt", got.TokenEpoch) && got.TokenEpoch != 0 {
					t.Errorf("Get = epoch %d, %s after update %d returned", got.TokenEpoch, got.Email, floor)
					return
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	if err := direct.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	wg.Wait()
	if _, err := direct.Users().Get(ctx, u.ID); err == nil {
		t.Error("Get after Close succeeded")
	}
	if err := direct.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
