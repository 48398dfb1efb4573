package user

import (
	"context"
	"errors"
	"log/slog"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// loginCheck is what checking a login's credentials found.
type loginCheck[U Model] struct {
	user   U
	userID uuid.UUID // uuid.Nil when no user was found
	// rehash: the password is right and the stored hash should be
	// replaced by one with the current parameters.
	rehash bool
	// failure is why the credentials were refused, "" when they were not.
	failure LoginFailure
}

// checkLogin checks email and password against the store. When the hasher
// is a SlotHasher, the slot is taken before the store read and released
// before checkLogin returns, so that what follows (hooks, the hash upgrade,
// which takes a slot of its own) never holds it. Refused credentials are
// ErrInvalidCredentials with c.failure set; any other error (the hasher's
// auth.ErrBusy, the store's, ctx's) leaves c.failure empty, since the
// login was not decided.
func (m *Manager[U]) checkLogin(ctx context.Context, email, password string) (c loginCheck[U], err error) {
	fail := func(reason LoginFailure) (loginCheck[U], error) {
		attrs := []slog.Attr{slog.String("reason", string(reason))}
		if c.userID != uuid.Nil {
			attrs = append(attrs, slog.String("user_id", c.userID.String()))
		}
		m.log.LogAttrs(ctx, slog.LevelInfo, "login failed", attrs...)
		c.failure = reason
		return c, ErrInvalidCredentials
	}
	if len(password) > MaxPasswordBytes {
		// No password this long was ever accepted; refusing it without
		// hashing keeps the cost of a login bounded whatever is sent.
		return fail(LoginPasswordTooLong)
	}
	check, err := beginCheck(ctx, m.hasher)
	if err != nil {
		return c, err
	}
	defer check.release()

	u, err := m.store.GetByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		if err := check.verifyDummy(ctx, password); err != nil {
			return c, err
		}
		return fail(LoginUnknownEmail)
	}
	if err != nil {
		return c, err
	}
	b := u.UserBase()
	c.user, c.userID = u, b.ID
	failure, rehash, err := m.verifyStored(ctx, check, b.ID, password, b.HashedPassword, "login failed: stored password hash is unusable")
	switch {
	case err != nil:
		return c, err
	case failure == LoginUnusableHash:
		// Logged as an error by verifyStored already.
		c.failure = failure
		return c, ErrInvalidCredentials
	case failure != "":
		return fail(failure)
	}
	c.rehash = rehash
	return c, nil
}

// verifyStored checks password against hash, the stored password of the
// user id, at the cost of one verification whatever is stored, and returns
// why it was refused ("" when it is right: then rehash says the hash should
// be replaced). A user without a password (signed up through a provider)
// and an unusable hash fail like a wrong password, at the same cost, so
// that timing singles no account out; an unusable hash is logged as an
// error with msg. err is the hasher's failure, the login undecided.
func (m *Manager[U]) verifyStored(ctx context.Context, check passwordCheck, id uuid.UUID, password, hash, msg string) (failure LoginFailure, rehash bool, err error) {
	if IsUnusablePassword(hash) {
		return LoginNoPassword, false, check.verifyDummy(ctx, password)
	}
	ok, rehash, err := check.verify(ctx, password, hash)
	if errors.Is(err, auth.ErrMalformedHash) {
		// The error says which rule the hash broke (a limit, a format),
		// never the hash.
		m.log.LogAttrs(ctx, slog.LevelError, msg, slog.String("user_id", id.String()), slog.String("error", err.Error()))
		// Refused before any hashing: spend the usual cost.
		return LoginUnusableHash, false, check.verifyDummy(ctx, password)
	}
	if err != nil {
		return "", false, err
	}
	if !ok {
		return LoginWrongPassword, false, nil
	}
	return "", rehash, nil
}

// afterFailedLogin runs the AfterFailedLogin hook, if any. id is the
// user's, uuid.Nil for an unknown e-mail.
func (m *Manager[U]) afterFailedLogin(ctx context.Context, email string, id uuid.UUID, reason LoginFailure) {
	if m.hooks.AfterFailedLogin == nil {
		return
	}
	m.runAfter(ctx, "AfterFailedLogin", id, func() error { return m.hooks.AfterFailedLogin(ctx, email, reason) })
}
