package integration

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
	"github.com/usersauth/usersauth/user"
)

// TestThrottleSharedByInstances: two instances behind one load balancer
// count failed logins in one Redis: a guessing script alternating between
// them meets one limit, and the right password is then refused by both.
func TestThrottleSharedByInstances(t *testing.T) {
	c, prefix := testRedis(t)
	counts, err := redisthrottle.New(redisthrottle.Config{Client: c, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	users := memory.New[*user.User]()
	instance := func() http.Handler {
		ua, err := usersauth.New(usersauth.Options[*user.User]{
			Store: users, Secret: testSecret, Hasher: newFastHasher(t, fastArgon2), Throttle: counts,
			Backends: []backend.Backend{{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(testSecret, time.Hour)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		ua.Mount(mux)
		if _, err := ua.Manager().Register(context.Background(), &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "guinevere"); err != nil && !isExists(err) {
			t.Fatal(err)
		}
		return mux
	}
	a, b := instance(), instance()
	login := func(h http.Handler, password string) int {
		return apptest.Serve(h, newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", password)).Status
	}
	limit := usersauth.DefaultLimits().LoginPerAccount.Limit
	for i := range limit {
		h := a
		if i%2 == 1 {
			h = b
		}
		if s := login(h, "wrong"); s != http.StatusBadRequest {
			t.Fatalf("failure %d: %d", i, s)
		}
	}
	for name, h := range map[string]http.Handler{"a": a, "b": b} {
		if s := login(h, "guinevere"); s != http.StatusTooManyRequests {
			t.Fatalf("instance %s after %d failures spread over both: %d, want 429", name, limit, s)
		}
	}
}

func isExists(err error) bool { return errors.Is(err, user.ErrAlreadyExists) }
