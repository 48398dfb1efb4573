package user

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Passkey is a WebAuthn credential a user registered: what the relying
// party keeps of it to verify the user's sign-ins (WebAuthn Level 3
// section 4, credential record). None of it is secret: the private key
// never leaves the authenticator.
type Passkey struct {
	// ID identifies the passkey in routes (DELETE
	// /users/me/passkeys/{id}); ours, not the authenticator's.
	ID uuid.UUID
	// UserID is the user who registered it.
	UserID uuid.UUID
	// Name is the user's label for it ("MacBook", "YubiKey").
	Name string
	// CredentialID is the authenticator's id of the credential (at most
	// 1023 bytes), unique across all users.
	CredentialID []byte
	// PublicKey is the credential's public key, a COSE_Key.
	PublicKey []byte
	// SignCount is the signature counter at the last use; 0 for
	// authenticators without one.
	SignCount uint32
	// AAGUID identifies the authenticator's model, or is all zero.
	AAGUID uuid.UUID
	// Transports are how a browser can reach the authenticator ("usb",
	// "internal", "hybrid"...).
	Transports []string
	// BackupEligible reports whether the credential may sync between
	// devices; it never changes.
	BackupEligible bool
	// BackupState reports whether it is synced, as of the last use.
	BackupState bool
	// CreatedAt is when it was registered.
	CreatedAt time.Time
	// LastUsedAt is when it last signed the user in; zero if never.
	LastUsedAt time.Time
}

// PasskeyUse is what one verified sign-in changes in a passkey.
type PasskeyUse struct {
	// SignCount is the counter the authenticator reported.
	SignCount uint32
	// BackupState is the credential's backup state now.
	BackupState bool
	// UsedAt is when it was used.
	UsedAt time.Time
}

// ErrSignCountNotIncreased is returned by PasskeyStore.RecordPasskeyUse
// when the stored signature counter is not below the new one (and they are
// not both zero): another sign-in with the same counter, or a higher one,
// was recorded first, which only a cloned authenticator or a replayed
// assertion produces (WebAuthn Level 3 section 6.1.1). Nothing is written;
// the sign-in is refused.
var ErrSignCountNotIncreased = errors.New("user: passkey signature counter did not increase")

// PasskeyStore is the persistence of users' passkeys, a capability a user
// Store may have besides Store[U], as OAuthStore is; the passkey routes need
// it. store/memory and store/sqlstore implement it, and store/storetest
// holds its conformance suite (RunPasskeys).
//
// Passkeys are unique by ID and by CredentialID, across all users, enforced
// atomically by the store (unique indexes, or a check under the lock that
// writes), never by a read followed by a write. Deleting a user deletes
// its passkeys. Values are copied in and out: a Passkey returned may be
// modified, and one passed in kept, without either side seeing the other's
// changes; nil and empty Transports are alike. Times are kept to the
// microsecond, in UTC. All methods are safe for concurrent use.
type PasskeyStore interface {
	// AddPasskey stores p for the user p.UserID. It returns
	// ErrAlreadyExists if p.ID or p.CredentialID is taken, by any user, and
	// ErrNotFound if there is no such user. Nothing is written then.
	AddPasskey(ctx context.Context, p Passkey) error

	// Passkeys returns the user's passkeys, oldest first (by CreatedAt,
	// then ID); none (and no error) for an unknown user.
	Passkeys(ctx context.Context, userID uuid.UUID) ([]Passkey, error)

	// PasskeyByCredentialID returns the passkey whose CredentialID is
	// credentialID, whoever's it is, or ErrNotFound.
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)

	// CountPasskeys returns how many passkeys the user has; 0 for an
	// unknown user.
	CountPasskeys(ctx context.Context, userID uuid.UUID) (int, error)

	// RecordPasskeyUse records a verified sign-in with the user's passkey
	// credentialID: SignCount, BackupState and LastUsedAt take use's
	// values, in one atomic compare-and-set on the counter, so that of two
	// concurrent sign-ins that verified against the same stored counter
	// only one is recorded. It returns ErrSignCountNotIncreased, writing
	// nothing, unless the stored counter is below use.SignCount or both
	// are zero; ErrNotFound if the user has no such passkey.
	RecordPasskeyUse(ctx context.Context, userID uuid.UUID, credentialID []byte, use PasskeyUse) error

	// RenamePasskey sets the Name of the user's passkey id, or returns
	// ErrNotFound when the user has no passkey with that id.
	RenamePasskey(ctx context.Context, userID, id uuid.UUID, name string) error

	// DeletePasskey removes the user's passkey id, or returns ErrNotFound
	// when the user has no passkey with that id (another user's passkey
	// included: it is left alone).
	DeletePasskey(ctx context.Context, userID, id uuid.UUID) error
}
