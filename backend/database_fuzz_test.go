package backend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// FuzzDatabaseReadToken feeds arbitrary tokens to a database strategy that
// has issued one: never a panic, only the issued token reads as its user,
// every other is ErrInvalidToken, and only well-formed ones reach the store.
func FuzzDatabaseReadToken(f *testing.F) {
	const issued = "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8"
	for _, seed := range []string{issued, issued[:42] + "9", issued + "=", issued + "\n", "", "garbage", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"} {
		f.Add(seed)
	}
	spy := newSpy()
	s := backend.NewDatabase(backend.DatabaseConfig{Store: spy, Lifetime: time.Hour, Rand: fixedRand(issued)})
	u := &user.Base{ID: uuid.New()}
	ctx := context.Background()
	if tok, err := s.WriteToken(ctx, u); err != nil || tok != issued {
		f.Fatalf("WriteToken = %q, %v", tok, err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		before := spy.gets.Load()
		id, err := s.ReadToken(ctx, token)
		switch {
		case token == issued:
			if err != nil || id != u.ID {
				t.Fatalf("ReadToken(issued) = %v, %v", id, err)
			}
		case !errors.Is(err, backend.ErrInvalidToken) || id != uuid.Nil:
			t.Fatalf("ReadToken = %v, %v; want ErrInvalidToken", id, err)
		}
		if looked := spy.gets.Load() != before; looked != auth.IsRandomToken(token) {
			t.Fatalf("store consulted = %v for a token of form %v", looked, auth.IsRandomToken(token))
		}
	})
}
