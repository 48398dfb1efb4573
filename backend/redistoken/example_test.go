package redistoken_test

import (
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
)

// Several instances of a service share sessions through one Redis: a token
// issued by one is read by all, and a logout or revocation on one ends it
// everywhere.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}) // or redis.NewFailoverClient for Sentinel
	strategy := redistoken.New(redistoken.Config{Client: rdb, Lifetime: time.Hour})
	_ = []backend.Backend{
		{Name: "redis", Transport: backend.Bearer("auth/redis/login"), Strategy: strategy},
	}
	// usersauth.New calls strategy.Validate and refuses a misconfigured one.
}
