package usersauth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
)

// mounted is one configured backend with what its routes need of it, found
// once by New: the check of its tokens against the stored user, its refresh
// tokens, and the transport that carries them.
type mounted struct {
	backend.Backend
	// bound is the strategy's check against the stored user (a revocable
	// JWT's epoch), nil when it has none.
	bound backend.UserBound
	// refresher issues and exchanges its refresh tokens, nil without them;
	// refreshTransport is then the transport that carries them.
	refresher        *backend.Refresher
	refreshTransport backend.RefreshTransport
}

var backendName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// mountBackends checks the configured backends and returns their records,
// in order. prefix is Options.PathPrefix, where the default refresh route
// is.
func mountBackends(backends []backend.Backend, prefix string) ([]*mounted, error) {
	if len(backends) == 0 {
		return nil, errors.New("usersauth: at least one backend is required")
	}
	seen := map[string]bool{}
	out := make([]*mounted, 0, len(backends))
	for i, be := range backends {
		switch {
		case !backendName.MatchString(be.Name):
			return nil, fmt.Errorf("usersauth: backend %d: name %q is not a usable path segment", i, be.Name)
		case seen[be.Name]:
			return nil, fmt.Errorf("usersauth: two backends are named %q", be.Name)
		case be.Transport == nil || be.Strategy == nil:
			return nil, fmt.Errorf("usersauth: backend %q needs a Transport and a Strategy", be.Name)
		}
		seen[be.Name] = true
		for _, part := range []any{be.Transport, be.Strategy} {
			if v, ok := part.(backend.Validator); ok {
				if err := v.Validate(); err != nil {
					return nil, fmt.Errorf("usersauth: backend %q: %w", be.Name, err)
				}
			}
		}
		m := &mounted{Backend: be}
		m.bound, _ = be.Strategy.(backend.UserBound)
		if be.Refresh != nil {
			tr, ok := be.Transport.(backend.RefreshTransport)
			if !ok {
				return nil, fmt.Errorf("usersauth: backend %q: refresh tokens need a transport that can carry them (backend.RefreshTransport)", be.Name)
			}
			cfg := *be.Refresh
			if cfg.Path == "" {
				cfg.Path = prefix + "/auth/" + be.Name + "/refresh"
			}
			m.refresher, m.refreshTransport = backend.NewRefresher(cfg), tr
			if err := m.refresher.Validate(); err != nil {
				return nil, fmt.Errorf("usersauth: backend %q: %w", be.Name, err)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// endSessions returns the Manager's EndSessions callback: it revokes the
// user's tokens in every distinct server-side strategy and refresh store of
// the backends, or is nil when there are none (JWTs alone: the Manager's
// TokenEpoch does it all). Every revoker is called even when one fails, and
// the failures are joined, so one store down does not spare the others.
func endSessions(backends []*mounted) func(context.Context, uuid.UUID) error {
	var (
		revokers []backend.Revoker
		seen     []any
	)
	add := func(r backend.Revoker, identity any) {
		for _, s := range seen {
			if sameValue(s, identity) {
				return
			}
		}
		seen = append(seen, identity)
		revokers = append(revokers, r)
	}
	for _, m := range backends {
		if r, ok := m.Strategy.(backend.Revoker); ok {
			add(r, m.Strategy)
		}
		if m.refresher != nil {
			// Backends sharing a refresh store share its revocation.
			add(m.refresher, m.refresher.Store())
		}
	}
	if len(revokers) == 0 {
		return nil
	}
	return func(ctx context.Context, id uuid.UUID) error {
		var errs []error
		for _, r := range revokers {
			if err := r.RevokeUser(ctx, id); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
}

// sameValue reports whether a and b are one value: the same pointer, in
// practice. Values that cannot be compared are never the same, rather than
// a panic.
func sameValue(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false // a comparable struct holding an incomparable value
		}
	}()
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta != nil && ta.Comparable() && a == b
}
