package user

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Errors of the second-factor store contracts (TwoFactorStore,
// ChallengeStore), besides ErrNotFound and ErrAlreadyExists.
var (
	// ErrTOTPAlreadyEnabled: the user has a confirmed TOTP factor, which
	// a new enrolment may not replace (TwoFactorStore.SetPendingTOTP,
	// Manager.BeginTOTP, Manager.ConfirmTOTP).
	ErrTOTPAlreadyEnabled = errors.New("user: TOTP is enabled already")
	// ErrTOTPStepUsed: the TOTP time step is not later than the last one
	// accepted: the code, or an older one, was used before
	// (TwoFactorStore.UseTOTPStep).
	ErrTOTPStepUsed = errors.New("user: TOTP code used already")
	// ErrInvalidRecord: a value handed to a TwoFactorStore or a
	// ChallengeStore is outside the contract's limits (CheckRecoveryDigests,
	// Challenge.Check). Nothing is written.
	ErrInvalidRecord = errors.New("user: invalid second-factor record")
)

// MaxDigestBytes is the longest digest the second-factor stores keep: 64
// hex digits of SHA-256, the form of auth.TokenDigest and
// auth.RecoveryCodeDigest.
const MaxDigestBytes = 64

// TOTPFactor is a user's authenticator-app factor as a TwoFactorStore keeps
// it. A user has at most one: pending from the start of an enrolment until
// a first code confirms it.
type TOTPFactor struct {
	// UserID is the user the factor belongs to.
	UserID uuid.UUID
	// SealedSecret is the TOTP secret sealed by the Manager (auth.Sealer),
	// bound to UserID so that it opens for no other user. The store keeps
	// it as it is and never sees the secret.
	SealedSecret string
	// LastStep is the last RFC 6238 time step accepted; a code of this step
	// or an earlier one is refused. 0 while pending.
	LastStep int64
	// CreatedAt is when the enrolment began.
	CreatedAt time.Time
	// ConfirmedAt is when a first code confirmed the factor; zero while
	// it is pending.
	ConfirmedAt time.Time
}

// Confirmed reports whether a first code confirmed the factor: only then
// does it protect the account.
func (f TOTPFactor) Confirmed() bool { return !f.ConfirmedAt.IsZero() }

// TwoFactorStore is the persistence of second factors, a capability a user
// Store may have besides Store[U] (the Manager finds it by type assertion):
// the TOTP factor of each user and the digests of its recovery codes.
// store/memory and store/sqlstore implement it, and store/storetest holds
// its conformance suite.
//
// Every method is atomic: each is one compare-and-set, or one transaction,
// so that a code is accepted once however many requests race with it.
// Deleting a user deletes its factors and recovery codes. Values are copied
// in and out; times are kept to the microsecond and may come back in
// another location. All methods are safe for concurrent use.
type TwoFactorStore interface {
	// TOTP returns the user's TOTP factor, pending or confirmed, or
	// ErrNotFound.
	TOTP(ctx context.Context, userID uuid.UUID) (TOTPFactor, error)

	// SetPendingTOTP stores f as the pending TOTP factor of f.UserID,
	// replacing a pending one, with LastStep 0 and ConfirmedAt zero
	// whatever f holds. It returns ErrTOTPAlreadyEnabled if the user has a
	// confirmed factor (which stays as it is), ErrNotFound if there is no
	// such user, ErrInvalidRecord if f.SealedSecret is empty.
	SetPendingTOTP(ctx context.Context, f TOTPFactor) error

	// ConfirmTOTP confirms the user's pending factor, provided its
	// SealedSecret is still sealedSecret (an enrolment begun again since
	// has replaced it): ConfirmedAt becomes at, LastStep becomes step, and
	// the recovery codes are replaced by digests, all in one atomic step.
	// It returns ErrNotFound if the user has no pending factor with that
	// secret, ErrInvalidRecord for a zero at, and CheckRecoveryDigests'
	// errors; nothing is written then.
	ConfirmTOTP(ctx context.Context, userID uuid.UUID, sealedSecret string, step int64, at time.Time, digests []string) error

	// UseTOTPStep records step as the last accepted time step of the
	// user's confirmed factor, provided it is greater than the stored one:
	// of concurrent calls with one step, exactly one succeeds. It returns
	// ErrTOTPStepUsed if step is not greater, ErrNotFound if the user has
	// no confirmed factor.
	UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) error

	// ResealTOTP replaces the SealedSecret of the user's factor by sealed,
	// provided it is still old (a key rotation seals the secret again with
	// the new key). It returns ErrNotFound if the user has no factor whose
	// secret is old, ErrInvalidRecord if sealed is empty.
	ResealTOTP(ctx context.Context, userID uuid.UUID, old, sealed string) error

	// DeleteTOTP removes the user's TOTP factor, pending or confirmed, and
	// leaves its recovery codes, which may back up another factor. It
	// returns ErrNotFound if the user has none.
	DeleteTOTP(ctx context.Context, userID uuid.UUID) error

	// ReplaceRecoveryCodes replaces the user's recovery codes by digests
	// (none: an empty set), atomically: the old set dies in the same step.
	// It returns ErrNotFound if there is no such user, and
	// CheckRecoveryDigests' errors; nothing is written then.
	ReplaceRecoveryCodes(ctx context.Context, userID uuid.UUID, digests []string) error

	// UseRecoveryCode removes digest from the user's recovery codes: each
	// code works once, and of concurrent uses of one code exactly one
	// succeeds. It returns ErrNotFound if the user has no such code.
	UseRecoveryCode(ctx context.Context, userID uuid.UUID, digest string) error

	// CountRecoveryCodes returns how many recovery codes the user has left:
	// 0, and no error, for an unknown user.
	CountRecoveryCodes(ctx context.Context, userID uuid.UUID) (int, error)

	// DeleteTwoFactor removes the user's TOTP factor and recovery codes in
	// one step. It returns ErrNotFound if the user had neither.
	DeleteTwoFactor(ctx context.Context, userID uuid.UUID) error
}

// CheckRecoveryDigests reports whether digests can be a user's set of
// recovery codes: each 1 to MaxDigestBytes bytes, none repeated. A store
// calls it before writing; the error wraps ErrInvalidRecord.
func CheckRecoveryDigests(digests []string) error {
	seen := make(map[string]bool, len(digests))
	for i, d := range digests {
		if d == "" || len(d) > MaxDigestBytes {
			return fmt.Errorf("%w: recovery code digest %d is empty or longer than %d bytes", ErrInvalidRecord, i, MaxDigestBytes)
		}
		if seen[d] {
			return fmt.Errorf("%w: recovery code digest %d is repeated", ErrInvalidRecord, i)
		}
		seen[d] = true
	}
	return nil
}
