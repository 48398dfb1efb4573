package usersauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/user"
)

// Limits are the throttling rules of the routes (ours; FastAPI Users has
// none). Each is a throttle.Rule: a burst of Limit events per key, then one
// more every Window/Limit; the zero Rule turns that limit off. Failed logins
// count per account (the e-mail as sent, by its EmailKey, whether or not such
// a user exists, so a lockout reveals nothing) and per client address; every
// request of the other routes counts per client address.
type Limits struct {
	// LoginPerAccount bounds failed logins (and failed second steps) of one
	// account; a successful login clears the account's count.
	LoginPerAccount throttle.Rule
	// LoginPerAddress bounds failed logins from one client address (an
	// IPv4 address, an IPv6 /64); successful logins are not counted.
	LoginPerAddress throttle.Rule
	// Register bounds POST /auth/register per client address.
	Register throttle.Rule
	// ForgotPassword and RequestVerify bound POST /auth/forgot-password and
	// POST /auth/request-verify-token per client address.
	ForgotPassword, RequestVerify throttle.Rule
	// MailPerAccount bounds the mails those two routes hand to the hooks,
	// per account and kind: a flood of requests for one address sends one
	// mail, not hundreds. The requests still answer 202.
	MailPerAccount throttle.Rule
	// ResetPassword and Verify bound POST /auth/reset-password and POST
	// /auth/verify per client address.
	ResetPassword, Verify throttle.Rule
	// OAuthCallback bounds the OAuth callbacks (sign-in and association)
	// per client address.
	OAuthCallback throttle.Rule
	// PasskeyBegin bounds POST /auth/{backend}/passkey/begin per client
	// address: each keeps a challenge server-side until it expires. The
	// passkey sign-ins themselves count as logins.
	PasskeyBegin throttle.Rule
}

// DefaultLimits are the limits when Options.Limits is nil: sized so that a
// person never meets them and a guessing script does at once (OWASP
// Authentication Cheat Sheet, "Login Throttling"; NIST SP 800-63B rev. 4
// section 3.2.2 allows at most 100 consecutive failures per account).
func DefaultLimits() Limits {
	return Limits{
		LoginPerAccount: throttle.Rule{Limit: 5, Window: 15 * time.Minute},
		LoginPerAddress: throttle.Rule{Limit: 20, Window: 15 * time.Minute},
		Register:        throttle.Rule{Limit: 10, Window: time.Hour},
		ForgotPassword:  throttle.Rule{Limit: 5, Window: 15 * time.Minute},
		RequestVerify:   throttle.Rule{Limit: 5, Window: 15 * time.Minute},
		MailPerAccount:  throttle.Rule{Limit: 1, Window: 5 * time.Minute},
		ResetPassword:   throttle.Rule{Limit: 10, Window: 15 * time.Minute},
		Verify:          throttle.Rule{Limit: 20, Window: 15 * time.Minute},
		OAuthCallback:   throttle.Rule{Limit: 30, Window: 15 * time.Minute},
		PasskeyBegin:    throttle.Rule{Limit: 60, Window: 5 * time.Minute},
	}
}

// rules lists the limits by name, for validation.
func (l Limits) rules() map[string]throttle.Rule {
	return map[string]throttle.Rule{
		"LoginPerAccount": l.LoginPerAccount, "LoginPerAddress": l.LoginPerAddress, "Register": l.Register,
		"ForgotPassword": l.ForgotPassword, "RequestVerify": l.RequestVerify, "MailPerAccount": l.MailPerAccount,
		"ResetPassword": l.ResetPassword, "Verify": l.Verify, "OAuthCallback": l.OAuthCallback,
		"PasskeyBegin": l.PasskeyBegin,
	}
}

// codeTooManyRequests is the detail of a throttled request's 429.
const codeTooManyRequests = "TOO_MANY_REQUESTS"

// throttledError is a request refused by a limit: 429 with Retry-After.
type throttledError struct{ retryAfter time.Duration }

func (e *throttledError) Error() string { return "usersauth: too many requests" }

// errThrottleUnavailable is a throttle store that could not answer while
// the host chose to fail closed: 503.
var errThrottleUnavailable = errors.New("usersauth: throttle store unavailable")

// limiter applies the Limits to requests through one throttle.Store.
type limiter struct {
	store    throttle.Store
	limits   Limits
	proxies  throttle.Proxies
	failOpen bool
	log      *slog.Logger
}

func newLimiter[U user.Model](opts *Options[U], log *slog.Logger) (*limiter, error) {
	l := &limiter{store: opts.Throttle, proxies: throttle.Proxies{Trusted: opts.TrustedProxies},
		failOpen: opts.ThrottleFailOpen, log: log}
	if err := l.proxies.Validate(); err != nil {
		return nil, fmt.Errorf("usersauth: TrustedProxies: %w", err)
	}
	if opts.Limits != nil {
		l.limits = *opts.Limits
	} else {
		l.limits = DefaultLimits()
	}
	for name, r := range l.limits.rules() {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("usersauth: Limits.%s: %w", name, err)
		}
	}
	if l.store == nil {
		l.store = throttle.NewMemoryStore(throttle.MemoryConfig{Now: opts.Now})
	}
	return l, nil
}

// clientKey is the key r's client address counts under, "" when the
// address cannot be told (a request over a Unix socket): such a request
// counts under no address, only under its account.
func (l *limiter) clientKey(r *http.Request) string {
	addr, err := l.proxies.ClientAddr(r)
	if err != nil {
		return ""
	}
	return throttle.AddrKey(addr)
}

// clientAddr is r's client address as the logs show it.
func (l *limiter) clientAddr(r *http.Request) (netip.Addr, bool) {
	addr, err := l.proxies.ClientAddr(r)
	return addr, err == nil
}

// counted is one event taken from a key, to give back or clear later.
type counted struct {
	key  string
	rule throttle.Rule
}

// take counts one event for each (key, rule), in order, atomically per key.
// When one is refused, the events already taken are given back and a
// *throttledError is returned: a refused request counts nothing. A key ""
// or an unlimited rule counts nothing. When the store fails, take either
// lets the request through (fail open, logged) or returns
// errThrottleUnavailable.
func (l *limiter) take(ctx context.Context, event string, events ...counted) ([]counted, error) {
	var taken []counted
	for _, e := range events {
		if e.key == "" || e.rule.Unlimited() {
			continue
		}
		d, err := l.store.Take(ctx, e.key, e.rule)
		if err != nil {
			l.giveBack(ctx, taken)
			return nil, l.unavailable(ctx, event, err)
		}
		if !d.Allowed {
			l.giveBack(ctx, taken)
			l.lockout(ctx, event, e)
			return nil, &throttledError{retryAfter: d.RetryAfter}
		}
		taken = append(taken, e)
	}
	return taken, nil
}

// giveBack refunds events: an attempt that is not to count (a successful
// login is not counted per address, a request that failed for a reason of
// ours is not the client's).
func (l *limiter) giveBack(ctx context.Context, events []counted) {
	for _, e := range events {
		if err := l.store.Refund(context.WithoutCancel(ctx), e.key, e.rule); err != nil {
			l.log.LogAttrs(ctx, slog.LevelWarn, "throttle refund failed", slog.String("error", err.Error()))
		}
	}
}

// clear forgets a key: a successful login clears its account's failures.
func (l *limiter) clear(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := l.store.Reset(context.WithoutCancel(ctx), key); err != nil {
		l.log.LogAttrs(ctx, slog.LevelWarn, "throttle reset failed", slog.String("error", err.Error()))
	}
}

// unavailable handles a throttle store that failed: nil when the host lets
// requests through without counting, errThrottleUnavailable otherwise. A
// cancelled request is its own error.
func (l *limiter) unavailable(ctx context.Context, event string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	l.log.LogAttrs(ctx, slog.LevelError, "throttle store failed", slog.String("event", event),
		slog.Bool("fail_open", l.failOpen), slog.String("error", err.Error()))
	if l.failOpen {
		return nil
	}
	return fmt.Errorf("%w: %w", errThrottleUnavailable, err)
}

// lockoutLog bounds the log lines of refusals: one per key and limit
// window, so a script hammering a closed key does not flood the log.
var lockoutLog = throttle.Rule{Limit: 1, Window: 5 * time.Minute}

// lockout logs that a key reached its limit, a security event (OWASP Logging
// Cheat Sheet), at most once per key every few minutes. The key itself is
// not logged: an account key holds the e-mail.
func (l *limiter) lockout(ctx context.Context, event string, e counted) {
	d, err := l.store.Take(ctx, "log:"+e.key, lockoutLog)
	if err != nil || !d.Allowed {
		return
	}
	l.log.LogAttrs(ctx, slog.LevelWarn, "throttled: limit reached", slog.String("event", event),
		slog.Int("limit", e.rule.Limit), slog.Duration("window", e.rule.Window))
}

// perAddress counts r against rule under its client address, for the
// routes limited per address. A request whose address cannot be told
// counts under none (clientKey), rather than every such client sharing
// one count.
func (l *limiter) perAddress(r *http.Request, event string, rule throttle.Rule) error {
	k := l.clientKey(r)
	if k == "" {
		return nil
	}
	_, err := l.take(r.Context(), event, counted{key: event + ":addr:" + k, rule: rule})
	return err
}

// loginKeys are the two keys of a login or second step: the account (by
// the EmailKey of the username as sent) and the client address.
func (l *limiter) loginKeys(r *http.Request, username string) (account, address counted) {
	account = counted{key: "login:account:" + user.EmailKey(username), rule: l.limits.LoginPerAccount}
	if k := l.clientKey(r); k != "" {
		address = counted{key: "login:addr:" + k, rule: l.limits.LoginPerAddress}
	}
	return account, address
}

// loginAttempt is a login's two counted events, settled once the password
// was checked.
type loginAttempt struct {
	l                *limiter
	account, address counted
	taken            []counted
}

// startLogin counts a login attempt for username from r's client: a
// *throttledError when the account or the address is past its limit, with
// nothing done. Both events are taken before the password is checked, so
// that concurrent guesses cannot slip past the limit.
func (l *limiter) startLogin(r *http.Request, username string) (*loginAttempt, error) {
	account, address := l.loginKeys(r, username)
	taken, err := l.take(r.Context(), "login", account, address)
	if err != nil {
		return nil, err
	}
	return &loginAttempt{l: l, account: account, address: address, taken: taken}, nil
}

// settle counts the attempt by its outcome: the right password (err nil,
// or user.ErrNotVerified, which only the right password reveals) clears
// the account's failures and gives the address its event back; bad
// credentials stay counted; any other failure (the hashing pool busy, a
// store down) was not the client's doing and is given back.
func (la *loginAttempt) settle(ctx context.Context, err error) {
	switch {
	case err == nil, errors.Is(err, user.ErrNotVerified):
		la.l.clear(ctx, la.account.key)
		la.l.giveBack(ctx, la.only(la.address))
	case errors.Is(err, user.ErrInvalidCredentials):
	default:
		la.l.giveBack(ctx, la.taken)
	}
}

// only returns the taken events of e's key.
func (la *loginAttempt) only(e counted) []counted {
	for _, t := range la.taken {
		if t.key == e.key && e.key != "" {
			return []counted{t}
		}
	}
	return nil
}

// mailAllowed reports whether a mail of kind may go to email now, at most
// MailPerAccount; a store failure lets the mail go (a lost mail is worse than
// a second one).
func (l *limiter) mailAllowed(ctx context.Context, kind, email string) bool {
	rule := l.limits.MailPerAccount
	if rule.Unlimited() {
		return true
	}
	d, err := l.store.Take(ctx, "mail:"+kind+":"+user.EmailKey(email), rule)
	if err != nil {
		l.log.LogAttrs(ctx, slog.LevelWarn, "throttle store failed; mail sent anyway", slog.String("error", err.Error()))
		return true
	}
	return d.Allowed
}

// tooManyRequests is the answer to a throttled request.
func tooManyRequests(retryAfter time.Duration) *wire.Problem {
	p := wire.Busy(http.StatusTooManyRequests, retryAfter)
	p.Detail = codeTooManyRequests
	return p
}
