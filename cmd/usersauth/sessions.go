package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// newManager returns the Manager the commands change users through, so that
// what a change implies (a deactivation ends the user's sessions, a new
// superuser's password meets the policy) is decided where the server decides
// it. Its sessions are those the database keeps (dbSessions): the database
// strategy's access tokens and the refresh tokens; JWTs die with the user
// record the Manager writes. Tokens a server keeps elsewhere (Redis) are out
// of the command's reach: they are refused while the user is inactive, and
// expire with their lifetime.
func newManager(s *session) (*user.Manager[*user.User], error) {
	// One hash at a time: the command hashes at most one password.
	hasher, err := auth.NewPasswordHasher(auth.HasherOptions{Concurrency: 1})
	if err != nil {
		return nil, err
	}
	return user.NewManager(user.ManagerOptions[*user.User]{
		Store:  s.users,
		Hasher: hasher,
		// The command prints its own results.
		Logger:   slog.New(slog.DiscardHandler),
		Sessions: dbSessions{db: s.db, now: time.Now},
	})
}

// dbSessions is the user.SessionStore of the database's token tables. It
// knows no strategy's configuration, so a token's expiry is the one stored
// with it (unknown for tokens stored before schema version 25); a server's
// strategy may refuse a token earlier, when its lifetime was shortened.
type dbSessions struct {
	db  *sqlstore.DB
	now func() time.Time
}

func (d dbSessions) UserSessions(ctx context.Context, id uuid.UUID) ([]user.Session, error) {
	tokens, err := d.db.AccessTokens().UserTokens(ctx, id)
	if err != nil {
		return nil, err
	}
	refresh, err := d.db.RefreshTokens().UserRefreshTokens(ctx, id)
	if err != nil {
		return nil, err
	}
	now := d.now()
	var list []user.Session
	for _, at := range tokens {
		if at.ExpiresAt.IsZero() || now.Before(at.ExpiresAt) {
			list = append(list, backend.AccessSession(at, 0))
		}
	}
	for _, rt := range refresh {
		if !rt.Used && now.Before(rt.ExpiresAt) {
			list = append(list, backend.RefreshSession(rt, rt.ExpiresAt))
		}
	}
	return list, nil
}

func (d dbSessions) EndSession(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	found := false
	refresh, err := d.db.RefreshTokens().UserRefreshTokens(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, rt := range refresh {
		if rt.FamilyID == sessionID {
			found = true
			if _, err := d.db.RefreshTokens().DeleteRefreshFamily(ctx, sessionID); err != nil {
				return found, err
			}
			break
		}
	}
	tokens, err := d.db.AccessTokens().UserTokens(ctx, userID)
	if err != nil {
		return found, err
	}
	for _, at := range tokens {
		if backend.AccessSession(at, 0).ID == sessionID {
			found = true
			if err := d.db.AccessTokens().DeleteToken(ctx, at.Digest); err != nil && !errors.Is(err, auth.ErrTokenNotFound) {
				return found, err
			}
		}
	}
	return found, nil
}

func (d dbSessions) EndUserSessions(ctx context.Context, id uuid.UUID) error {
	_, errRefresh := d.db.RefreshTokens().DeleteUserRefreshTokens(ctx, id)
	_, errAccess := d.db.AccessTokens().DeleteUserTokens(ctx, id)
	return errors.Join(errRefresh, errAccess)
}

func (d dbSessions) EndOtherSessions(ctx context.Context, id uuid.UUID, keep user.CurrentSession) error {
	_, errRefresh := d.db.RefreshTokens().DeleteUserRefreshTokensExcept(ctx, id, keep.ID)
	_, errAccess := d.db.AccessTokens().DeleteUserTokensExcept(ctx, id, keep.TokenDigest)
	return errors.Join(errRefresh, errAccess)
}

// listSessions prints the sessions of the user email names, most recently
// used first, as GET /users/{id}/sessions lists them.
func listSessions(ctx context.Context, s *session, args []string) error {
	u, err := findUser(ctx, s, args[0])
	if err != nil {
		return err
	}
	list, err := s.manager.Sessions(ctx, u)
	if err != nil {
		return err
	}
	if s.opts.json {
		return writeSessionsJSON(s.stdout, list)
	}
	if _, err := io.WriteString(s.stdout, sessionHeader); err != nil {
		return err
	}
	for _, ses := range list {
		if _, err := fmt.Fprintf(s.stdout, sessionRow, ses.ID, orDash(ses.Backend), stamp(ses.CreatedAt), stamp(ses.LastUsedAt),
			stamp(ses.ExpiresAt), orDash(ses.ClientAddr), orDash(display(ses.UserAgent))); err != nil {
			return err
		}
	}
	return nil
}

// The session table puts the user agent last, as the user table puts the
// address: rows keep their columns whatever its length.
const (
	sessionHeader = "ID                                    BACKEND     CREATED               LAST USED             EXPIRES               IP                                       USER AGENT\n"
	sessionRow    = "%-36s  %-10s  %-20s  %-20s  %-20s  %-39s  %s\n"
)

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sessionJSON is one session as GET /users/{id}/sessions writes it, without
// "current", which names the request's own.
type sessionJSON struct {
	ID         uuid.UUID  `json:"id"`
	Backend    *string    `json:"backend"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt time.Time  `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	IP         *string    `json:"ip"`
	UserAgent  *string    `json:"user_agent"`
}

func writeSessionsJSON(w io.Writer, list []user.Session) error {
	out := make([]sessionJSON, len(list))
	nullable := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	for i, ses := range list {
		out[i] = sessionJSON{ID: ses.ID, Backend: nullable(ses.Backend), CreatedAt: ses.CreatedAt.UTC(), LastUsedAt: ses.LastUsedAt.UTC(),
			IP: nullable(ses.ClientAddr), UserAgent: nullable(ses.UserAgent)}
		if !ses.ExpiresAt.IsZero() {
			e := ses.ExpiresAt.UTC()
			out[i].ExpiresAt = &e
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", escapeJSON(b))
	return err
}

// endSession ends the session with the given id, whoever it belongs to: the
// device holding it is logged out at once, as DELETE
// /users/{id}/sessions/{session} does it.
func endSession(ctx context.Context, s *session, args []string) error {
	id, err := uuid.Parse(args[0])
	if err != nil || len(args[0]) != 36 {
		return &usageError{fmt.Sprintf("%s is not a session id (as the sessions command prints them)", display(args[0]))}
	}
	owner, err := s.db.SessionUser(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return fmt.Errorf("no session has the id %s", id)
	}
	if err != nil {
		return err
	}
	u, err := s.users.Get(ctx, owner)
	if err != nil {
		return err
	}
	switch err := s.manager.EndSession(ctx, u, id); {
	case errors.Is(err, user.ErrSessionNotFound), errors.Is(err, user.ErrNotFound):
		return fmt.Errorf("no live session has the id %s", id)
	case errors.Is(err, user.ErrSessionsNotEnded):
		return fmt.Errorf("session %s of %s is recorded as ended, but its tokens were not all deleted: %w", id, display(u.Email), err)
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(s.stdout, "ended session %s of %s\n", id, display(u.Email))
	return err
}
