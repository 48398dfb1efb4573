package strategytest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// testConcurrent runs logins, reads, logouts and revocations of different
// users at once: under the race detector it finds unguarded state, and it
// checks that no operation leaks into another user's tokens.
func testConcurrent(t *testing.T, s Subject) {
	const workers, rounds = 8, 25
	ctx := context.Background()
	bystander := newUser()
	kept := write(t, s, bystander)

	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	for range workers {
		wg.Go(func() {
			u := newUser()
			for range rounds {
				if err := loginReadLogout(ctx, s, u); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	if r, ok := s.Strategy.(backend.Revoker); ok && s.ServerSide {
		// Revoking users nobody else touches must not disturb anyone.
		wg.Go(func() {
			for range rounds {
				if err := r.RevokeUser(ctx, uuid.New()); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustRead(t, s, kept, bystander.ID)
}

func loginReadLogout(ctx context.Context, s Subject, u *user.Base) error {
	tok, err := s.Strategy.WriteToken(ctx, u)
	if err != nil {
		return err
	}
	if id, err := s.Strategy.ReadToken(ctx, tok); err != nil || id != u.ID {
		return errors.New("a fresh token did not read back as its user")
	}
	if err := s.Strategy.DestroyToken(ctx, tok, u); err != nil {
		return err
	}
	if s.ServerSide {
		if _, err := s.Strategy.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) {
			return errors.New("a destroyed token still reads")
		}
	}
	return nil
}
