package memory_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func Example() {
	ctx := context.Background()
	users := memory.New[*user.User]()

	arthur := &user.User{Base: user.Base{ID: uuid.New(), Email: "King.Arthur@camelot.bt", IsActive: true}}
	if err := users.Create(ctx, arthur); err != nil {
		panic(err)
	}

	// Lookups compare user.EmailKey: case and width do not matter.
	u, err := users.GetByEmail(ctx, "king.arthur@CAMELOT.BT")
	fmt.Println(u.Email, err)

	// One account per address, however it is spelt.
	err = users.Create(ctx, &user.User{Base: user.Base{ID: uuid.New(), Email: "ｋｉｎｇ.arthur@camelot.bt"}})
	fmt.Println(err)

	// Update changes a copy and stores it atomically.
	u, err = users.Update(ctx, arthur.ID, func(u *user.User) error {
		u.IsVerified = true
		return nil
	})
	fmt.Println(u.IsVerified, err)

	fmt.Println(users.Delete(ctx, arthur.ID))
	_, err = users.Get(ctx, arthur.ID)
	fmt.Println(err)
	// Output:
	// King.Arthur@camelot.bt <nil>
	// user: already exists
	// true <nil>
	// <nil>
	// user: not found
}
