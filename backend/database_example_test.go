package backend_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func ExampleDatabase() {
	ctx := context.Background()
	strategy := backend.Database(memory.NewTokenStore(), time.Hour)
	if err := strategy.Validate(); err != nil {
		panic(err)
	}
	// Expired rows are refused when read; this removes them from the store.
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	strategy.StartPurge(stop, 10*time.Minute, func(err error) { log.Print(err) })

	u := &user.Base{ID: uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")}
	phone, _ := strategy.WriteToken(ctx, u) // two logins, two sessions
	laptop, _ := strategy.WriteToken(ctx, u)
	fmt.Println(len(phone))

	// Logout ends one session.
	_ = strategy.DestroyToken(ctx, phone, u)
	_, err := strategy.ReadToken(ctx, phone)
	fmt.Println(errors.Is(err, backend.ErrInvalidToken))
	id, _ := strategy.ReadToken(ctx, laptop)
	fmt.Println(id)

	// A password change ends them all.
	_ = strategy.RevokeUser(ctx, u.ID)
	_, err = strategy.ReadToken(ctx, laptop)
	fmt.Println(errors.Is(err, backend.ErrInvalidToken))
	// Output:
	// 43
	// true
	// 4fd3477b-eccf-4ee3-8f7d-68ad72261476
	// true
}
