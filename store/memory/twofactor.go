package memory

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.TwoFactorStore = (*Store[*user.User])(nil)

// Refusals of values the user.TwoFactorStore contract excludes.
var (
	errEmptySecret   = fmt.Errorf("%w: empty sealed TOTP secret", user.ErrInvalidRecord)
	errZeroConfirmed = fmt.Errorf("%w: a TOTP factor is confirmed at a time, not the zero time", user.ErrInvalidRecord)
)

// twoFactorIndex holds the second factors of a Store's users, under the
// Store's lock, so that each operation is one atomic step with respect to
// every other and to the deletion of the user. Its maps are made on first
// use.
type twoFactorIndex struct {
	totp  map[uuid.UUID]user.TOTPFactor
	codes map[uuid.UUID][]string // recovery-code digests
}

func (x *twoFactorIndex) init() {
	if x.totp == nil {
		x.totp = make(map[uuid.UUID]user.TOTPFactor)
		x.codes = make(map[uuid.UUID][]string)
	}
}

// dropUser removes the factors of a deleted user.
func (x *twoFactorIndex) dropUser(id uuid.UUID) {
	delete(x.totp, id)
	delete(x.codes, id)
}

// TOTP returns the user's TOTP factor, or user.ErrNotFound.
func (s *Store[U]) TOTP(_ context.Context, userID uuid.UUID) (user.TOTPFactor, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.twoFactor.totp[userID]
	if !ok {
		return user.TOTPFactor{}, user.ErrNotFound
	}
	return f, nil
}

// SetPendingTOTP stores f as the user's pending factor, replacing a
// pending one; user.ErrTOTPAlreadyEnabled if a confirmed one exists,
// user.ErrNotFound for an unknown user.
func (s *Store[U]) SetPendingTOTP(_ context.Context, f user.TOTPFactor) error {
	if f.SealedSecret == "" {
		return errEmptySecret
	}
	f.LastStep, f.ConfirmedAt = 0, time.Time{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[f.UserID]; !ok {
		return user.ErrNotFound
	}
	if cur, ok := s.twoFactor.totp[f.UserID]; ok && cur.Confirmed() {
		return user.ErrTOTPAlreadyEnabled
	}
	s.twoFactor.init()
	s.twoFactor.totp[f.UserID] = f
	return nil
}

// ConfirmTOTP confirms the user's pending factor sealed as sealedSecret and
// replaces its recovery codes, in one step under the lock.
func (s *Store[U]) ConfirmTOTP(_ context.Context, userID uuid.UUID, sealedSecret string, step int64, at time.Time, digests []string) error {
	if err := user.CheckRecoveryDigests(digests); err != nil {
		return err
	}
	if at.IsZero() {
		// It would read back as pending.
		return errZeroConfirmed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.twoFactor.totp[userID]
	if !ok || f.Confirmed() || f.SealedSecret != sealedSecret {
		return user.ErrNotFound
	}
	f.ConfirmedAt, f.LastStep = at, step
	s.twoFactor.totp[userID] = f
	s.twoFactor.codes[userID] = slices.Clone(digests)
	return nil
}

// UseTOTPStep records step if it is greater than the confirmed factor's
// last one: user.ErrTOTPStepUsed if not, user.ErrNotFound without a
// confirmed factor.
func (s *Store[U]) UseTOTPStep(_ context.Context, userID uuid.UUID, step int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.twoFactor.totp[userID]
	if !ok || !f.Confirmed() {
		return user.ErrNotFound
	}
	if step <= f.LastStep {
		return user.ErrTOTPStepUsed
	}
	f.LastStep = step
	s.twoFactor.totp[userID] = f
	return nil
}

// ResealTOTP replaces the factor's sealed secret if it is still old.
func (s *Store[U]) ResealTOTP(_ context.Context, userID uuid.UUID, old, sealed string) error {
	if sealed == "" {
		return errEmptySecret
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.twoFactor.totp[userID]
	if !ok || f.SealedSecret != old {
		return user.ErrNotFound
	}
	f.SealedSecret = sealed
	s.twoFactor.totp[userID] = f
	return nil
}

// DeleteTOTP removes the user's TOTP factor, or returns user.ErrNotFound.
func (s *Store[U]) DeleteTOTP(_ context.Context, userID uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.twoFactor.totp[userID]; !ok {
		return user.ErrNotFound
	}
	delete(s.twoFactor.totp, userID)
	return nil
}

// ReplaceRecoveryCodes replaces the user's recovery-code digests.
func (s *Store[U]) ReplaceRecoveryCodes(_ context.Context, userID uuid.UUID, digests []string) error {
	if err := user.CheckRecoveryDigests(digests); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[userID]; !ok {
		return user.ErrNotFound
	}
	s.twoFactor.init()
	if len(digests) == 0 {
		delete(s.twoFactor.codes, userID)
		return nil
	}
	s.twoFactor.codes[userID] = slices.Clone(digests)
	return nil
}

// UseRecoveryCode removes digest from the user's codes, or returns
// user.ErrNotFound. Every digest of the user is compared, in constant time
// (crypto/subtle), so that timing says nothing of how close a guess came.
func (s *Store[U]) UseRecoveryCode(_ context.Context, userID uuid.UUID, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	codes := s.twoFactor.codes[userID]
	found := -1
	for i, d := range codes {
		if subtle.ConstantTimeCompare([]byte(d), []byte(digest)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return user.ErrNotFound
	}
	// A new slice: a copy handed out earlier never changes.
	left := slices.Delete(slices.Clone(codes), found, found+1)
	if len(left) == 0 {
		delete(s.twoFactor.codes, userID)
	} else {
		s.twoFactor.codes[userID] = left
	}
	return nil
}

// CountRecoveryCodes returns how many codes the user has left.
func (s *Store[U]) CountRecoveryCodes(_ context.Context, userID uuid.UUID) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.twoFactor.codes[userID]), nil
}

// DeleteTwoFactor removes the user's TOTP factor and recovery codes, or
// returns user.ErrNotFound if there were neither.
func (s *Store[U]) DeleteTwoFactor(_ context.Context, userID uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, hasTOTP := s.twoFactor.totp[userID]
	_, hasCodes := s.twoFactor.codes[userID]
	if !hasTOTP && !hasCodes {
		return user.ErrNotFound
	}
	s.twoFactor.dropUser(userID)
	return nil
}
