package user

import (
	"context"
	"errors"
	"log/slog"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// Errors of the password-reset and verification flows.
var (
	// ErrBadResetToken: the reset token is malformed, expired, of another
	// purpose, already used (the password changed since it was issued), or
	// names an unknown or inactive user. One error on purpose: the client
	// learns nothing about which.
	ErrBadResetToken = errors.New("user: bad reset password token")
	// ErrBadVerifyToken: the verification token is malformed, expired, of
	// another purpose, names an unknown user, or was issued for an e-mail the
	// user no longer has.
	ErrBadVerifyToken = errors.New("user: bad verification token")
	// ErrAlreadyVerified: the user's e-mail is verified already.
	ErrAlreadyVerified = errors.New("user: already verified")
)

// ForgotPassword issues a password-reset token for the active user with that
// e-mail and hands it to the AfterForgotPassword hook, which delivers it. An
// unknown or inactive e-mail does nothing and is not an error: the caller
// cannot tell the cases apart.
//
// The token, interoperable with FastAPI Users, carries the user id and a
// fingerprint of the stored password hash (a hash of the hash): once the
// password changes, the token is dead, so it works once (OWASP Forgot
// Password Cheat Sheet).
func (m *Manager[U]) ForgotPassword(ctx context.Context, email string) error {
	u, err := m.store.GetByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b := u.UserBase()
	if !b.IsActive {
		return nil
	}
	fingerprint, err := m.hasher.Hash(ctx, b.HashedPassword)
	if err != nil {
		return err
	}
	token, err := m.resetTokens.Sign(auth.Claim{Name: "sub", Value: b.ID.String()}, auth.Claim{Name: "password_fgpt", Value: fingerprint})
	if err != nil {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "password reset requested", slog.String("user_id", b.ID.String()))
	if m.hooks.AfterForgotPassword != nil {
		m.runAfter(ctx, "AfterForgotPassword", b.ID, func() error { return m.hooks.AfterForgotPassword(ctx, u, token) })
	}
	return nil
}

// ResetPassword sets a new password for the user a reset token was issued
// for, and ends every session of the user as Update does for a new
// password. Errors: ErrBadResetToken, *InvalidPasswordError, or the
// hasher's and store's own; once the password is written, one wrapping
// ErrSessionsNotEnded (with the updated user). Two concurrent resets with
// one token cannot both succeed: the write only happens if the stored hash
// is still the one the token's fingerprint matched.
func (m *Manager[U]) ResetPassword(ctx context.Context, token, password string) (U, error) {
	var zero U
	claims, err := m.resetTokens.Parse(token)
	if err != nil {
		return zero, ErrBadResetToken
	}
	sub, _ := claims["sub"].(string)
	fingerprint, _ := claims["password_fgpt"].(string)
	id, err := uuid.Parse(sub)
	if err != nil || fingerprint == "" {
		return zero, ErrBadResetToken
	}
	u, err := m.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return zero, ErrBadResetToken
	}
	if err != nil {
		return zero, err
	}
	b := u.UserBase()
	seen := b.HashedPassword
	// The stored hash is the "password" and the fingerprint the "hash", as
	// FastAPI Users checks it.
	ok, _, err := m.hasher.Verify(ctx, seen, fingerprint)
	if errors.Is(err, auth.ErrMalformedHash) {
		return zero, ErrBadResetToken
	}
	if err != nil {
		return zero, err
	}
	if !ok || !b.IsActive {
		return zero, ErrBadResetToken
	}
	if err := m.ValidatePassword(ctx, password, u); err != nil {
		return zero, err
	}
	hash, err := m.hasher.Hash(ctx, password)
	if err != nil {
		return zero, err
	}
	updated, err := m.store.Update(ctx, id, func(cur U) error {
		cb := cur.UserBase()
		if cb.HashedPassword != seen || !cb.IsActive {
			return ErrBadResetToken
		}
		cb.HashedPassword = hash
		endAllInRecord(cb)
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return zero, ErrBadResetToken
	}
	if err != nil {
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "password reset", slog.String("user_id", id.String()))
	err = m.endAll(ctx, id, "password reset")
	m.after(ctx, "AfterResetPassword", id, m.hooks.AfterResetPassword, updated)
	return updated, err
}

// RequestVerify issues an e-mail verification token for the active,
// unverified user with that e-mail and hands it to the AfterRequestVerify
// hook. An unknown, inactive or already verified e-mail does nothing and is
// not an error. The token carries the user id and the e-mail, so it dies when
// the e-mail changes.
func (m *Manager[U]) RequestVerify(ctx context.Context, email string) error {
	u, err := m.store.GetByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b := u.UserBase()
	if !b.IsActive || b.IsVerified {
		return nil
	}
	token, err := m.verifyTokens.Sign(auth.Claim{Name: "sub", Value: b.ID.String()}, auth.Claim{Name: "email", Value: b.Email})
	if err != nil {
		return err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "verification requested", slog.String("user_id", b.ID.String()))
	if m.hooks.AfterRequestVerify != nil {
		m.runAfter(ctx, "AfterRequestVerify", b.ID, func() error { return m.hooks.AfterRequestVerify(ctx, u, token) })
	}
	return nil
}

// Verify marks the user a verification token was issued for as verified.
// Errors: ErrBadVerifyToken, ErrAlreadyVerified, or the store's own. As in
// FastAPI Users, the user is found by the token's e-mail (compared by
// EmailKey) and must have the token's id: a token issued before the e-mail
// changed is refused.
func (m *Manager[U]) Verify(ctx context.Context, token string) (U, error) {
	var zero U
	claims, err := m.verifyTokens.Parse(token)
	if err != nil {
		return zero, ErrBadVerifyToken
	}
	sub, _ := claims["sub"].(string)
	email, _ := claims["email"].(string)
	id, err := uuid.Parse(sub)
	if err != nil || email == "" {
		return zero, ErrBadVerifyToken
	}
	u, err := m.store.GetByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return zero, ErrBadVerifyToken
	}
	if err != nil {
		return zero, err
	}
	if u.UserBase().ID != id {
		return zero, ErrBadVerifyToken
	}
	key := EmailKey(email)
	updated, err := m.store.Update(ctx, id, func(cur U) error {
		cb := cur.UserBase()
		if EmailKey(cb.Email) != key {
			return ErrBadVerifyToken
		}
		if cb.IsVerified {
			return ErrAlreadyVerified
		}
		cb.IsVerified = true
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return zero, ErrBadVerifyToken
	}
	if err != nil {
		return zero, err
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "e-mail verified", slog.String("user_id", id.String()))
	m.after(ctx, "AfterVerify", id, m.hooks.AfterVerify, updated)
	return updated, nil
}
