package user

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrSessionsNotEnded is wrapped by the error of an operation whose change
// was written but whose sessions could not all be ended: the SessionStore
// failed. The user's record moved on with the change (TokenEpoch,
// EndedSessions), so JWTs are dead; server-side tokens may not be. The
// HTTP layer answers 500, so that the failure is never silently passed
// over.
var ErrSessionsNotEnded = errors.New("user: sessions not ended")

// ErrSessionNotFound: the user has no live session with that id (a session
// of another user is as unknown as one that never was).
var ErrSessionNotFound = errors.New("user: session not found")

// Session is one session of a user, as a session list shows it: a
// server-side token of the database or Redis strategy, or a refresh-token
// family with the access tokens issued with it. A JWT without refresh
// tokens is no session anyone can list: nothing about it is kept.
type Session struct {
	// ID names the session; it is never the token, nor derived from one in
	// a way that gives the token back.
	ID uuid.UUID
	// Backend is the name of the backend that issued the session; empty
	// for a session stored before it was recorded.
	Backend string
	// CreatedAt is when the session began, at sign-in.
	CreatedAt time.Time
	// LastUsedAt is when it was last used: a request with its token, written
	// at most about once a minute, or a refresh.
	LastUsedAt time.Time
	// ExpiresAt is when it ends unless used or refreshed; zero when the
	// reader cannot know (an admin tool reading a token stored before
	// expiries were recorded).
	ExpiresAt time.Time
	// ClientAddr and UserAgent are the client's address and User-Agent at
	// sign-in; empty when unknown.
	ClientAddr string
	UserAgent  string
	// Current marks the session the listing request was made in.
	Current bool
	// Refresh reports a refresh-token family. Its access tokens may be
	// JWTs, which no store holds, so ending it one by one records it in
	// the user's EndedSessions as well.
	Refresh bool
}

// CurrentSession names the session a request is made in, for the
// operations that end a user's other sessions and keep this one.
type CurrentSession struct {
	// ID is the session's id (Session.ID); uuid.Nil when the session is not
	// a listable one (a JWT without refresh tokens).
	ID uuid.UUID
	// TokenDigest is auth.TokenDigest of the access token the request
	// carried.
	TokenDigest string
}

type currentSessionKey struct{}

// WithCurrentSession returns ctx carrying cs, the session a request is made
// in. usersauth's routes set it on the context of the Manager calls they
// make for an authenticated request; UpdateSelf reads it to keep that
// session when the password changes.
func WithCurrentSession(ctx context.Context, cs CurrentSession) context.Context {
	return context.WithValue(ctx, currentSessionKey{}, cs)
}

// CurrentSessionFrom returns the session WithCurrentSession put in ctx, and
// false when there is none.
func CurrentSessionFrom(ctx context.Context) (CurrentSession, bool) {
	cs, ok := ctx.Value(currentSessionKey{}).(CurrentSession)
	return cs, ok
}

// SessionStore is where the Manager lists and ends the sessions of users:
// the server-side tokens and refresh-token families of every backend.
// usersauth.New builds one over the configured backends; cmd/usersauth one
// over the SQL token tables. It holds no users: the Manager writes what the
// user record says of sessions (TokenEpoch, KeptToken, EndedSessions)
// itself. All methods are safe for concurrent use; a user without sessions
// is not an error.
type SessionStore interface {
	// UserSessions returns the live sessions of the user. A session may be
	// reported in parts sharing its ID (one per token, say); the Manager
	// merges them.
	UserSessions(ctx context.Context, userID uuid.UUID) ([]Session, error)

	// EndSession ends every token of the user's session sessionID, and
	// reports whether there was any.
	EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error)

	// EndUserSessions ends every session of the user.
	EndUserSessions(ctx context.Context, userID uuid.UUID) error

	// EndOtherSessions ends every session of the user but keep: every
	// server-side token but the one whose digest is keep.TokenDigest, every
	// refresh-token family but keep.ID (all of them when it is uuid.Nil).
	EndOtherSessions(ctx context.Context, userID uuid.UUID, keep CurrentSession) error
}

// MaxEndedSessions bounds the sessions EndedSessions lists.
const MaxEndedSessions = 16

// endAllInRecord is what ending every session of the user writes in the
// record: a new epoch, which refuses every JWT issued before; the lists of
// exceptions start over, since they named tokens of older epochs.
func endAllInRecord(b *Base) {
	b.TokenEpoch++
	b.KeptToken = ""
	b.EndedSessions = ""
}

// endOthersInRecord is what ending every session but keep writes: a new
// epoch, with keep's token as the one exception. The sessions ended one by
// one before are gone with the others, so their list starts over.
func endOthersInRecord(b *Base, keep CurrentSession) {
	b.TokenEpoch++
	b.KeptToken = keep.TokenDigest
	b.EndedSessions = ""
}

// recordEnded adds id to b.EndedSessions. A full list starts over with id
// alone and a new epoch instead: every JWT of the user is refused, and the
// clients of the sessions still alive refresh (a JWT session anyone can end
// one by one has refresh tokens). The kept token goes too: the list that
// may have named its session is gone.
func recordEnded(b *Base, id uuid.UUID) {
	s := id.String()
	if b.SessionEnded(s) {
		return
	}
	switch n := strings.Count(b.EndedSessions, " ") + 1; {
	case b.EndedSessions == "":
		b.EndedSessions = s
	case n >= MaxEndedSessions:
		endAllInRecord(b)
		b.EndedSessions = s
	default:
		b.EndedSessions += " " + s
	}
}

// EndSessions ends every session of u, everywhere ("log out everywhere"):
// it increments the stored TokenEpoch, which kills JWTs, then asks the
// SessionStore to end the server-side tokens and refresh families. Errors:
// ErrNotFound, the store's own, or one wrapping ErrSessionsNotEnded.
func (m *Manager[U]) EndSessions(ctx context.Context, u U) error {
	id := u.UserBase().ID
	if _, err := m.store.Update(ctx, id, func(cur U) error {
		endAllInRecord(cur.UserBase())
		return nil
	}); err != nil {
		return err
	}
	return m.endAll(ctx, id, "log out everywhere")
}

// EndOtherSessions ends every session of u but keep, the one the request is
// made in: the other JWTs die with a new TokenEpoch while keep's token is
// recorded as KeptToken, and the SessionStore ends every other server-side
// token and refresh family. A change of credentials made in a session
// (a new password, a second factor enabled or removed) calls it, so that
// whoever else holds a session of the user is out and the user is not
// (OWASP Session Management Cheat Sheet: renew sessions on credential
// changes). Errors: ErrNotFound, the store's own, or one wrapping
// ErrSessionsNotEnded.
func (m *Manager[U]) EndOtherSessions(ctx context.Context, u U, keep CurrentSession) error {
	id := u.UserBase().ID
	if _, err := m.store.Update(ctx, id, func(cur U) error {
		endOthersInRecord(cur.UserBase(), keep)
		return nil
	}); err != nil {
		return err
	}
	return m.endOthers(ctx, id, keep, "other sessions ended")
}

// endAll asks the SessionStore to end every session of a user whose record
// was written already. The client may hang up meanwhile; the revocation
// must not stop with it, so it runs without the request's cancellation.
func (m *Manager[U]) endAll(ctx context.Context, id uuid.UUID, why string) error {
	var err error
	if m.sessions != nil {
		err = m.sessions.EndUserSessions(context.WithoutCancel(ctx), id)
	}
	return m.sessionsEnded(ctx, id, why, err)
}

// endOthers is endAll but for keep.
func (m *Manager[U]) endOthers(ctx context.Context, id uuid.UUID, keep CurrentSession, why string) error {
	var err error
	if m.sessions != nil {
		err = m.sessions.EndOtherSessions(context.WithoutCancel(ctx), id, keep)
	}
	return m.sessionsEnded(ctx, id, why, err)
}

// sessionsEnded logs the end of a user's sessions, or the failure to.
func (m *Manager[U]) sessionsEnded(ctx context.Context, id uuid.UUID, why string, err error) error {
	if err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "ending sessions failed", slog.String("user_id", id.String()),
			slog.String("reason", why), slog.String("error", err.Error()))
		return fmt.Errorf("%w for user %s: %w", ErrSessionsNotEnded, id, err)
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "sessions ended", slog.String("user_id", id.String()), slog.String("reason", why))
	return nil
}

// Sessions returns the live sessions of u, most recently used first, with
// Current set on the one CurrentSessionFrom(ctx) names. Without a
// SessionStore (JWTs alone) there are none. Errors: the store's own.
func (m *Manager[U]) Sessions(ctx context.Context, u U) ([]Session, error) {
	if m.sessions == nil {
		return []Session{}, nil
	}
	parts, err := m.sessions.UserSessions(ctx, u.UserBase().ID)
	if err != nil {
		return nil, err
	}
	list := mergeSessions(parts)
	if cur, ok := CurrentSessionFrom(ctx); ok && cur.ID != uuid.Nil {
		for i := range list {
			list[i].Current = list[i].ID == cur.ID
		}
	}
	slices.SortFunc(list, func(a, b Session) int {
		if c := b.LastUsedAt.Compare(a.LastUsedAt); c != 0 {
			return c
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		// The bytes' order is that of the canonical strings, without
		// formatting two of them per comparison.
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	return list, nil
}

// mergeSessions joins the parts of each session: it began with its first
// part, was last used with its latest, expires with its last, and came from
// where its first part that knows says.
func mergeSessions(parts []Session) []Session {
	list := make([]Session, 0, len(parts))
	index := make(map[uuid.UUID]int, len(parts))
	for _, p := range parts {
		if p.ID == uuid.Nil {
			continue
		}
		p.Current = false
		if p.LastUsedAt.Before(p.CreatedAt) {
			p.LastUsedAt = p.CreatedAt
		}
		i, ok := index[p.ID]
		if !ok {
			index[p.ID] = len(list)
			list = append(list, p)
			continue
		}
		s := &list[i]
		if s.CreatedAt.IsZero() || (!p.CreatedAt.IsZero() && p.CreatedAt.Before(s.CreatedAt)) {
			s.CreatedAt = p.CreatedAt
		}
		if p.LastUsedAt.After(s.LastUsedAt) {
			s.LastUsedAt = p.LastUsedAt
		}
		if p.ExpiresAt.After(s.ExpiresAt) {
			s.ExpiresAt = p.ExpiresAt
		}
		if s.Backend == "" && s.ClientAddr == "" && s.UserAgent == "" {
			s.Backend, s.ClientAddr, s.UserAgent = p.Backend, p.ClientAddr, p.UserAgent
		}
		s.Refresh = s.Refresh || p.Refresh
	}
	return list
}

// EndSession ends one session of u, the device that holds it logged out at
// once, on every instance: the SessionStore deletes its server-side tokens
// and refresh family, and when it is a refresh family its id goes into u's
// EndedSessions, which refuses its JWTs and their refreshes with no store
// read. Ending the session the request is made in is a logout. Errors:
// ErrSessionNotFound (none of u's live sessions has that id), ErrNotFound,
// the stores' own, or one wrapping ErrSessionsNotEnded once the record is
// written.
func (m *Manager[U]) EndSession(ctx context.Context, u U, sessionID uuid.UUID) error {
	if m.sessions == nil || sessionID == uuid.Nil {
		return ErrSessionNotFound
	}
	id := u.UserBase().ID
	parts, err := m.sessions.UserSessions(ctx, id)
	if err != nil {
		return err
	}
	found, refresh := false, false
	for _, p := range parts {
		if p.ID == sessionID {
			found, refresh = true, refresh || p.Refresh
		}
	}
	if !found {
		return ErrSessionNotFound
	}
	if refresh {
		if _, err := m.store.Update(ctx, id, func(cur U) error {
			recordEnded(cur.UserBase(), sessionID)
			return nil
		}); err != nil {
			return err
		}
	}
	if _, err := m.sessions.EndSession(context.WithoutCancel(ctx), id, sessionID); err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "ending a session failed", slog.String("user_id", id.String()),
			slog.String("session_id", sessionID.String()), slog.String("error", err.Error()))
		return fmt.Errorf("%w for user %s: %w", ErrSessionsNotEnded, id, err)
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "session ended", slog.String("user_id", id.String()), slog.String("session_id", sessionID.String()))
	return nil
}
