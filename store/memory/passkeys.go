package memory

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.PasskeyStore = (*Store[*user.User])(nil)

// passkeyIndex holds the passkeys of a Store, under the Store's lock, so
// that a user and its passkeys are deleted in one step and a counter is
// compared and set atomically. Its maps are made on first use.
type passkeyIndex struct {
	byID         map[uuid.UUID]user.Passkey
	byCredential map[string]uuid.UUID // credential id bytes -> passkey id
	byUser       map[uuid.UUID]map[uuid.UUID]struct{}
}

func (x *passkeyIndex) init() {
	if x.byID == nil {
		x.byID = make(map[uuid.UUID]user.Passkey)
		x.byCredential = make(map[string]uuid.UUID)
		x.byUser = make(map[uuid.UUID]map[uuid.UUID]struct{})
	}
}

func (x *passkeyIndex) insert(p user.Passkey) {
	x.init()
	x.byID[p.ID] = p
	x.byCredential[string(p.CredentialID)] = p.ID
	ids := x.byUser[p.UserID]
	if ids == nil {
		ids = make(map[uuid.UUID]struct{})
		x.byUser[p.UserID] = ids
	}
	ids[p.ID] = struct{}{}
}

func (x *passkeyIndex) remove(id uuid.UUID) {
	p, ok := x.byID[id]
	if !ok {
		return
	}
	delete(x.byID, id)
	delete(x.byCredential, string(p.CredentialID))
	if ids := x.byUser[p.UserID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(x.byUser, p.UserID)
		}
	}
}

// dropUser removes every passkey of a deleted user.
func (x *passkeyIndex) dropUser(userID uuid.UUID) {
	for id := range x.byUser[userID] {
		x.remove(id)
	}
}

// owned returns the user's passkey with the given id.
func (x *passkeyIndex) owned(userID, id uuid.UUID) (user.Passkey, bool) {
	p, ok := x.byID[id]
	return p, ok && p.UserID == userID
}

// clonePasskey copies p with its slices, times in UTC to the microsecond,
// as the SQL store keeps them.
func clonePasskey(p user.Passkey) user.Passkey {
	p.CredentialID = bytes.Clone(p.CredentialID)
	p.PublicKey = bytes.Clone(p.PublicKey)
	p.Transports = slices.Clone(p.Transports)
	p.CreatedAt = microUTC(p.CreatedAt)
	p.LastUsedAt = microUTC(p.LastUsedAt)
	return p
}

func microUTC(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// AddPasskey stores a copy of p. It returns user.ErrNotFound for an
// unknown user and user.ErrAlreadyExists when p's id or credential id is
// taken.
func (s *Store[U]) AddPasskey(_ context.Context, p user.Passkey) error {
	c := clonePasskey(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[c.UserID]; !ok {
		return user.ErrNotFound
	}
	if _, ok := s.passkeys.byID[c.ID]; ok {
		return user.ErrAlreadyExists
	}
	if _, ok := s.passkeys.byCredential[string(c.CredentialID)]; ok {
		return user.ErrAlreadyExists
	}
	s.passkeys.insert(c)
	return nil
}

// Passkeys returns copies of the user's passkeys, oldest first.
func (s *Store[U]) Passkeys(_ context.Context, userID uuid.UUID) ([]user.Passkey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.passkeys.byUser[userID]
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]user.Passkey, 0, len(ids))
	for id := range ids {
		out = append(out, clonePasskey(s.passkeys.byID[id]))
	}
	slices.SortFunc(out, func(a, b user.Passkey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), bytes.Compare(a.ID[:], b.ID[:]))
	})
	return out, nil
}

// PasskeyByCredentialID returns a copy of the passkey with that credential
// id, or user.ErrNotFound.
func (s *Store[U]) PasskeyByCredentialID(_ context.Context, credentialID []byte) (user.Passkey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.passkeys.byCredential[string(credentialID)]
	if !ok {
		return user.Passkey{}, user.ErrNotFound
	}
	return clonePasskey(s.passkeys.byID[id]), nil
}

// CountPasskeys returns how many passkeys the user has.
func (s *Store[U]) CountPasskeys(_ context.Context, userID uuid.UUID) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.passkeys.byUser[userID]), nil
}

// RecordPasskeyUse sets the counter, backup state and last use of the
// user's passkey credentialID under the write lock, if the stored counter
// is below the new one or both are zero; else it returns
// user.ErrSignCountNotIncreased.
func (s *Store[U]) RecordPasskeyUse(_ context.Context, userID uuid.UUID, credentialID []byte, use user.PasskeyUse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.passkeys.byCredential[string(credentialID)]
	if !ok {
		return user.ErrNotFound
	}
	p, ok := s.passkeys.owned(userID, id)
	if !ok {
		return user.ErrNotFound
	}
	if p.SignCount >= use.SignCount && (p.SignCount != 0 || use.SignCount != 0) {
		return user.ErrSignCountNotIncreased
	}
	p.SignCount, p.BackupState, p.LastUsedAt = use.SignCount, use.BackupState, microUTC(use.UsedAt)
	s.passkeys.byID[id] = p
	return nil
}

// RenamePasskey sets the name of the user's passkey id, or returns
// user.ErrNotFound.
func (s *Store[U]) RenamePasskey(_ context.Context, userID, id uuid.UUID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.passkeys.owned(userID, id)
	if !ok {
		return user.ErrNotFound
	}
	p.Name = name
	s.passkeys.byID[id] = p
	return nil
}

// DeletePasskey removes the user's passkey id, or returns user.ErrNotFound.
func (s *Store[U]) DeletePasskey(_ context.Context, userID, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.passkeys.owned(userID, id); !ok {
		return user.ErrNotFound
	}
	s.passkeys.remove(id)
	return nil
}
