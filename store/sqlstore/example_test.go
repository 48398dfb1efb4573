package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the host links the driver it uses

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

func Example() {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite", ":memory:") // or "users.db", or "pgx" and a URL
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	users := db.Users()

	arthur := &user.User{Base: user.Base{
		ID:             uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476"),
		Email:          "King.Arthur@camelot.bt",
		HashedPassword: "$argon2id$v=19$m=19456,t=2,p=1$...",
		IsActive:       true,
	}}
	if err := users.Create(ctx, arthur); err != nil {
		log.Fatal(err)
	}

	u, err := users.GetByEmail(ctx, "king.arthur@CAMELOT.BT")
	fmt.Println(u.ID, u.Email, err)

	err = users.Create(ctx, &user.User{Base: user.Base{ID: uuid.New(), Email: "KING.ARTHUR@camelot.bt"}})
	fmt.Println(errors.Is(err, user.ErrAlreadyExists))
	// Output:
	// 4fd3477b-eccf-4ee3-8f7d-68ad72261476 King.Arthur@camelot.bt <nil>
	// true
}

// Member is a host's user type: its own fields are stored as JSON.
type Member struct {
	user.Base
	DisplayName string `json:"display_name"`
}

func ExampleUsersOf() {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	members := sqlstore.UsersOf[*Member](db)

	m := &Member{Base: user.Base{ID: uuid.New(), Email: "merlin@camelot.bt", IsActive: true}, DisplayName: "Merlin"}
	if err := members.Create(ctx, m); err != nil {
		log.Fatal(err)
	}
	m, err = members.Update(ctx, m.ID, func(m *Member) error {
		m.DisplayName = "Merlin the Wise"
		return nil
	})
	fmt.Println(m.DisplayName, err)
	// Output: Merlin the Wise <nil>
}

func ExampleUserStore_List() {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	users := db.Users()
	for _, email := range []string{"tristan@camelot.bt", "Bedivere@camelot.bt", "gawain@camelot.bt"} {
		if err := users.Create(ctx, &user.User{Base: user.Base{ID: uuid.New(), Email: email}}); err != nil {
			log.Fatal(err)
		}
	}
	// Page through all users, two at a time.
	for after := ""; ; {
		page, err := users.List(ctx, sqlstore.ListOptions{After: after, Limit: 2})
		if err != nil {
			log.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			fmt.Println(u.Email)
		}
		after = page[len(page)-1].Email
	}
	// Output:
	// Bedivere@camelot.bt
	// gawain@camelot.bt
	// tristan@camelot.bt
}
