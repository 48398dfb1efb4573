package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "usersauth-example")
	defer os.RemoveAll(dir)

	db, err := sqlite.Open(ctx, filepath.Join(dir, "users.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	users := db.Users() // a user.Store[*user.User], for usersauth.Options.Store

	u := &user.User{Base: user.Base{ID: uuid.New(), Email: "King.Arthur@camelot.bt", HashedPassword: "$argon2id$v=19$m=19456,t=2,p=1$...", IsActive: true}}
	if err := users.Create(ctx, u); err != nil {
		fmt.Println(err)
		return
	}
	got, err := users.GetByEmail(ctx, "king.arthur@CAMELOT.bt")
	fmt.Println(got.Email, got.ID == u.ID, err)
	// Output: King.Arthur@camelot.bt true <nil>
}

// The cache answers repeated lookups, yet a change committed by anyone
// else, here a second handle on the file as the admin CLI would open it,
// shows on the very next lookup.
func ExampleOpenWith() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "usersauth-example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "users.db")

	// At most 10,000 cached lookups; CacheSize: -1 reads the file every time.
	db, err := sqlite.OpenWith(ctx, file, sqlite.Options{CacheSize: 10_000})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	users := db.Users()
	u := &user.User{Base: user.Base{ID: uuid.New(), Email: "gawain@camelot.bt", IsActive: true}}
	if err := users.Create(ctx, u); err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		got, _ := users.Get(ctx, u.ID) // read once, then from the cache
		fmt.Println(got.IsActive)
	}

	admin, err := sqlstore.Open(ctx, "sqlite", file)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer admin.Close()
	if _, err := admin.Users().Update(ctx, u.ID, func(x *user.User) error { x.IsActive = false; return nil }); err != nil {
		fmt.Println(err)
		return
	}
	got, _ := users.Get(ctx, u.ID)
	fmt.Println(got.IsActive)
	// Output:
	// true
	// true
	// true
	// false
}
