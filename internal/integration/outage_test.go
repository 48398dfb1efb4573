package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestRedisOutageIs503: a Redis token strategy whose server is unreachable
// answers 503 Service Unavailable with Retry-After, in the contract's
// format and without the cause, instead of a 500.
func TestRedisOutageIs503(t *testing.T) {
	// Nothing listens on port 1 of the loopback: every dial is refused.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store: memory.New[*user.User](), Secret: testSecret, Hasher: newFastHasher(t, fastArgon2),
		Backends: []backend.Backend{{Name: "redis", Transport: backend.Bearer("auth/redis/login"),
			Strategy: redistoken.New(redistoken.Config{Client: down, Lifetime: time.Hour})}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	res := apptest.Serve(mux, newReq("GET", "/users/me").Bearer("ChR7nnGlTzMj5sYr0iQvqLVk1qS9vQzQv1GsqKc5OoE"))
	if res.Status != http.StatusServiceUnavailable || !sameJSON(t, res.Body, `{"detail":"Service Unavailable"}`) || res.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", res.Status, res.Header, res.Body)
	}
}
