package sqlstore_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// member is a host's user type with fields of its own.
type member struct {
	user.Base
	DisplayName string            `json:"display_name"`
	Visits      int               `json:"visits"`
	Tags        []string          `json:"tags"`
	Prefs       map[string]string `json:"prefs,omitempty"`
	Note        string            `json:"-"` // not marshalled, so not stored
}

func TestHostFields(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			members := sqlstore.UsersOf[*member](db)
			m := &member{
				Base:        newUser("Percival@camelot.bt").Base,
				DisplayName: "Sir Percival",
				Visits:      3,
				Tags:        []string{"grail", "knight"},
				Prefs:       map[string]string{"lang": "cy"},
				Note:        "kept in memory only",
			}
			m.IsVerified = true
			if err := members.Create(ctx, m); err != nil {
				t.Fatal(err)
			}
			want := *m
			want.Note = ""

			t.Run("round trip", func(t *testing.T) {
				for _, get := range []struct {
					name string
					call func() (*member, error)
				}{
					{"Get", func() (*member, error) { return members.Get(ctx, m.ID) }},
					{"GetByEmail", func() (*member, error) { return members.GetByEmail(ctx, "percival@camelot.bt") }},
				} {
					t.Run(get.name, func(t *testing.T) {
						got, err := get.call()
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(*got, want) {
							t.Fatalf("got %+v\nwant %+v", *got, want)
						}
					})
				}
			})

			t.Run("extra holds only the host's fields", func(t *testing.T) {
				var extra string
				if err := db.SQL().QueryRowContext(ctx, `SELECT extra FROM "user" WHERE email_key = $1`,
					"percival@camelot.bt").Scan(&extra); err != nil {
					t.Fatal(err)
				}
				var keys map[string]any
				if err := json.Unmarshal([]byte(extra), &keys); err != nil {
					t.Fatalf("extra %q: %v", extra, err)
				}
				for _, k := range []string{"id", "email", "is_active", "is_superuser", "is_verified", "hashed_password", "Note"} {
					if _, ok := keys[k]; ok {
						t.Errorf("extra has key %q: %s", k, extra)
					}
				}
				for _, k := range []string{"display_name", "visits", "tags", "prefs"} {
					if _, ok := keys[k]; !ok {
						t.Errorf("extra lacks key %q: %s", k, extra)
					}
				}
			})

			t.Run("the plain user type leaves host fields alone", func(t *testing.T) {
				// An admin tool works on *user.User; the host's fields survive.
				if _, err := db.Users().Update(ctx, m.ID, func(u *user.User) error { u.IsSuperuser = true; return nil }); err != nil {
					t.Fatal(err)
				}
				got, err := members.Get(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				w := want
				w.IsSuperuser = true
				if !reflect.DeepEqual(*got, w) {
					t.Fatalf("got %+v\nwant %+v", *got, w)
				}
			})

			t.Run("keys the type does not know are kept", func(t *testing.T) {
				type slimMember struct {
					user.Base
					Visits int `json:"visits"`
				}
				slim := sqlstore.UsersOf[*slimMember](db)
				if _, err := slim.Update(ctx, m.ID, func(u *slimMember) error { u.Visits = 10; return nil }); err != nil {
					t.Fatal(err)
				}
				got, err := members.Get(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Visits != 10 || got.DisplayName != "Sir Percival" || !reflect.DeepEqual(got.Tags, want.Tags) {
					t.Fatalf("after an update by another type: %+v", *got)
				}
			})

			t.Run("extra never overrides the columns", func(t *testing.T) {
				if _, err := db.SQL().ExecContext(ctx,
					`UPDATE "user" SET extra = $1 WHERE email_key = $2`,
					`{"id":"00000000-0000-0000-0000-000000000000","email":"mordred@camelot.bt","is_superuser":false,"display_name":"x"}`,
					"percival@camelot.bt"); err != nil {
					t.Fatal(err)
				}
				got, err := members.Get(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != m.ID || got.Email != m.Email || !got.IsSuperuser || got.DisplayName != "x" {
					t.Fatalf("extra overrode a column: %+v", *got)
				}
			})
		})
	}
}
