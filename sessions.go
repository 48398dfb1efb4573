package usersauth

import (
	"context"
	"errors"
	"reflect"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
)

// endSessions returns the Manager's EndSessions callback: it revokes the
// user's tokens in every distinct server-side strategy and refresh store of
// the backends, or is nil when there are none (JWTs alone: the Manager's
// TokenEpoch does it all). Every revoker is called even when one fails, and
// the failures are joined, so one store down does not spare the others.
func endSessions(backends []backend.Backend, refreshers []*backend.Refresher) func(context.Context, uuid.UUID) error {
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
	for i, be := range backends {
		if r, ok := be.Strategy.(backend.Revoker); ok {
			add(r, be.Strategy)
		}
		if rf := refreshers[i]; rf != nil {
			// Backends sharing a refresh store share its revocation.
			add(rf, rf.Store())
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
