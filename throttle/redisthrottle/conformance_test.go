package redisthrottle_test

import (
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
	"github.com/usersauth/usersauth/throttle/throttletest"
)

func TestConformance(t *testing.T) {
	c := newClient(t)
	throttletest.Run(t, func(t *testing.T, now func() time.Time) throttle.Store {
		return newStore(t, c, redisthrottle.Config{Now: now})
	})
}
