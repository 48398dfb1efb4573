// Package storetest is the conformance suite every user.Store adapter runs.
// It checks the whole contract written on user.Store: round trips of every
// field, e-mail lookups by user.EmailKey, the ErrNotFound and
// ErrAlreadyExists cases, atomic updates, copy semantics, and behaviour under
// concurrent use. RunOAuth, RunTwoFactor, RunChallenges and RunLister do the
// same for the optional capabilities (user.OAuthStore, user.TwoFactorStore,
// user.ChallengeStore, user.UserLister), and RunChallengeStore for a
// challenge store that keeps no users. Run them under the race detector:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Factory{
//			Users:   func(t *testing.T) user.Store[*user.User] { return memory.New[*user.User]() },
//			Members: func(t *testing.T) user.Store[*storetest.Member] { return memory.New[*storetest.Member]() },
//		})
//	}
package storetest

import (
	"testing"

	"github.com/usersauth/usersauth/user"
)

// Factory opens the stores under test. Each call must return a fresh, empty
// store that is independent of every store returned before; a factory
// releases what it opened with t.Cleanup.
type Factory struct {
	// Users opens a store of the ready-made user type.
	Users func(t *testing.T) user.Store[*user.User]
	// Members opens a store of Member, a host's type with fields of its
	// own, to prove the adapter persists them.
	Members func(t *testing.T) user.Store[*Member]
}

// Run runs the conformance suite against the stores f opens, as subtests of
// t named "User" and "Member". Both factories are required.
func Run(t *testing.T, f Factory) {
	t.Helper()
	if f.Users == nil || f.Members == nil {
		t.Fatal("storetest: Factory.Users and Factory.Members are both required")
	}
	t.Run("User", func(t *testing.T) { runCases(t, userKind(f.Users)) })
	t.Run("Member", func(t *testing.T) {
		k := memberKind(f.Members)
		runCases(t, k)
		t.Run("ConcurrentUpdatesLoseNothing", func(t *testing.T) { testConcurrentUpdatesLoseNothing(t, k) })
	})
}
