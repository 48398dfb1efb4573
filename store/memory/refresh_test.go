package memory_test

import (
	"testing"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
)

func TestRefreshStoreConformance(t *testing.T) {
	strategytest.RunRefreshStore(t, func(t *testing.T) backend.RefreshStore { return memory.NewRefreshStore() })
}
