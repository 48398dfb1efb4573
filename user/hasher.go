package user

import (
	"context"

	"github.com/usersauth/usersauth/auth"
)

// PasswordHasher hashes and verifies passwords for the Manager.
// auth.PasswordHasher is the implementation; tests substitute their own.
// Implementations are safe for concurrent use and honour ctx while they wait
// for a hashing slot.
type PasswordHasher interface {
	// Hash returns the encoded hash of password with the current parameters.
	Hash(ctx context.Context, password string) (string, error)

	// Verify reports whether password matches the encoded hash, and whether
	// the hash should be replaced by one made with the current parameters.
	// An encoded hash that cannot be parsed, or whose parameters are out of
	// bounds, is an error, never a match.
	Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error)

	// VerifyDummy costs what Verify costs for a stored hash made with the
	// current parameters, and matches nothing. The Manager calls it for an
	// unknown e-mail so that timing does not reveal which accounts exist.
	VerifyDummy(ctx context.Context, password string) error
}

// SlotHasher is a PasswordHasher that can hold one of its hashing slots
// across several steps of one caller, as *auth.PasswordHasher does
// (auth.Slot). When the Manager's hasher has it, Authenticate takes a slot
// before it reads the user and verifies in it: a login the hashing pool
// cannot serve is refused (auth.ErrBusy, 503) before it costs a store
// read, so a flood of logins beyond what the machine can hash costs the
// store nothing. A hasher that wraps *auth.PasswordHasher (to count or to
// trace) keeps the capability by forwarding Acquire; one that does not
// verifies as before, after the store read.
type SlotHasher interface {
	PasswordHasher
	// Acquire takes a slot, waiting for it as Verify does; the caller
	// releases it on every path.
	Acquire(ctx context.Context) (*auth.Slot, error)
}

// passwordCheck verifies the password of one login: in a slot taken
// before the store read when the hasher is a SlotHasher, else through the
// hasher's own calls, which wait for a slot each.
type passwordCheck struct {
	hasher PasswordHasher
	slot   *auth.Slot
}

// beginCheck starts a login's password check. Its errors are those of
// waiting for a slot; a nil error must be paired with release.
func beginCheck(ctx context.Context, h PasswordHasher) (passwordCheck, error) {
	sh, ok := h.(SlotHasher)
	if !ok {
		return passwordCheck{hasher: h}, nil
	}
	slot, err := sh.Acquire(ctx)
	if err != nil {
		return passwordCheck{}, err
	}
	return passwordCheck{slot: slot}, nil
}

func (c passwordCheck) verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	if c.slot != nil {
		return c.slot.Verify(password, encoded)
	}
	return c.hasher.Verify(ctx, password, encoded)
}

func (c passwordCheck) verifyDummy(ctx context.Context, password string) error {
	if c.slot != nil {
		return c.slot.VerifyDummy(password)
	}
	return c.hasher.VerifyDummy(ctx, password)
}

// release gives back the slot, if any.
func (c passwordCheck) release() {
	if c.slot != nil {
		c.slot.Release()
	}
}
