package user

import "errors"

// Sentinel errors of the store contract and of the Manager. Compare with
// errors.Is; they may be wrapped.
var (
	// ErrNotFound: no user matches (Store, Manager).
	ErrNotFound = errors.New("user: not found")
	// ErrAlreadyExists: a user with that e-mail key (or id) exists (Store, Manager).
	ErrAlreadyExists = errors.New("user: already exists")
	// ErrInvalidCredentials: unknown e-mail, wrong password or inactive
	// user at login. The three cases are one error on purpose (OWASP
	// Authentication Cheat Sheet: generic error messages).
	ErrInvalidCredentials = errors.New("user: invalid credentials")
	// ErrNotVerified: the password was right but verification is required
	// and the user has not verified the address.
	ErrNotVerified = errors.New("user: not verified")
	// ErrUnavailable is wrapped by a Store's error when the store cannot be
	// reached or cannot serve now (a connection refused or lost, the
	// database shutting down or out of connections, a lock held too long):
	// the HTTP layer answers 503 with Retry-After, and the same request may
	// work once the store is back.
	ErrUnavailable = errors.New("user: store unavailable")
)

// InvalidPasswordError reports a password the policy refused. Reason is
// written for the end user and reaches the client unchanged.
type InvalidPasswordError struct {
	Reason string
}

func (e *InvalidPasswordError) Error() string { return "user: invalid password: " + e.Reason }

// InvalidPassword returns an *InvalidPasswordError with the given reason. A
// password validation hook returns it to refuse a password.
func InvalidPassword(reason string) error { return &InvalidPasswordError{Reason: reason} }

// RejectedError is returned by a hook that refuses an operation with a
// machine-readable code, for example a BeforeDelete hook protecting the last
// administrator. The HTTP layer answers 400 {"detail": Code}.
type RejectedError struct {
	Code string
}

func (e *RejectedError) Error() string { return "user: rejected: " + e.Code }

// Reject returns a *RejectedError with the given code.
func Reject(code string) error { return &RejectedError{Code: code} }
