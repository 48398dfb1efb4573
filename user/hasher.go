package user

import "context"

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
