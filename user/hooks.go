package user

import "context"

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
type Hooks[U Model] struct {
	// ValidatePassword adds the host's rules to the default policy (length
	// only). It runs on registration and password changes, after the default
	// policy passed. u is the user the password is for; on registration it
	// has no id yet.
	ValidatePassword func(ctx context.Context, password string, u U) error

	// AfterRegister runs after a user was created.
	AfterRegister func(ctx context.Context, u U) error
	// AfterLogin runs after a successful login, before the response is
	// written. A refresh-token exchange is not a login and does not run it.
	AfterLogin func(ctx context.Context, u U) error
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
