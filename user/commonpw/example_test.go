package commonpw_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
	"github.com/usersauth/usersauth/user/commonpw"
)

// A Manager whose policy rejects common passwords, and passwords built
// from the user's e-mail; usersauth.Options.PasswordPolicy takes the same
// value. The reason reaches the client as {"code":
// "REGISTER_INVALID_PASSWORD", "reason": ...}.
func Example() {
	hasher, _ := auth.NewPasswordHasher(auth.HasherOptions{})
	m, _ := user.NewManager(user.ManagerOptions[*user.User]{
		Store:  memory.New[*user.User](),
		Hasher: hasher,
		Policy: user.PasswordPolicy{RejectCommon: commonpw.New()},
	})
	ctx := context.Background()
	for _, pw := range []string{"Trustno1", "King.Arthur1987", "a river in Avalon"} {
		_, err := m.Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, pw)
		var refused *user.InvalidPasswordError
		if errors.As(err, &refused) {
			fmt.Printf("%s: %s\n", pw, refused.Reason)
			continue
		}
		fmt.Printf("%s: registered (%v)\n", pw, err)
	}
	// Output:
	// Trustno1: Password should not be a commonly used password
	// King.Arthur1987: Password should not be built from the e-mail address
	// a river in Avalon: registered (<nil>)
}
