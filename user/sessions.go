package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// ErrSessionsNotEnded is wrapped by the error of an operation whose change
// was written but whose sessions could not all be ended: the EndSessions
// option failed. The user's TokenEpoch moved on with the change, so
// revocable JWTs are dead; server-side tokens may not be. The HTTP layer
// answers 500, so that the failure is never silently passed over.
var ErrSessionsNotEnded = errors.New("user: sessions not ended")

// EndSessions ends every session of u, everywhere ("log out everywhere"):
// it increments the stored TokenEpoch, which kills revocable JWTs, then
// calls the EndSessions option for server-side tokens and refresh
// families. Errors: ErrNotFound, the store's own, or one wrapping
// ErrSessionsNotEnded.
func (m *Manager[U]) EndSessions(ctx context.Context, u U) error {
	id := u.UserBase().ID
	if _, err := m.store.Update(ctx, id, func(cur U) error {
		cur.UserBase().TokenEpoch++
		return nil
	}); err != nil {
		return err
	}
	return m.endAll(ctx, id, "log out everywhere")
}

// endAll calls the EndSessions option for a change that is written already.
// The client may hang up meanwhile; the revocation must not stop with it,
// so it runs without the request's cancellation.
func (m *Manager[U]) endAll(ctx context.Context, id uuid.UUID, why string) error {
	if m.endSessions == nil {
		m.log.LogAttrs(ctx, slog.LevelInfo, "sessions ended", slog.String("user_id", id.String()), slog.String("reason", why))
		return nil
	}
	if err := m.endSessions(context.WithoutCancel(ctx), id); err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "ending sessions failed", slog.String("user_id", id.String()),
			slog.String("reason", why), slog.String("error", err.Error()))
		return fmt.Errorf("%w for user %s: %w", ErrSessionsNotEnded, id, err)
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "sessions ended", slog.String("user_id", id.String()), slog.String("reason", why))
	return nil
}
