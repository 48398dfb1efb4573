package memory_test

import (
	"testing"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

func TestTwoFactorConformance(t *testing.T) {
	storetest.RunTwoFactor(t, storetest.Factory{
		Users: func(*testing.T) user.Store[*user.User] { return memory.New[*user.User]() },
	})
}

func TestChallengeConformance(t *testing.T) {
	storetest.RunChallenges(t, storetest.Factory{
		Users: func(*testing.T) user.Store[*user.User] { return memory.New[*user.User]() },
	})
}
