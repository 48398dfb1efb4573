// Package usersauth gives a net/http service user registration,
// authentication and management, speaking the HTTP dialect of FastAPI Users:
// a frontend, a mobile app or a test suite written for a FastAPI Users
// backend works against it unchanged, and its tokens and password hashes
// carry over.
//
// A host builds a UsersAuth with New around its user store and a list of
// named authentication backends, mounts its handlers, and wraps its own
// handlers with RequireUser:
//
//	ua, err := usersauth.New(usersauth.Options[*user.User]{
//		Store:  memory.New[*user.User](),
//		Secret: secret,
//		Backends: []backend.Backend{
//			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
//		},
//	})
//	mux := http.NewServeMux()
//	ua.Mount(mux)
//	mux.Handle("GET /notes", ua.RequireUser(usersauth.Active)(notes))
//
// The user type is the host's: any struct embedding user.Base, used through a
// pointer (*user.User, or *Member for a host's own type). Its own fields flow
// through registration, reads and PATCH as JSON.
package usersauth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/user"
)

// UsersAuth is the library built around one user store and its backends. It
// is safe for concurrent use; build one per process (or more: instances do
// not share state).
type UsersAuth[U user.Model] struct {
	manager           *user.Manager[U]
	backends          []*mounted // in configured order
	schema            *user.Schema
	csrf              *http.CrossOriginProtection
	log               *slog.Logger
	userReq, superReq Requirement
	background        *background
	limiter           *limiter
	oauth             *oauthSetup // nil without OAuth
	prefix            string      // Options.PathPrefix
	// listUsers: the store pages through users (user.UserLister), so GET
	// /users is served.
	listUsers bool
	rand      io.Reader
	// requireCurrentPassword: see Options.RequireCurrentPassword.
	requireCurrentPassword bool
	// twoFactor is Options.TwoFactor, nil when second factors are off;
	// requireTwoFactor is Options.RequireTwoFactor.
	twoFactor        *TwoFactor
	requireTwoFactor func(U) bool
	// passkeys is Options.Passkeys, nil when passkeys are off.
	passkeys passkey.RelyingParty
}

// New checks opts and builds a UsersAuth. It fails on a missing store, a
// secret shorter than MinSecretLength, a PathPrefix that is not a clean
// absolute path, no backends, a backend without a
// name, transport or strategy, two backends with one name, a backend whose
// configuration is invalid (backend.Validator, the refresh configuration
// included), refresh tokens on a transport that cannot carry them, a user
// type that does not embed user.Base, or an OAuth configuration that cannot
// work (see OAuthProvider; a store without user.OAuthStore among others).
//
// New also wires the sessions: when a password is changed or reset, a user
// deactivated or deleted, or POST /auth/{name}/logout-all called, every
// configured strategy that is a backend.Revoker and every refresh store
// revokes the user's tokens (each once, however many backends share it),
// and JWTs die with the user's TokenEpoch; a user's own password change
// spares the session it is made in. The sessions of the strategies that
// are backend.SessionKeepers and of the refresh stores are what the
// session routes list and end.
func New[U user.Model](opts Options[U]) (*UsersAuth[U], error) {
	if opts.Store == nil {
		return nil, errors.New("usersauth: Options.Store is required")
	}
	if len(opts.Secret) < MinSecretLength {
		return nil, fmt.Errorf("usersauth: Options.Secret must be at least %d bytes", MinSecretLength)
	}
	if err := checkPrefix(opts.PathPrefix); err != nil {
		return nil, fmt.Errorf("usersauth: Options.PathPrefix %q: %w", opts.PathPrefix, err)
	}
	backends, err := mountBackends(opts.Backends, opts.PathPrefix)
	if err != nil {
		return nil, err
	}
	schema, err := user.SchemaOf[U]()
	if err != nil {
		return nil, fmt.Errorf("usersauth: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	limiter, err := newLimiter(&opts, log)
	if err != nil {
		return nil, err
	}
	// Every line logged for a request says where it came from.
	log = slog.New(requestLog{log.Handler(), limiter})
	hasher := opts.Hasher
	if hasher == nil {
		h, err := auth.NewPasswordHasher(auth.HasherOptions{Rand: opts.Rand})
		if err != nil {
			return nil, fmt.Errorf("usersauth: %w", err)
		}
		hasher = h
	}
	resetTokens := auth.PurposeToken{Secret: opts.Secret, Audience: auth.ResetPasswordAudience, Lifetime: opts.ResetPasswordTokenLifetime, Now: opts.Now}
	if opts.ResetPasswordTokenSecret != nil {
		resetTokens.Secret = opts.ResetPasswordTokenSecret
	}
	verifyTokens := auth.PurposeToken{Secret: opts.Secret, Audience: auth.VerifyAudience, Lifetime: opts.VerificationTokenLifetime, Now: opts.Now}
	if opts.VerificationTokenSecret != nil {
		verifyTokens.Secret = opts.VerificationTokenSecret
	}
	for _, p := range []*auth.PurposeToken{&resetTokens, &verifyTokens} {
		if p.Lifetime == 0 {
			p.Lifetime = user.DefaultTokenLifetime
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("usersauth: %s tokens: %w", p.Audience, err)
		}
	}
	mo := user.ManagerOptions[U]{
		Store: opts.Store, Hasher: hasher, Hooks: opts.Hooks, Policy: opts.PasswordPolicy, Logger: log, Rand: opts.Rand,
		ResetTokens: resetTokens, VerifyTokens: verifyTokens, Sessions: newSessionStore(backends),
		RequireVerification: opts.RequireVerification,
	}
	if err := twoFactorOptions(&opts, &mo); err != nil {
		return nil, err
	}
	mo.Passkeys = opts.Passkeys
	manager, err := user.NewManager(mo)
	if err != nil {
		return nil, fmt.Errorf("usersauth: %w", err)
	}
	if opts.TwoFactor != nil {
		if err := manager.TwoFactorReady(); err != nil {
			return nil, fmt.Errorf("usersauth: TwoFactor: %w", err)
		}
	}
	if opts.Passkeys != nil {
		if err := manager.PasskeysReady(); err != nil {
			return nil, fmt.Errorf("usersauth: Passkeys: %w", err)
		}
	}
	if opts.RequireTwoFactor != nil && opts.TwoFactor == nil && opts.Passkeys == nil {
		return nil, errors.New("usersauth: RequireTwoFactor needs TwoFactor or Passkeys")
	}
	a := &UsersAuth[U]{
		manager:    manager,
		backends:   backends,
		schema:     schema,
		log:        log,
		userReq:    Active,
		superReq:   Active | Superuser,
		background: newBackground(log),
		limiter:    limiter,
		prefix:     opts.PathPrefix,

		requireCurrentPassword: opts.RequireCurrentPassword,
		twoFactor:              opts.TwoFactor,
		requireTwoFactor:       opts.RequireTwoFactor,
		passkeys:               opts.Passkeys,
	}
	if a.oauth, err = newOAuth(&opts, backends, manager); err != nil {
		return nil, err
	}
	_, a.listUsers = opts.Store.(user.UserLister[U])
	if a.rand = opts.Rand; a.rand == nil {
		a.rand = rand.Reader
	}
	if opts.RequireVerification {
		a.userReq |= Verified
		a.superReq |= Verified
	}
	if !opts.DisableCSRFProtection {
		a.csrf = http.NewCrossOriginProtection()
		for _, origin := range opts.TrustedOrigins {
			if err := a.csrf.AddTrustedOrigin(origin); err != nil {
				return nil, fmt.Errorf("usersauth: trusted origin: %w", err)
			}
		}
	}
	return a, nil
}

// Manager returns the user manager behind the routes, for a host's own
// handlers, jobs and admin tools.
func (a *UsersAuth[U]) Manager() *user.Manager[U] { return a.manager }

// backend returns the mounted backend with that name, or nil.
func (a *UsersAuth[U]) backend(name string) *mounted {
	for _, m := range a.backends {
		if m.Name == name {
			return m
		}
	}
	return nil
}
