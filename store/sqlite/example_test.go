package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlite"
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
