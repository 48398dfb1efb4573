package usersauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// sessionStore is the Manager's user.SessionStore over the mounted
// backends: every distinct refresh store and server-side strategy, each
// once however many backends share it. Refresh stores come first, so that
// no family being ended mints an access token after its strategy was
// cleared.
type sessionStore struct {
	keepers []backend.SessionKeeper
	// revokers are a host's strategies that can end all of a user's tokens
	// but keep no sessions to list (backend.Revoker alone): they end every
	// token whenever sessions end, the request's own included.
	revokers []backend.Revoker
}

// newSessionStore returns the sessions of backends, or nil when there are
// none to list or end (JWTs alone: the user record does it all).
func newSessionStore(backends []*mounted) user.SessionStore {
	st := &sessionStore{}
	var seen []any
	first := func(identity any) bool {
		for _, s := range seen {
			if sameValue(s, identity) {
				return false
			}
		}
		seen = append(seen, identity)
		return true
	}
	for _, m := range backends {
		if m.refresher != nil && first(m.refresher.Store()) {
			st.keepers = append(st.keepers, m.refresher)
		}
	}
	for _, m := range backends {
		switch s := m.Strategy.(type) {
		case backend.SessionKeeper:
			if first(m.Strategy) {
				st.keepers = append(st.keepers, s)
			}
		case backend.Revoker:
			if first(m.Strategy) {
				st.revokers = append(st.revokers, s)
			}
		}
	}
	if len(st.keepers) == 0 && len(st.revokers) == 0 {
		return nil
	}
	return st
}

// UserSessions lists the sessions of every keeper; a failing one fails the
// list, which would otherwise leave a device out unseen.
func (st *sessionStore) UserSessions(ctx context.Context, userID uuid.UUID) ([]user.Session, error) {
	var all []user.Session
	for _, k := range st.keepers {
		list, err := k.UserSessions(ctx, userID)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	return all, nil
}

// The methods that end sessions call every keeper even when one fails, and
// join the failures, so one store down does not spare the others.

func (st *sessionStore) EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	found := false
	var errs []error
	for _, k := range st.keepers {
		ok, err := k.EndSession(ctx, userID, sessionID)
		found = found || ok
		errs = append(errs, err)
	}
	return found, errors.Join(errs...)
}

func (st *sessionStore) EndUserSessions(ctx context.Context, userID uuid.UUID) error {
	var errs []error
	for _, k := range st.keepers {
		errs = append(errs, k.RevokeUser(ctx, userID))
	}
	for _, r := range st.revokers {
		errs = append(errs, r.RevokeUser(ctx, userID))
	}
	return errors.Join(errs...)
}

func (st *sessionStore) EndOtherSessions(ctx context.Context, userID uuid.UUID, keep user.CurrentSession) error {
	var errs []error
	for _, k := range st.keepers {
		errs = append(errs, k.RevokeUserExcept(ctx, userID, keep))
	}
	for _, r := range st.revokers {
		errs = append(errs, r.RevokeUser(ctx, userID))
	}
	return errors.Join(errs...)
}

// signInContext returns ctx carrying the backend.Login of a sign-in through m: its
// origin, from the request RequestFrom(ctx) gives (the client address
// behind Options.TrustedProxies, the User-Agent), and, when m has refresh
// tokens, the id of the family to come, so that the access token names it.
func (a *UsersAuth[U]) signInContext(ctx context.Context, m *mounted) (context.Context, error) {
	l := backend.Login{Origin: auth.Origin{Backend: m.Name}}
	if r, ok := RequestFrom(ctx); ok {
		if addr, ok := a.limiter.clientAddr(r); ok {
			l.Origin.ClientAddr = addr.String()
		}
		l.Origin.UserAgent = r.UserAgent()
	}
	if m.refresher != nil {
		id, err := uuid.NewRandomFromReader(a.rand)
		if err != nil {
			return ctx, fmt.Errorf("usersauth: new session id: %w", err)
		}
		l.SessionID = id
	}
	return backend.WithLogin(ctx, l), nil
}
