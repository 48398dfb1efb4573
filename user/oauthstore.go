package user

import (
	"context"

	"github.com/google/uuid"
)

// OAuthAccount is an account at an identity provider linked to a user: a row
// of FastAPI Users' oauth_account table. The provider's tokens are kept so a
// host can call the provider's API on the user's behalf; they never appear in
// an HTTP answer.
type OAuthAccount struct {
	// ID identifies the link itself.
	ID uuid.UUID
	// OAuthName is the provider's name (oauth.Provider.Name), "github" or
	// "google" for instance.
	OAuthName string
	// AccessToken is the provider's access token.
	AccessToken string
	// ExpiresAt is when AccessToken expires, in seconds since the Unix
	// epoch; nil when the provider did not say.
	ExpiresAt *int64
	// RefreshToken is the provider's refresh token; nil when it issued none.
	RefreshToken *string
	// AccountID is the provider's stable id of the account (OpenID sub,
	// GitHub's numeric id). (OAuthName, AccountID) is unique: one account
	// at a provider is linked to at most one user.
	AccountID string
	// AccountEmail is the account's e-mail address as the provider gave it
	// at the last sign-in.
	AccountEmail string
	// UserID is the user the account is linked to.
	UserID uuid.UUID
}

// OAuthStore is the persistence of linked OAuth accounts, a capability a
// user Store may have besides Store[U]; the OAuth routes need it, and
// usersauth.New refuses to configure them over a store without it.
// store/memory and store/sqlstore implement it, and store/storetest holds its
// conformance suite.
//
// Accounts are unique by (OAuthName, AccountID), enforced atomically by the
// store (a unique index, or a check under the lock that writes), never by a
// read followed by a write. Deleting a user deletes its accounts. Values are
// copied in and out, as for Store. All methods are safe for concurrent use.
type OAuthStore[U Model] interface {
	// GetByOAuthAccount returns the user linked to the account accountID at
	// the provider oauthName, with the account, or ErrNotFound.
	GetByOAuthAccount(ctx context.Context, oauthName, accountID string) (U, OAuthAccount, error)

	// OAuthAccounts returns the accounts linked to the user, ordered by
	// OAuthName then AccountID; none (and no error) for an unknown user.
	OAuthAccounts(ctx context.Context, userID uuid.UUID) ([]OAuthAccount, error)

	// AddOAuthAccount links acc to the user acc.UserID. It returns
	// ErrAlreadyExists if (acc.OAuthName, acc.AccountID) is linked already,
	// to any user, or acc.ID is taken; ErrNotFound if there is no such
	// user. Nothing is written then.
	AddOAuthAccount(ctx context.Context, acc OAuthAccount) error

	// UpdateOAuthAccount replaces the tokens (AccessToken, ExpiresAt,
	// RefreshToken) and AccountEmail of the account acc.ID linked to
	// acc.UserID, or returns ErrNotFound. The other fields are not changed.
	UpdateOAuthAccount(ctx context.Context, acc OAuthAccount) error

	// CreateWithOAuthAccount creates the user u and links acc to it in one
	// atomic step: either both are stored or neither is (no user without
	// its account, so a failed sign-up can be retried). acc.UserID must be
	// u's id. It returns ErrAlreadyExists if the user's id or e-mail key,
	// the account's (OAuthName, AccountID) or its ID is taken.
	CreateWithOAuthAccount(ctx context.Context, u U, acc OAuthAccount) error

	// DeleteOAuthAccounts unlinks every account of the user at the provider
	// oauthName. Before anything is deleted, check, when not nil, is called
	// with the user and the accounts that would remain; if it returns an
	// error, nothing is deleted and that error is returned as is. The read,
	// the check and the deletion are atomic with respect to every other
	// write to the user and its accounts, so two concurrent unlinks cannot
	// both pass a check that only one of them should. It returns
	// ErrNotFound if the user has no account at that provider. check runs
	// inside the store's transaction or lock: it must be quick and must not
	// call the store.
	DeleteOAuthAccounts(ctx context.Context, userID uuid.UUID, oauthName string, check func(u U, remaining []OAuthAccount) error) error
}
