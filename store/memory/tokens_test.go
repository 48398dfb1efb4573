package memory_test

import (
	"testing"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/memory"
)

func TestTokenStoreConformance(t *testing.T) {
	strategytest.RunTokenStore(t, func(t *testing.T) backend.TokenStore { return memory.NewTokenStore() })
}
