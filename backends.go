package usersauth

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"

	"github.com/usersauth/usersauth/backend"
)

// mounted is one configured backend with what its routes need of it, found
// once by New: the check of its tokens against the stored user, its refresh
// tokens, and the transport that carries them.
type mounted struct {
	backend.Backend
	// reader reads a token with its session and the check against the
	// stored user, nil for a strategy that is no SessionReader; bound is
	// then the strategy's check against the stored user, nil when it has
	// none.
	reader backend.SessionReader
	bound  backend.UserBound
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
		m.reader, _ = be.Strategy.(backend.SessionReader)
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
