package redisthrottle_test

import (
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/throttle/redisthrottle"
)

// Several instances of a service count on one Redis: a guess refused by one
// is refused by all. A short ReadTimeout keeps a slow Redis from holding up
// every login; its failures come back wrapping throttle.ErrUnavailable.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ReadTimeout: 200 * time.Millisecond})
	store, err := redisthrottle.New(redisthrottle.Config{Client: rdb, KeyPrefix: "myapp:throttle:"})
	if err != nil {
		panic(err)
	}
	_ = store // a throttle.Store, as throttle.NewMemoryStore returns one
}
