package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"

	"github.com/google/uuid"
)

// Hooks are the host's callbacks into the user lifecycle, the counterparts of
// FastAPI Users' on_after_* methods. Every field is optional. The context is
// the request's; usersauth.RequestFrom(ctx) returns the *http.Request when the
// call comes from an HTTP route.
//
// Errors from After* hooks are logged and never change the response: the
// operation has already happened and cannot be undone. An error from
// BeforeDelete aborts the deletion; return Reject(code) to answer 400 with
// that code, any other error answers 500. ValidatePassword refuses a password
// by returning InvalidPassword(reason); the reason reaches the client, any
// other error answers 500.
//
// A hook that panics is recovered and logged with its name and stack (the
// panic value is left out unless it is a runtime error: it may hold
// anything). A panicking After* hook, AfterFailedLogin included, is then
// handled as a failing one: the operation stands and the answer is
// unchanged. A panicking BeforeDelete or ValidatePassword is an error
// wrapping ErrHookPanicked, handled as any error that is not a refusal:
// the user is not deleted, the password is not set, and the route answers
// 500.
type Hooks[U Model] struct {
	// ValidatePassword adds the host's rules to the default policy
	// (PasswordPolicy). It runs on registration and password changes, after
	// the default policy passed. u is the user the password is for; on
	// registration it has no id yet.
	ValidatePassword func(ctx context.Context, password string, u U) error

	// AfterRegister runs after a user was created.
	AfterRegister func(ctx context.Context, u U) error
	// AfterLogin runs after a successful login, before the response is
	// written. A refresh-token exchange is not a login and does not run it.
	AfterLogin func(ctx context.Context, u U) error
	// AfterFailedLogin runs after every failed password login
	// (Authenticate), whatever the cause: email is the username as the
	// client sent it (compare it by EmailKey: it may not be an address at
	// all), reason says why (a LoginFailure). The password is never
	// passed. It runs on the request path, before the answer, for every
	// failure alike; keep it quick. A login refused before any check
	// (throttled, or auth.ErrBusy from a saturated hashing pool) did not
	// fail and does not run it. FastAPI Users #1391.
	AfterFailedLogin func(ctx context.Context, email string, reason LoginFailure) error
	// AfterUpdate runs after a user was updated; changed lists the JSON
	// names of the fields that were set ("password" for a password change;
	// the value itself is never passed).
	AfterUpdate func(ctx context.Context, u U, changed []string) error
	// BeforeDelete runs before a user is deleted and may refuse.
	BeforeDelete func(ctx context.Context, u U) error
	// AfterDelete runs after a user was deleted.
	AfterDelete func(ctx context.Context, u U) error

	// AfterForgotPassword receives a password-reset token to deliver to
	// the user, typically by e-mail as a link to the frontend's reset page.
	// It runs off the request path: POST /auth/forgot-password has already
	// answered 202.
	AfterForgotPassword func(ctx context.Context, u U, token string) error
	// AfterResetPassword runs after a password was reset with a token.
	AfterResetPassword func(ctx context.Context, u U) error
	// AfterRequestVerify receives an e-mail verification token to deliver
	// to the user. Like AfterForgotPassword it runs off the request path.
	AfterRequestVerify func(ctx context.Context, u U, token string) error
	// AfterVerify runs after a user verified their e-mail.
	AfterVerify func(ctx context.Context, u U) error
}

// LoginFailure says why a password login failed: the reason given to
// Hooks.AfterFailedLogin and written in the security log. The client is
// told none of it: every failure but LoginNotVerified answers as a wrong
// password (OWASP Authentication Cheat Sheet: generic error messages).
type LoginFailure string

// The reasons of a failed password login. The last two come after a right
// password.
const (
	// LoginUnknownEmail: no user has that e-mail.
	LoginUnknownEmail LoginFailure = "unknown_email"
	// LoginWrongPassword: the password does not match the stored hash.
	LoginWrongPassword LoginFailure = "wrong_password"
	// LoginPasswordTooLong: the password is longer than MaxPasswordBytes,
	// so it matches nothing; it is refused before the user is looked up.
	LoginPasswordTooLong LoginFailure = "password_too_long"
	// LoginNoPassword: the user has no password (UnusablePassword), such
	// as one who signed up through an identity provider.
	LoginNoPassword LoginFailure = "no_password"
	// LoginUnusableHash: the stored hash cannot be verified: malformed, of
	// an unsupported scheme, or costlier than the hasher's limits
	// (auth.Limits), as an imported or planted hash may be.
	LoginUnusableHash LoginFailure = "unusable_hash"
	// LoginInactive: the user is inactive (CheckSignIn).
	LoginInactive LoginFailure = "inactive"
	// LoginNotVerified: the Manager requires a verified address and the
	// user has not verified it (ErrNotVerified).
	LoginNotVerified LoginFailure = "not_verified"
)

// ErrHookPanicked is wrapped by the error of an operation whose
// BeforeDelete or ValidatePassword hook panicked: the operation was not
// done, and the HTTP layer answers 500 as for any unexpected error.
var ErrHookPanicked = errors.New("user: hook panicked")

// hookPanic is the error of a recovered hook panic. Its type tells it from
// any error a hook returns.
type hookPanic struct{ hook string }

func (e *hookPanic) Error() string { return e.hook + " hook: " + ErrHookPanicked.Error() }
func (e *hookPanic) Unwrap() error { return ErrHookPanicked }

// callHook runs call, the host's hook named name, and returns its error. A
// panic is recovered, logged, and returned as an error wrapping
// ErrHookPanicked: a host's bug must not crash a background task or leave
// an operation half done. id is the user's, or uuid.Nil when there is none.
func (m *Manager[U]) callHook(ctx context.Context, name string, id uuid.UUID, call func() error) (err error) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		attrs := hookAttrs(name, id)
		// As the router's recover: the panic value may hold secrets;
		// only a runtime error's text is known to be safe.
		if re, ok := p.(runtime.Error); ok {
			attrs = append(attrs, slog.String("error", re.Error()))
		}
		attrs = append(attrs, slog.String("stack", string(debug.Stack())))
		m.log.LogAttrs(ctx, slog.LevelError, "hook panicked", attrs...)
		err = &hookPanic{hook: name}
	}()
	return call()
}

// hookAttrs are the log attributes that name a hook call: the hook, and
// the user when there is one (id is uuid.Nil when there is none).
func hookAttrs(name string, id uuid.UUID) []slog.Attr {
	attrs := []slog.Attr{slog.String("hook", name)}
	if id != uuid.Nil {
		attrs = append(attrs, slog.String("user_id", id.String()))
	}
	return attrs
}

// runAfter runs an After* hook, whose failure or panic can only be logged:
// the operation has happened.
func (m *Manager[U]) runAfter(ctx context.Context, name string, id uuid.UUID, call func() error) {
	err := m.callHook(ctx, name, id, call)
	if _, panicked := err.(*hookPanic); err != nil && !panicked {
		m.hookFailed(ctx, name, id, err)
	}
}

// validationHook runs the ValidatePassword hook, if any.
func (m *Manager[U]) validationHook(ctx context.Context, password string, u U) error {
	if m.hooks.ValidatePassword == nil {
		return nil
	}
	err := m.callHook(ctx, "ValidatePassword", u.UserBase().ID, func() error { return m.hooks.ValidatePassword(ctx, password, u) })
	if _, panicked := err.(*hookPanic); err != nil && !panicked {
		return fmt.Errorf("password validation hook: %w", err)
	}
	return err
}
