package throttle_test

import (
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/throttle/throttletest"
)

func TestMemoryStoreConformance(t *testing.T) {
	throttletest.Run(t, func(t *testing.T, now func() time.Time) throttle.Store {
		return throttle.NewMemoryStore(throttle.MemoryConfig{Now: now})
	})
}
