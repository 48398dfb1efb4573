package memory_test

import (
	"testing"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

func TestPasskeyConformance(t *testing.T) {
	storetest.RunPasskeys(t, storetest.Factory{
		Users: func(*testing.T) user.Store[*user.User] { return memory.New[*user.User]() },
	})
}
