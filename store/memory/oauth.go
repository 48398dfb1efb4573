package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var _ user.OAuthStore[*user.User] = (*Store[*user.User])(nil)

// oauthKey is what makes an OAuth account unique: the provider and the
// account's id there.
type oauthKey struct{ name, accountID string }

// oauthIndex holds the linked OAuth accounts of a Store, under the Store's
// lock, so that creating a user with its first account, or unlinking after a
// check, is one atomic step. Its maps are made on first use.
type oauthIndex struct {
	byKey  map[oauthKey]user.OAuthAccount
	byID   map[uuid.UUID]oauthKey
	byUser map[uuid.UUID]map[oauthKey]struct{}
}

func (x *oauthIndex) init() {
	if x.byKey == nil {
		x.byKey = make(map[oauthKey]user.OAuthAccount)
		x.byID = make(map[uuid.UUID]oauthKey)
		x.byUser = make(map[uuid.UUID]map[oauthKey]struct{})
	}
}

// taken reports whether acc's key or id is in use.
func (x *oauthIndex) taken(acc user.OAuthAccount) bool {
	if _, ok := x.byKey[oauthKey{acc.OAuthName, acc.AccountID}]; ok {
		return true
	}
	_, ok := x.byID[acc.ID]
	return ok
}

func (x *oauthIndex) insert(acc user.OAuthAccount) {
	x.init()
	k := oauthKey{acc.OAuthName, acc.AccountID}
	x.byKey[k] = cloneAccount(acc)
	x.byID[acc.ID] = k
	keys := x.byUser[acc.UserID]
	if keys == nil {
		keys = make(map[oauthKey]struct{})
		x.byUser[acc.UserID] = keys
	}
	keys[k] = struct{}{}
}

func (x *oauthIndex) remove(k oauthKey) {
	acc, ok := x.byKey[k]
	if !ok {
		return
	}
	delete(x.byKey, k)
	delete(x.byID, acc.ID)
	if keys := x.byUser[acc.UserID]; keys != nil {
		delete(keys, k)
		if len(keys) == 0 {
			delete(x.byUser, acc.UserID)
		}
	}
}

// dropUser removes every account of a deleted user.
func (x *oauthIndex) dropUser(id uuid.UUID) {
	for k := range x.byUser[id] {
		x.remove(k)
	}
}

// accounts returns copies of the user's accounts, ordered by provider then
// account id.
func (x *oauthIndex) accounts(id uuid.UUID) []user.OAuthAccount {
	keys := x.byUser[id]
	if len(keys) == 0 {
		return nil
	}
	out := make([]user.OAuthAccount, 0, len(keys))
	for k := range keys {
		out = append(out, cloneAccount(x.byKey[k]))
	}
	slices.SortFunc(out, func(a, b user.OAuthAccount) int {
		return cmp.Or(cmp.Compare(a.OAuthName, b.OAuthName), cmp.Compare(a.AccountID, b.AccountID))
	})
	return out
}

// cloneAccount copies acc with its pointer fields, so that neither the
// caller nor the store sees the other's later changes.
func cloneAccount(acc user.OAuthAccount) user.OAuthAccount {
	if acc.ExpiresAt != nil {
		v := *acc.ExpiresAt
		acc.ExpiresAt = &v
	}
	if acc.RefreshToken != nil {
		v := *acc.RefreshToken
		acc.RefreshToken = &v
	}
	return acc
}

// GetByOAuthAccount returns a copy of the user linked to the account
// accountID at the provider oauthName, with the account, or
// user.ErrNotFound.
func (s *Store[U]) GetByOAuthAccount(_ context.Context, oauthName, accountID string) (U, user.OAuthAccount, error) {
	var zero U
	s.mu.RLock()
	acc, ok := s.oauth.byKey[oauthKey{oauthName, accountID}]
	var e entry[U]
	if ok {
		e, ok = s.byID[acc.UserID]
	}
	s.mu.RUnlock()
	if !ok {
		return zero, user.OAuthAccount{}, user.ErrNotFound
	}
	return user.Clone(e.user), cloneAccount(acc), nil
}

// OAuthAccounts returns copies of the user's accounts, ordered by provider
// then account id.
func (s *Store[U]) OAuthAccounts(_ context.Context, userID uuid.UUID) ([]user.OAuthAccount, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.oauth.accounts(userID), nil
}

// AddOAuthAccount links a copy of acc to the user acc.UserID. It returns
// user.ErrNotFound for an unknown user and user.ErrAlreadyExists when the
// account or its id is taken.
func (s *Store[U]) AddOAuthAccount(_ context.Context, acc user.OAuthAccount) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[acc.UserID]; !ok {
		return user.ErrNotFound
	}
	if s.oauth.taken(acc) {
		return user.ErrAlreadyExists
	}
	s.oauth.insert(acc)
	return nil
}

// UpdateOAuthAccount replaces the tokens and e-mail of the account acc.ID
// of the user acc.UserID, or returns user.ErrNotFound.
func (s *Store[U]) UpdateOAuthAccount(_ context.Context, acc user.OAuthAccount) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.oauth.byID[acc.ID]
	if !ok {
		return user.ErrNotFound
	}
	cur := s.oauth.byKey[k]
	if cur.UserID != acc.UserID {
		return user.ErrNotFound
	}
	fresh := cloneAccount(acc)
	cur.AccessToken, cur.ExpiresAt, cur.RefreshToken, cur.AccountEmail = fresh.AccessToken, fresh.ExpiresAt, fresh.RefreshToken, fresh.AccountEmail
	s.oauth.byKey[k] = cur
	return nil
}

// errAccountOwner reports an account that does not name the user created
// with it.
var errAccountOwner = errors.New("memory: the OAuth account's UserID is not the new user's id")

// CreateWithOAuthAccount stores copies of u and acc under one lock: both or
// neither. It returns user.ErrAlreadyExists when the user's id or e-mail key,
// or the account or its id, is taken.
func (s *Store[U]) CreateWithOAuthAccount(_ context.Context, u U, acc user.OAuthAccount) error {
	c := user.Clone(u)
	b := c.UserBase()
	if acc.UserID != b.ID {
		return errAccountOwner
	}
	key := user.EmailKey(b.Email)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[b.ID]; ok {
		return user.ErrAlreadyExists
	}
	if _, ok := s.byEmail[key]; ok {
		return user.ErrAlreadyExists
	}
	if s.oauth.taken(acc) {
		return user.ErrAlreadyExists
	}
	s.byID[b.ID] = entry[U]{user: c, key: key}
	s.byEmail[key] = b.ID
	s.oauth.insert(acc)
	return nil
}

// DeleteOAuthAccounts unlinks the user's accounts at the provider oauthName
// after check, when not nil, allowed it, all under the store's write lock.
// It returns user.ErrNotFound when the user has no account there.
func (s *Store[U]) DeleteOAuthAccounts(_ context.Context, userID uuid.UUID, oauthName string, check func(u U, remaining []user.OAuthAccount) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[userID]
	if !ok {
		return user.ErrNotFound
	}
	var doomed []oauthKey
	var remaining []user.OAuthAccount
	for _, acc := range s.oauth.accounts(userID) {
		if acc.OAuthName == oauthName {
			doomed = append(doomed, oauthKey{acc.OAuthName, acc.AccountID})
		} else {
			remaining = append(remaining, acc)
		}
	}
	if len(doomed) == 0 {
		return user.ErrNotFound
	}
	if check != nil {
		if err := check(user.Clone(e.user), remaining); err != nil {
			return err
		}
	}
	for _, k := range doomed {
		s.oauth.remove(k)
	}
	return nil
}
