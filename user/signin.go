package user

import (
	"context"
	"log/slog"
	"strings"
)

// SignIn says how a user proved who they are, for CheckSignIn.
type SignIn int

const (
	// SignInPassword is a login with the e-mail and password.
	SignInPassword SignIn = iota + 1
	// SignInOAuth is an identity provider's callback vouching for the user.
	SignInOAuth
	// SignInRefresh is a refresh token exchanged for a new access token:
	// the session continues rather than begins.
	SignInRefresh
	// SignInPasskey is a verified passkey assertion, passwordless: a
	// possession factor with the user verified on the device, so two
	// factors in one (NIST SP 800-63B rev. 4, multi-factor cryptographic
	// authenticator) and no second step after it.
	SignInPasskey
)

func (s SignIn) String() string {
	switch s {
	case SignInPassword:
		return "password"
	case SignInOAuth:
		return "oauth"
	case SignInRefresh:
		return "refresh"
	case SignInPasskey:
		return "passkey"
	}
	return "unknown"
}

// SecondFactorRequiredError is the answer of CheckSignIn to a user who
// proved the first factor (a password, an identity provider) and has a
// second one: no session yet, but a second step by one of Methods
// (MethodTOTP, MethodRecoveryCode, MethodPasskey). The caller issues a
// login ticket (IssueLoginTicket) and answers LOGIN_2FA_REQUIRED.
type SecondFactorRequiredError struct {
	Methods []string
}

func (e *SecondFactorRequiredError) Error() string {
	return "user: a second factor is required: " + strings.Join(e.Methods, ", ")
}

// CheckSignIn is the one rule of who may be given a session, which every way
// in applies: password login (through Authenticate), both OAuth callbacks
// (through OAuthCallback), the exchange of a refresh token, a passkey
// sign-in, and any host code that issues tokens itself. It returns nil when
// u may have a session, ErrInvalidCredentials when u is inactive (the
// answer of a wrong password, so that a login reveals nothing more),
// ErrNotVerified when the Manager requires verification
// (ManagerOptions.RequireVerification) and u has not verified the address,
// and, for a password or OAuth sign-in of a user with a second factor, a
// *SecondFactorRequiredError naming the methods this Manager can complete:
// TOTP and recovery codes when they are configured (TwoFactorReady),
// passkeys when those are (PasskeysReady). A refresh continues a session
// that passed it already; a passkey is two factors itself. Refusals are
// logged as security events, with the user id and how they came.
func (m *Manager[U]) CheckSignIn(ctx context.Context, u U, how SignIn) error {
	b := u.UserBase()
	switch {
	case !b.IsActive:
		m.log.LogAttrs(ctx, slog.LevelInfo, "sign-in refused", slog.String("reason", "inactive"),
			slog.String("method", how.String()), slog.String("user_id", b.ID.String()))
		return ErrInvalidCredentials
	case m.requireVerification && !b.IsVerified:
		m.log.LogAttrs(ctx, slog.LevelInfo, "sign-in refused", slog.String("reason", "not verified"),
			slog.String("method", how.String()), slog.String("user_id", b.ID.String()))
		return ErrNotVerified
	}
	if how != SignInPassword && how != SignInOAuth {
		return nil
	}
	// TwoFactorReady() == nil and PasskeysReady() == nil, without making
	// their errors on every sign-in of a Manager that lacks them.
	codes, keys := m.tf.missing == "", m.pk.on()
	if !codes && !keys {
		return nil
	}
	all, err := m.SecondFactors(ctx, u)
	if err != nil {
		return err
	}
	// Only the methods the Manager can complete: a factor whose
	// configuration was turned off is off for everyone.
	var methods []string
	for _, method := range all {
		if method == MethodPasskey && keys || method != MethodPasskey && codes {
			methods = append(methods, method)
		}
	}
	if len(methods) > 0 {
		m.log.LogAttrs(ctx, slog.LevelInfo, "second factor required",
			slog.String("method", how.String()), slog.String("user_id", b.ID.String()))
		return &SecondFactorRequiredError{Methods: methods}
	}
	return nil
}

// RequiresVerification reports whether only verified users may sign in
// (ManagerOptions.RequireVerification).
func (m *Manager[U]) RequiresVerification() bool { return m.requireVerification }
