package usersauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// Requirement says what the current user must be for a request to pass.
// Combine with |: RequireUser(Active|Superuser).
type Requirement uint8

const (
	// Active requires an active user; an inactive one is 401.
	Active Requirement = 1 << iota
	// Verified requires a verified user; an unverified one is 403.
	Verified
	// Superuser requires a superuser; anyone else is 403.
	Superuser
	// Optional lets every request through: with the user in the context
	// when one passes the other requirements, without one otherwise.
	Optional

	// enrolling exempts a route from Options.RequireTwoFactor: the routes a
	// user needs to enrol a second factor (GET /users/me, logout and the
	// enrolment routes).
	enrolling Requirement = 1 << 7
)

// session is what authentication found: the user, the token, the backend
// whose transport carried it, and the session the token belongs to
// (uuid.Nil when it is not a listable one).
type session[U user.Model] struct {
	user      U
	token     string
	backend   *mounted
	sessionID uuid.UUID
}

// current names s for the Manager's operations that keep the session a
// request is made in.
func (s session[U]) current() user.CurrentSession {
	return user.CurrentSession{ID: s.sessionID, TokenDigest: auth.TokenDigest(s.token)}
}

// userContext is hookContext with s as the current session
// (user.WithCurrentSession), for the Manager calls of an authenticated
// request.
func userContext[U user.Model](r *http.Request, s session[U]) context.Context {
	return user.WithCurrentSession(hookContext(r), s.current())
}

// authenticate finds the current user: the first backend, in configured
// order, whose transport finds a token that its strategy resolves to an
// existing user, and that passes the strategy's check against that user
// (backend.TokenInfo.Allows, or backend.UserBound: what the user record
// says of a JWT's sessions). ErrUnauthorized when there is none.
func (a *UsersAuth[U]) authenticate(r *http.Request) (session[U], error) {
	ctx := r.Context()
	for _, m := range a.backends {
		token, ok := m.Transport.Token(r)
		if !ok {
			continue
		}
		var info backend.TokenInfo
		var err error
		if m.reader != nil {
			info, err = m.reader.ReadSession(ctx, token)
		} else {
			info.UserID, err = m.Strategy.ReadToken(ctx, token)
		}
		if errors.Is(err, backend.ErrInvalidToken) {
			continue
		}
		if err != nil {
			return session[U]{}, err
		}
		u, err := a.manager.Get(ctx, info.UserID)
		if errors.Is(err, user.ErrNotFound) {
			continue
		}
		if err != nil {
			return session[U]{}, err
		}
		switch {
		case m.reader != nil:
			if !info.Allows(u.UserBase()) {
				continue
			}
		case m.bound != nil:
			if !m.bound.CheckUser(token, u.UserBase()) {
				continue
			}
		}
		return session[U]{user: u, token: token, backend: m, sessionID: info.SessionID}, nil
	}
	return session[U]{}, ErrUnauthorized
}

// current authenticates r and checks req. The cross-origin check applies
// when a cookie carried the token and the method changes state: a browser
// attaches cookies to cross-site requests on its own, a bearer header it
// does not (OWASP CSRF Prevention Cheat Sheet).
func (a *UsersAuth[U]) current(r *http.Request, req Requirement) (session[U], error) {
	s, err := a.authenticate(r)
	if err == nil {
		err = a.check(r, s, req)
	}
	if err == nil && a.requireTwoFactor != nil && req&enrolling == 0 {
		err = a.checkTwoFactor(r, s)
	}
	if err != nil && req&Optional != 0 && (errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden) || errors.Is(err, errTwoFactorRequired)) {
		return session[U]{}, nil
	}
	return s, err
}

// checkTwoFactor refuses a user Options.RequireTwoFactor names until they
// have a second factor. Only such users cost the lookup.
func (a *UsersAuth[U]) checkTwoFactor(r *http.Request, s session[U]) error {
	if !a.requireTwoFactor(s.user) {
		return nil
	}
	st, err := a.manager.TwoFactorStatus(r.Context(), s.user)
	if err != nil {
		return err
	}
	if !st.Any() {
		return errTwoFactorRequired
	}
	return nil
}

func (a *UsersAuth[U]) check(r *http.Request, s session[U], req Requirement) error {
	b := s.user.UserBase()
	switch {
	case req&Active != 0 && !b.IsActive:
		return ErrUnauthorized
	case req&Verified != 0 && !b.IsVerified:
		return ErrForbidden
	case req&Superuser != 0 && !b.IsSuperuser:
		return ErrForbidden
	}
	if s.backend.Transport.CookieBased() {
		return a.checkOrigin(r)
	}
	return nil
}

// checkOrigin runs the cross-origin check (http.CrossOriginProtection) on a
// request authenticated, or to be authenticated, by a cookie, and logs a
// refusal with what the browser said: a legitimate frontend refused because
// its origin is not among Options.TrustedOrigins is found in the log rather
// than guessed from a bare 403 (OWASP Logging Cheat Sheet: log access
// control failures). At Info: a browser's cross-site request is an event
// worth seeing, not an error of the service. Cookies, tokens and the query
// are never logged.
func (a *UsersAuth[U]) checkOrigin(r *http.Request) error {
	if a.csrf == nil {
		return nil
	}
	err := a.csrf.Check(r)
	if err == nil {
		return nil
	}
	// hookContext: the log line gets the client address and user agent.
	a.log.LogAttrs(hookContext(r), slog.LevelInfo, "cross-origin request refused",
		slog.String("method", r.Method), slog.String("path", truncateUTF8(r.URL.Path, maxLoggedHeader)),
		slog.String("sec_fetch_site", truncateUTF8(r.Header.Get("Sec-Fetch-Site"), maxLoggedHeader)),
		slog.String("origin", truncateUTF8(r.Header.Get("Origin"), maxLoggedHeader)),
		slog.String("host", truncateUTF8(r.Host, maxLoggedHeader)),
		slog.String("reason", err.Error()))
	return ErrForbidden
}

// maxLoggedHeader bounds a client-chosen value in a log line, in bytes.
const maxLoggedHeader = 256

// CurrentUser authenticates r and checks req, without writing anything: the
// check behind RequireUser, for hosts that decide themselves what to answer.
// It returns ErrUnauthorized or ErrForbidden when r does not pass, any other
// error when a store or strategy failed; with Optional, a request that does
// not pass gives the zero U and no error.
func (a *UsersAuth[U]) CurrentUser(r *http.Request, req Requirement) (U, error) {
	s, err := a.current(r, req)
	return s.user, err
}

// RequireUser returns middleware that lets a request through only when its
// current user meets req, and puts that user in the request's context for
// UserFrom. Otherwise it answers 401 or 403 in the contract's format. With
// RequireVerification set in Options, Verified is implied.
func (a *UsersAuth[U]) RequireUser(req Requirement) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, err := a.Authenticate(r, req)
			if err != nil {
				a.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Authenticate is RequireUser's check, for routers whose middleware is not
// func(http.Handler) http.Handler (gin, for one): when the current user of r
// meets req, it returns r with that user in its context, for UserFrom;
// otherwise ErrUnauthorized or ErrForbidden, or the failure of a store or
// strategy, which WriteError answers as RequireUser would. With Optional, a
// request without such a user passes as it is. With RequireVerification set
// in Options, Verified is implied.
//
//	r, err := ua.Authenticate(c.Request, usersauth.Active)
//	if err != nil {
//		ua.WriteError(c.Writer, c.Request, err)
//		c.Abort()
//		return
//	}
//	c.Request = r
func (a *UsersAuth[U]) Authenticate(r *http.Request, req Requirement) (*http.Request, error) {
	if a.manager.RequiresVerification() {
		req |= Verified
	}
	s, err := a.current(r, req)
	if err != nil {
		return r, err
	}
	if s.backend != nil {
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, s.user))
	}
	return r, nil
}

// WriteError answers err in the contract's format, as the library's routes
// and RequireUser answer it: ErrUnauthorized is 401 {"detail":
// "Unauthorized"}, ErrForbidden 403 {"detail": "Forbidden"}, the errors of
// the Manager their route-independent answers (user.ErrNotFound is 404,
// user.ErrInvalidCredentials 400 LOGIN_BAD_CREDENTIALS), a saturated hashing
// pool 503 with Retry-After. Any other error is a 500 whose body reveals
// nothing; its text is logged, so it must hold no secret.
func (a *UsersAuth[U]) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	a.writeError(w, r, opOther, err)
}

type userKey struct{}

// UserFrom returns the user RequireUser put in ctx, and false when there is
// none (an Optional route without a user, or a handler RequireUser does not
// wrap). U must be the type the UsersAuth was built with.
func UserFrom[U user.Model](ctx context.Context) (U, bool) {
	u, ok := ctx.Value(userKey{}).(U)
	return u, ok
}

type requestKey struct{}

// RequestFrom returns the HTTP request a hook was called for, when the call
// came from one of the library's routes.
func RequestFrom(ctx context.Context) (*http.Request, bool) {
	r, ok := ctx.Value(requestKey{}).(*http.Request)
	return r, ok
}

// hookContext is the context hooks receive: the request's, with the request
// reachable through RequestFrom.
func hookContext(r *http.Request) context.Context {
	return context.WithValue(r.Context(), requestKey{}, r)
}
