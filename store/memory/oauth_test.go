package memory_test

import (
	"testing"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

func TestOAuthConformance(t *testing.T) {
	storetest.RunOAuth(t, storetest.Factory{
		Users:   func(*testing.T) user.Store[*user.User] { return memory.New[*user.User]() },
		Members: func(*testing.T) user.Store[*storetest.Member] { return memory.New[*storetest.Member]() },
	})
}
