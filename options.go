package usersauth

import (
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/user"
)

// MinSecretLength is the shortest secret New accepts, in bytes (RFC 7518
// section 3.2: an HS256 key must be at least as long as the hash output).
const MinSecretLength = 32

// Options configures New. Store, Secret and at least one backend are required.
type Options[U user.Model] struct {
	// Store keeps the users, for example memory.New[*user.User]() or
	// sqlstore's db.Users().
	Store user.Store[U]

	// Secret signs the purpose tokens (password reset, e-mail
	// verification, OAuth state). At least MinSecretLength random bytes.
	Secret []byte

	// Backends are the named authentication backends, tried in order to
	// find the current user. Names must be unique and non-empty; each gets
	// POST /auth/{name}/login, /logout and /logout-all, and /refresh when
	// its Refresh is set.
	Backends []backend.Backend

	// PathPrefix is the path under which Handler and Mount serve the
	// routes: "" for the contract's own paths (/auth/register, /users/me),
	// "/api" for /api/auth/register and /api/users/me. Routers that hand a
	// mounted handler the request's whole path (chi's Mount, gin's and
	// echo's wildcard routes, a ServeMux pattern) then need no
	// http.StripPrefix. The default refresh cookie Path and the OAuth
	// routes move with it; an OAuthProvider's RedirectURL must name the
	// callback where it ends up. Empty, or a clean path starting with "/"
	// and not ending with one.
	PathPrefix string

	// Hooks are the host's callbacks into the user lifecycle.
	Hooks user.Hooks[U]

	// PasswordPolicy is the default password check (8 to 128 code points
	// when zero).
	PasswordPolicy user.PasswordPolicy

	// Hasher hashes and verifies passwords. Nil means an
	// *auth.PasswordHasher with OWASP argon2id parameters and a pool of
	// GOMAXPROCS slots.
	Hasher user.PasswordHasher

	// RequireVerification refuses unverified users: login answers 400
	// LOGIN_USER_NOT_VERIFIED (only when the password was right), and the
	// users routes and logout answer 403.
	RequireVerification bool

	// TwoFactor turns on two-factor login: TOTP enrolment under
	// /users/me/2fa and the second step POST /auth/{backend}/login/2fa.
	// Nil, the default, turns it off. See TwoFactor.
	TwoFactor *TwoFactor

	// Passkeys turns on passkeys (WebAuthn): registration under
	// /users/me/passkeys, passwordless sign-in through POST
	// /auth/{backend}/passkey/begin and /finish, and a passkey as the
	// second step of a password login. Nil, the default, turns them off,
	// with no route and no cost. A host makes one with passkey/webauthn's
	// New, so that only a host using passkeys links a WebAuthn library.
	// The Store must implement user.PasskeyStore. See the README's
	// "Passkeys".
	Passkeys passkey.RelyingParty

	// RequireTwoFactor, when set with TwoFactor or Passkeys, names the
	// users who must have a second factor (TOTP or a passkey), for example func(u *user.User) bool { return
	// u.IsSuperuser }: until such a user enrols one, the routes that need a
	// user answer 403 TWO_FACTOR_REQUIRED, but for GET /users/me, logout
	// and the enrolment routes themselves. It is asked on every such
	// request: it must be cheap, and it costs the user's second-factor
	// lookup only when it returns true.
	RequireTwoFactor func(u U) bool

	// RequireCurrentPassword makes PATCH /users/me that changes the e-mail
	// or the password carry "current_password", the user's password now:
	// missing is 422, wrong is 400 UPDATE_USER_BAD_CURRENT_PASSWORD and
	// counts as a failed login of the account (OWASP Authentication Cheat
	// Sheet: re-authenticate before changing credentials). A user without a
	// password (signed up through a provider) sets one through
	// forgot-password. Off by default, as in FastAPI Users, whose walkthrough
	// changes the password without it.
	RequireCurrentPassword bool

	// TrustedOrigins are origins (scheme://host[:port]) allowed to make
	// cookie-authenticated state-changing requests across origins. Requests
	// from the same origin and requests without browser headers (curl, other
	// servers) always pass. A refused request is answered 403 and logged at
	// Info, "cross-origin request refused", with its method and path and
	// the browser's Sec-Fetch-Site, Origin and Host: the line to look for
	// when a frontend on another origin is refused.
	TrustedOrigins []string

	// DisableCSRFProtection turns off the cross-origin check on
	// cookie-authenticated state-changing requests. Only for hosts that
	// protect those requests another way.
	DisableCSRFProtection bool

	// Logger receives security events and errors. Nil means slog.Default().
	// No password, hash, token or secret is ever logged.
	Logger *slog.Logger

	// Rand is the source of randomness for ids and tokens. Nil means
	// crypto/rand. Requests read it concurrently, so it must be safe for
	// concurrent use, as crypto/rand.Reader is.
	Rand io.Reader

	// ResetPasswordTokenSecret signs password-reset tokens; nil means
	// Secret. ResetPasswordTokenLifetime is their lifetime; zero means an
	// hour. Give the secret FastAPI Users used to keep its tokens valid.
	ResetPasswordTokenSecret   []byte
	ResetPasswordTokenLifetime time.Duration

	// VerificationTokenSecret signs e-mail verification tokens; nil means
	// Secret. VerificationTokenLifetime is their lifetime; zero means an
	// hour.
	VerificationTokenSecret   []byte
	VerificationTokenLifetime time.Duration

	// Now is the clock of the purpose tokens. Nil means time.Now.
	Now func() time.Time

	// OAuth configures sign-in with identity providers: for each, GET
	// /auth/{name}/authorize and /callback, and the association routes
	// under /auth/associate/{name}/. The Store must implement
	// user.OAuthStore. See OAuthProvider.
	OAuth []OAuthProvider

	// OAuthStates records the OAuth states already used, so that each
	// works once. Nil means an in-memory record of up to DefaultMaxStates
	// states, enough for one instance; several instances share one, such
	// as sqlstore's DB.OAuthStates().
	OAuthStates StateStore

	// Throttle counts the events the Limits bound. Nil means an in-memory
	// throttle.MemoryStore, which suffices for one instance (bounded: see
	// throttle.DefaultMaxKeys); several instances share one, such as
	// redisthrottle's, so that a guessing script meets one limit however
	// its requests are balanced.
	Throttle throttle.Store

	// Limits are the throttling rules of the routes. Nil means
	// DefaultLimits(); a zero Rule in them turns that limit off.
	Limits *Limits

	// ThrottleFailOpen lets requests through, uncounted and logged, while
	// the Throttle store cannot answer (a Redis outage). The default,
	// false, answers them 503 with Retry-After: an outage then stops
	// logins rather than lifting the limits a guessing script meets.
	ThrottleFailOpen bool

	// TrustedProxies are the addresses of the host's reverse proxies and
	// load balancers. A request from one of them is counted, and logged,
	// under the client address its X-Forwarded-For names, read right to
	// left; a request from anywhere else under its RemoteAddr, whatever
	// headers it carries. It is also the address a session records at
	// sign-in (GET /users/me/sessions shows it). Empty means no proxy is
	// trusted: behind one, every client would be the proxy.
	TrustedProxies []netip.Prefix

	// IncludeOAuthAccounts adds "oauth_accounts" (id, oauth_name,
	// account_id, account_email, expires_at; never the provider's tokens)
	// to the answers of GET /users/me and of the association callback. Off
	// by default: it costs GET /users/me a second query. The Store must
	// implement user.OAuthStore.
	IncludeOAuthAccounts bool
}

// MaxBodyBytes is the largest request body any route reads (ours: FastAPI
// Users sets no limit). A larger one is answered 413.
const MaxBodyBytes = wire.MaxBodyBytes
