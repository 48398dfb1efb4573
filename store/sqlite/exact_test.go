package sqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

// prime looks u up twice by id and by e-mail, so that the cache holds it.
func prime(t *testing.T, s *sqlstore.UserStore[*user.User], u *user.User) {
	t.Helper()
	ctx := context.Background()
	for range 2 {
		if got, err := s.Get(ctx, u.ID); err != nil || got.Base != u.Base {
			t.Fatalf("Get = %+v, %v; want %+v", got, err, u.Base)
		}
		if got, err := s.GetByEmail(ctx, u.Email); err != nil || got.Base != u.Base {
			t.Fatalf("GetByEmail = %+v, %v; want %+v", got, err, u.Base)
		}
	}
}

// wantLookups fails t unless Get and, unless email is empty,
// GetByEmail(email) give want, or ErrNotFound if want is nil.
func wantLookups(t *testing.T, s *sqlstore.UserStore[*user.User], id uuid.UUID, email string, want *user.Base) {
	t.Helper()
	ctx := context.Background()
	lookups := []struct {
		name string
		get  func() (*user.User, error)
	}{
		{"Get", func() (*user.User, error) { return s.Get(ctx, id) }},
		{"GetByEmail", func() (*user.User, error) { return s.GetByEmail(ctx, email) }},
	}
	if email == "" {
		lookups = lookups[:1]
	}
	for _, l := range lookups {
		got, err := l.get()
		switch {
		case want == nil && !errors.Is(err, user.ErrNotFound):
			t.Errorf("%s = %+v, %v; want ErrNotFound", l.name, got, err)
		case want != nil && (err != nil || got.Base != *want):
			t.Errorf("%s = %+v, %v; want %+v", l.name, got, err, *want)
		}
	}
}

// TestCacheSeesEveryWrite caches a user, writes in every way a process can
// write to the file, and looks the user up at once: the lookup gives the
// written state, never the cached one.
func TestCacheSeesEveryWrite(t *testing.T) {
	type write struct {
		name string
		// run writes and returns the e-mail to look the user up by ("":
		// by id only) and the expected user (nil: deleted).
		run func(t *testing.T, direct, plain *sqlstore.DB, u *user.User) (string, *user.Base)
	}
	ctx := context.Background()
	exec := func(t *testing.T, db *sqlstore.DB, q string, args ...any) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	update := func(s *sqlstore.UserStore[*user.User], t *testing.T, id uuid.UUID, f func(*user.User)) *user.Base {
		t.Helper()
		got, err := s.Update(ctx, id, func(x *user.User) error { f(x); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return &got.Base
	}
	for _, w := range []write{
		{"Update through the store", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			return u.Email, update(direct.Users(), t, u.ID, func(x *user.User) { x.IsActive = false; x.TokenEpoch++ })
		}},
		{"e-mail change through the store", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			b := update(direct.Users(), t, u.ID, func(x *user.User) { x.Email = "sir.kay@camelot.bt" })
			if got, err := direct.Users().GetByEmail(ctx, u.Email); !errors.Is(err, user.ErrNotFound) {
				t.Errorf("GetByEmail of the old address = %+v, %v; want ErrNotFound", got, err)
			}
			return b.Email, b
		}},
		{"KeptToken set through the store", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			return u.Email, update(direct.Users(), t, u.ID, func(x *user.User) { x.KeptToken = strings.Repeat("5e", 32) })
		}},
		{"Update through a host type's view", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			m, err := sqlstore.UsersOf[*storetest.Member](direct).Update(ctx, u.ID, func(m *storetest.Member) error {
				m.IsSuperuser, m.DisplayName = true, "Sir Kay"
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return u.Email, &m.Base
		}},
		{"Delete through the store", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			if err := direct.Users().Delete(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			return u.Email, nil
		}},
		{"Delete, then Create of the address by another user", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			if err := direct.Users().Delete(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			other := newUser(u.Email)
			if err := direct.Users().Create(ctx, other); err != nil {
				t.Fatal(err)
			}
			if got, err := direct.Users().GetByEmail(ctx, u.Email); err != nil || got.ID != other.ID {
				t.Fatalf("GetByEmail = %+v, %v; want the new user", got, err)
			}
			return "", nil // by the old id: gone
		}},
		{"Update through another handle", func(t *testing.T, _, plain *sqlstore.DB, u *user.User) (string, *user.Base) {
			return u.Email, update(plain.Users(), t, u.ID, func(x *user.User) { x.IsVerified = true; x.HashedPassword = "changed" })
		}},
		{"Delete through another handle", func(t *testing.T, _, plain *sqlstore.DB, u *user.User) (string, *user.Base) {
			if err := plain.Users().Delete(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			return u.Email, nil
		}},
		{"SQL through the host's own connection", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) (string, *user.Base) {
			exec(t, direct, `UPDATE "user" SET is_superuser = 1 WHERE id = ?`, u.ID.String())
			b := u.Base
			b.IsSuperuser = true
			return u.Email, &b
		}},
		{"SQL in a transaction of another handle", func(t *testing.T, _, plain *sqlstore.DB, u *user.User) (string, *user.Base) {
			tx, err := plain.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			for _, q := range []string{`UPDATE "user" SET token_epoch = token_epoch + 1 WHERE id = ?`, `UPDATE "user" SET kept_token = 'k' WHERE id = ?`} {
				if _, err := tx.ExecContext(ctx, q, u.ID.String()); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			b := u.Base
			b.TokenEpoch, b.KeptToken = b.TokenEpoch+1, "k"
			return u.Email, &b
		}},
		{"write to another table, then a checkpoint that restarts the WAL, then the user", func(t *testing.T, _, plain *sqlstore.DB, u *user.User) (string, *user.Base) {
			exec(t, plain, `CREATE TABLE host_notes (x)`)
			exec(t, plain, `PRAGMA wal_checkpoint(TRUNCATE)`)
			wantLookups(t, plain.Users(), u.ID, u.Email, &u.Base)
			return u.Email, update(plain.Users(), t, u.ID, func(x *user.User) { x.IsActive = false })
		}},
	} {
		t.Run(w.name, func(t *testing.T) {
			direct, plain := open(t)
			u := newUser("kay@camelot.bt")
			u.TokenEpoch = 3
			if err := direct.Users().Create(ctx, u); err != nil {
				t.Fatal(err)
			}
			prime(t, direct.Users(), u)
			email, want := w.run(t, direct, plain, u)
			wantLookups(t, direct.Users(), u.ID, email, want)
		})
	}
}

// TestCacheKeepsNothingUncommitted: while another connection holds an
// uncommitted change, lookups give the committed user, cached or not; a
// rollback, or a write that fails, leaves that user; only a commit changes
// what lookups give.
func TestCacheKeepsNothingUncommitted(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// fail makes a write that does not commit.
		fail func(t *testing.T, direct, plain *sqlstore.DB, u *user.User)
	}{
		{"rolled back", func(t *testing.T, direct, plain *sqlstore.DB, u *user.User) {
			tx, err := plain.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE "user" SET is_active = 0, email = 'x@y.z', email_key = 'x@y.z' WHERE id = ?`, u.ID.String()); err != nil {
				t.Fatal(err)
			}
			// Read while the change is pending: the committed user,
			// which the cache may keep.
			wantLookups(t, direct.Users(), u.ID, u.Email, &u.Base)
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		}},
		{"mutate refused", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) {
			errRefused := errors.New("refused")
			_, err := direct.Users().Update(ctx, u.ID, func(x *user.User) error {
				x.IsActive = false
				return errRefused
			})
			if !errors.Is(err, errRefused) {
				t.Fatalf("Update = %v", err)
			}
		}},
		{"taken e-mail", func(t *testing.T, direct, _ *sqlstore.DB, u *user.User) {
			other := newUser("mordred@camelot.bt")
			if err := direct.Users().Create(ctx, other); err != nil {
				t.Fatal(err)
			}
			_, err := direct.Users().Update(ctx, u.ID, func(x *user.User) error {
				x.Email, x.IsActive = "Mordred@camelot.bt", false
				return nil
			})
			if !errors.Is(err, user.ErrAlreadyExists) {
				t.Fatalf("Update to a taken address = %v", err)
			}
		}},
		{"constraint failing in SQL", func(t *testing.T, _, plain *sqlstore.DB, u *user.User) {
			if _, err := plain.SQL().ExecContext(ctx, `UPDATE "user" SET is_active = 0, email_key = NULL, id = NULL WHERE id = ?`, u.ID.String()); err == nil {
				t.Fatal("an UPDATE setting the primary key to NULL succeeded")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			direct, plain := open(t)
			u := newUser("agravain@camelot.bt")
			if err := direct.Users().Create(ctx, u); err != nil {
				t.Fatal(err)
			}
			prime(t, direct.Users(), u)
			tc.fail(t, direct, plain, u)
			wantLookups(t, direct.Users(), u.ID, u.Email, &u.Base)
			// And a commit afterwards is seen.
			b := u.Base
			b.TokenEpoch = 9
			if _, err := plain.Users().Update(ctx, u.ID, func(x *user.User) error { x.TokenEpoch = 9; return nil }); err != nil {
				t.Fatal(err)
			}
			wantLookups(t, direct.Users(), u.ID, u.Email, &b)
		})
	}
}

// TestJournalModeStaysWAL: the cache's signal is the WAL index, so the file
// must not leave WAL mode behind its back. While it is open, another
// connection cannot switch the journal mode, and writes after the attempt
// are seen.
func TestJournalModeStaysWAL(t *testing.T) {
	direct, plain := open(t)
	ctx := context.Background()
	u := newUser("pellinore@camelot.bt")
	if err := direct.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	prime(t, direct.Users(), u)
	for _, mode := range []string{"DELETE", "TRUNCATE", "MEMORY", "OFF"} {
		var got string
		err := plain.SQL().QueryRowContext(ctx, "PRAGMA journal_mode = "+mode).Scan(&got)
		if err == nil && !strings.EqualFold(got, "wal") {
			t.Fatalf("journal_mode = %s gave %q while the database is open", mode, got)
		}
		var now string
		if err := plain.SQL().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&now); err != nil || now != "wal" {
			t.Fatalf("journal mode after asking for %s: %q, %v", mode, now, err)
		}
	}
	if _, err := plain.Users().Update(ctx, u.ID, func(x *user.User) error { x.IsActive = false; return nil }); err != nil {
		t.Fatal(err)
	}
	b := u.Base
	b.IsActive = false
	wantLookups(t, direct.Users(), u.ID, u.Email, &b)
}
