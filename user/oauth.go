package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// Errors of the OAuth flows.
var (
	// ErrOAuthUserAlreadyExists: the provider's account cannot be signed
	// in with or linked: its e-mail belongs to a user it may not be linked
	// to (AssociateByEmail off, the e-mail not verified by the provider, or
	// the local user's e-mail not verified), or, on association, it is
	// linked to another user.
	ErrOAuthUserAlreadyExists = errors.New("user: the OAuth account belongs to another user")
	// ErrOAuthNoEmail: the provider gave no usable e-mail address for the
	// account.
	ErrOAuthNoEmail = errors.New("user: no usable e-mail address from the provider")
	// ErrOAuthUnverifiedEmail wraps ErrOAuthNoEmail: a sign-up with an
	// e-mail the provider did not verify, refused unless
	// OAuthSignIn.AllowUnverifiedEmail.
	ErrOAuthUnverifiedEmail = fmt.Errorf("%w: not verified by the provider", ErrOAuthNoEmail)
	// ErrLastSignInMethod: unlinking would leave the user with no way to
	// sign in (no password and no other linked account).
	ErrLastSignInMethod = errors.New("user: the last way to sign in cannot be removed")
	// ErrOAuthUnsupported: the Manager's store does not implement
	// OAuthStore.
	ErrOAuthUnsupported = errors.New("user: the store keeps no OAuth accounts")
)

// Column limits of FastAPI Users' oauth_account table.
const (
	maxOAuthNameLength = 100
	maxAccountIDLength = 320
)

// OAuthSignIn is what an identity provider said about a user who came back
// from it, and how the Manager may link that account.
type OAuthSignIn struct {
	// OAuthName is the provider's name.
	OAuthName string
	// AccountID is the provider's stable id of the account.
	AccountID string
	// AccountEmail is the account's e-mail address, taken as the provider
	// gives it (see NormalizeProviderEmail), or the sign-in fails with
	// ErrOAuthNoEmail.
	AccountEmail string
	// EmailVerified reports that the provider verified AccountEmail.
	EmailVerified bool
	// AccessToken, ExpiresAt and RefreshToken are the provider's tokens,
	// kept with the account.
	AccessToken  string
	ExpiresAt    *int64
	RefreshToken *string

	// AssociateByEmail lets a sign-in with an account not yet linked be
	// linked to the existing user with the same e-mail, provided the
	// provider verified it and the user's own e-mail is verified.
	AssociateByEmail bool
	// IsVerifiedByDefault marks a user created by the sign-in as verified,
	// provided the provider verified the e-mail.
	IsVerifiedByDefault bool
	// AllowUnverifiedEmail lets a sign-in create a user with an e-mail the
	// provider did not verify. Off, the default, such a sign-up is refused
	// (ErrOAuthUnverifiedEmail): whoever controls the provider's account
	// could otherwise claim an address that is not theirs before its owner
	// registers it ("pre-account takeover"). Accounts already linked sign in
	// either way.
	AllowUnverifiedEmail bool
}

func (in *OAuthSignIn) check() error {
	switch {
	case in.OAuthName == "" || len(in.OAuthName) > maxOAuthNameLength:
		return errors.New("user: OAuth provider name empty or too long")
	case in.AccountID == "" || len(in.AccountID) > maxAccountIDLength:
		return errors.New("user: OAuth account id empty or too long")
	}
	email, err := NormalizeProviderEmail(in.AccountEmail)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOAuthNoEmail, err)
	}
	in.AccountEmail = email
	return nil
}

// checkSignIn checks in, logging why the provider's address was refused.
func (m *Manager[U]) checkSignIn(ctx context.Context, in *OAuthSignIn) error {
	err := in.check()
	if bad, ok := errors.AsType[*InvalidEmailError](err); ok {
		// The reason names at most the offending characters, never the
		// address.
		m.log.LogAttrs(ctx, slog.LevelWarn, "oauth sign-in refused: unusable e-mail address from the provider",
			slog.String("provider", in.OAuthName), slog.String("reason", bad.Reason))
	}
	return err
}

// account returns the OAuthAccount in describes, for the user userID.
func (in *OAuthSignIn) account(userID uuid.UUID) OAuthAccount {
	return OAuthAccount{
		OAuthName: in.OAuthName, AccountID: in.AccountID, AccountEmail: in.AccountEmail,
		AccessToken: in.AccessToken, ExpiresAt: in.ExpiresAt, RefreshToken: in.RefreshToken,
		UserID: userID,
	}
}

// oauthStore returns the store's OAuth capability.
func (m *Manager[U]) oauthStore() (OAuthStore[U], error) {
	s, ok := m.store.(OAuthStore[U])
	if !ok {
		return nil, ErrOAuthUnsupported
	}
	return s, nil
}

// SupportsOAuth reports whether the Manager's store keeps OAuth accounts
// (implements OAuthStore).
func (m *Manager[U]) SupportsOAuth() bool {
	_, err := m.oauthStore()
	return err == nil
}

// OAuthCallback signs in the user a provider vouched for, as FastAPI Users'
// oauth_callback does, and returns that user once the sign-in policy let
// them have a session (CheckSignIn with SignInOAuth: ErrInvalidCredentials
// for an inactive user, ErrNotVerified for an unverified one where
// verification is required).
//
//   - An account already linked: its tokens and e-mail are updated, and its
//     user signs in.
//   - Otherwise, a user with the account's e-mail: the account is linked to
//     it only when in.AssociateByEmail is set, the provider verified the
//     e-mail, and so had the user (whoever registered an unverified address
//     may not own it: linking would hand the owner an account its
//     registrant can still enter, "account pre-hijacking"). Otherwise
//     ErrOAuthUserAlreadyExists.
//   - Otherwise, when the provider verified the e-mail or
//     in.AllowUnverifiedEmail is set (else ErrOAuthUnverifiedEmail), a new
//     user is created with the account, atomically: active,
//     not superuser, verified only when in.IsVerifiedByDefault is set and
//     the provider verified the e-mail, and without a password (see
//     UnusablePassword). The AfterRegister hook runs.
//
// Errors: ErrOAuthNoEmail, ErrOAuthUserAlreadyExists, ErrInvalidCredentials,
// ErrNotVerified, ErrOAuthUnsupported, or the store's own; a user with a
// second factor is returned with a *SecondFactorRequiredError.
func (m *Manager[U]) OAuthCallback(ctx context.Context, in OAuthSignIn) (U, error) {
	var zero U
	store, err := m.oauthStore()
	if err != nil {
		return zero, err
	}
	if err := m.checkSignIn(ctx, &in); err != nil {
		return zero, err
	}
	// A concurrent sign-in of the same new account (a double click) can
	// win the race to create it; the second attempt then finds it linked.
	for attempt := 0; ; attempt++ {
		u, err := m.oauthSignIn(ctx, store, &in)
		if errors.Is(err, ErrAlreadyExists) && attempt == 0 {
			continue
		}
		if errors.Is(err, ErrAlreadyExists) {
			return zero, ErrOAuthUserAlreadyExists
		}
		if err != nil {
			return zero, err
		}
		if err := m.CheckSignIn(ctx, u, SignInOAuth); err != nil {
			if _, ok := errors.AsType[*SecondFactorRequiredError](err); ok {
				return u, err // the provider vouched: the second step is next
			}
			return zero, err
		}
		return u, nil
	}
}

func (m *Manager[U]) oauthSignIn(ctx context.Context, store OAuthStore[U], in *OAuthSignIn) (U, error) {
	var zero U
	u, acc, err := store.GetByOAuthAccount(ctx, in.OAuthName, in.AccountID)
	if err == nil {
		return u, m.refreshAccount(ctx, store, acc, in)
	}
	if !errors.Is(err, ErrNotFound) {
		return zero, err
	}

	u, err = m.store.GetByEmail(ctx, in.AccountEmail)
	if err == nil {
		// A concurrent sign-up of this very account may have created the
		// user and its account between the two lookups: look again before
		// treating the address as someone else's.
		if linked, acc, err := store.GetByOAuthAccount(ctx, in.OAuthName, in.AccountID); err == nil {
			return linked, m.refreshAccount(ctx, store, acc, in)
		}
		b := u.UserBase()
		if !in.AssociateByEmail || !in.EmailVerified || !b.IsVerified {
			m.log.LogAttrs(ctx, slog.LevelInfo, "oauth sign-in refused: e-mail belongs to a user",
				slog.String("provider", in.OAuthName), slog.String("user_id", b.ID.String()))
			return zero, ErrOAuthUserAlreadyExists
		}
		acc, err := m.newAccount(in, b.ID)
		if err != nil {
			return zero, err
		}
		if err := store.AddOAuthAccount(ctx, acc); err != nil {
			return zero, err
		}
		m.log.LogAttrs(ctx, slog.LevelInfo, "oauth account linked by e-mail",
			slog.String("provider", in.OAuthName), slog.String("user_id", b.ID.String()))
		return u, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return zero, err
	}

	if !in.EmailVerified && !in.AllowUnverifiedEmail {
		m.log.LogAttrs(ctx, slog.LevelInfo, "oauth sign-up refused: the provider did not verify the e-mail",
			slog.String("provider", in.OAuthName))
		return zero, ErrOAuthUnverifiedEmail
	}
	u = New[U]()
	b := u.UserBase()
	b.Email = in.AccountEmail
	b.IsActive = true
	b.IsVerified = in.IsVerifiedByDefault && in.EmailVerified
	if b.HashedPassword, err = UnusablePassword(m.rand); err != nil {
		return zero, err
	}
	if b.ID, err = uuid.NewRandomFromReader(m.rand); err != nil {
		return zero, fmt.Errorf("user: new id: %w", err)
	}
	acc, err = m.newAccount(in, b.ID)
	if err != nil {
		return zero, err
	}
	if err := store.CreateWithOAuthAccount(ctx, u, acc); err != nil {
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "user registered", slog.String("provider", in.OAuthName), slog.String("user_id", b.ID.String()))
	m.after(ctx, "AfterRegister", b.ID, m.hooks.AfterRegister, u)
	return u, nil
}

func (m *Manager[U]) newAccount(in *OAuthSignIn, userID uuid.UUID) (OAuthAccount, error) {
	acc := in.account(userID)
	var err error
	if acc.ID, err = uuid.NewRandomFromReader(m.rand); err != nil {
		return OAuthAccount{}, fmt.Errorf("user: new account id: %w", err)
	}
	return acc, nil
}

// refreshAccount stores the new tokens and e-mail of a linked account.
func (m *Manager[U]) refreshAccount(ctx context.Context, store OAuthStore[U], acc OAuthAccount, in *OAuthSignIn) error {
	acc.AccessToken, acc.ExpiresAt, acc.RefreshToken, acc.AccountEmail = in.AccessToken, in.ExpiresAt, in.RefreshToken, in.AccountEmail
	return store.UpdateOAuthAccount(ctx, acc)
}

// OAuthAssociate links the provider's account to u, the signed-in user, as
// FastAPI Users' oauth_associate_callback does, and returns u as stored. An
// account already linked to u gets its tokens and e-mail updated; one linked
// to another user is refused with ErrOAuthUserAlreadyExists (ours: FastAPI
// Users links it twice). in.AssociateByEmail and in.IsVerifiedByDefault are
// not used.
//
// Errors: ErrOAuthNoEmail, ErrOAuthUserAlreadyExists, ErrNotFound (u was
// deleted), ErrOAuthUnsupported, or the store's own.
func (m *Manager[U]) OAuthAssociate(ctx context.Context, u U, in OAuthSignIn) (U, error) {
	var zero U
	store, err := m.oauthStore()
	if err != nil {
		return zero, err
	}
	if err := m.checkSignIn(ctx, &in); err != nil {
		return zero, err
	}
	id := u.UserBase().ID
	owner, acc, err := store.GetByOAuthAccount(ctx, in.OAuthName, in.AccountID)
	switch {
	case err == nil && owner.UserBase().ID != id:
		m.log.LogAttrs(ctx, slog.LevelWarn, "oauth association refused: account linked to another user",
			slog.String("provider", in.OAuthName), slog.String("user_id", id.String()))
		return zero, ErrOAuthUserAlreadyExists
	case err == nil:
		if err := m.refreshAccount(ctx, store, acc, &in); err != nil {
			return zero, err
		}
		return owner, nil
	case !errors.Is(err, ErrNotFound):
		return zero, err
	}
	if acc, err = m.newAccount(&in, id); err != nil {
		return zero, err
	}
	if err := store.AddOAuthAccount(ctx, acc); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return zero, ErrOAuthUserAlreadyExists
		}
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "oauth account linked", slog.String("provider", in.OAuthName), slog.String("user_id", id.String()))
	return m.store.Get(ctx, id)
}

// OAuthAccounts returns the accounts linked to u. Errors:
// ErrOAuthUnsupported or the store's own.
func (m *Manager[U]) OAuthAccounts(ctx context.Context, u U) ([]OAuthAccount, error) {
	store, err := m.oauthStore()
	if err != nil {
		return nil, err
	}
	return store.OAuthAccounts(ctx, u.UserBase().ID)
}

// UnlinkOAuthAccounts removes u's accounts at the provider oauthName, unless
// that would leave u with no way to sign in: no password (see
// UnusablePassword) and no other linked account. The check and the removal
// are atomic in the store. Errors: ErrNotFound (no such account),
// ErrLastSignInMethod, ErrOAuthUnsupported, or the store's own.
func (m *Manager[U]) UnlinkOAuthAccounts(ctx context.Context, u U, oauthName string) error {
	store, err := m.oauthStore()
	if err != nil {
		return err
	}
	id := u.UserBase().ID
	err = store.DeleteOAuthAccounts(ctx, id, oauthName, func(cur U, remaining []OAuthAccount) error {
		if len(remaining) == 0 && IsUnusablePassword(cur.UserBase().HashedPassword) {
			return ErrLastSignInMethod
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "oauth account unlinked", slog.String("provider", oauthName), slog.String("user_id", id.String()))
	return nil
}
