package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	ubackend "github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// TestAccessTokenConformance runs the token store suite on every database.
func TestAccessTokenConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			strategytest.RunTokenStore(t, func(t *testing.T) ubackend.TokenStore {
				db := b.open(t)
				return withUsers{TokenStore: db.AccessTokens(), RefreshStore: db.RefreshTokens(), users: db.Users()}
			})
		})
	}
}

// TestRefreshTokenConformance runs the refresh store suite on every database.
func TestRefreshTokenConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			strategytest.RunRefreshStore(t, func(t *testing.T) ubackend.RefreshStore {
				db := b.open(t)
				return withUsers{TokenStore: db.AccessTokens(), RefreshStore: db.RefreshTokens(), users: db.Users()}
			})
		})
	}
}

// withUsers creates the user a token names before storing the token. The
// tables' foreign keys require the user to exist, as it always does when a
// strategy issues a token; the suites make up user ids, so the users are
// made here.
type withUsers struct {
	ubackend.TokenStore
	ubackend.RefreshStore
	users *sqlstore.UserStore[*user.User]
}

func (w withUsers) ensure(ctx context.Context, id uuid.UUID) error {
	err := w.users.Create(ctx, &user.User{Base: user.Base{ID: id, Email: id.String() + "@camelot.bt", IsActive: true}})
	if errors.Is(err, user.ErrAlreadyExists) {
		return nil
	}
	return err
}

func (w withUsers) CreateToken(ctx context.Context, t auth.AccessToken) error {
	if err := w.ensure(ctx, t.UserID); err != nil {
		return err
	}
	return w.TokenStore.CreateToken(ctx, t)
}

func (w withUsers) CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error {
	if err := w.ensure(ctx, t.UserID); err != nil {
		return err
	}
	return w.RefreshStore.CreateRefreshToken(ctx, t)
}

func (w withUsers) RotateRefreshToken(ctx context.Context, digest string, next auth.RefreshToken) error {
	if err := w.ensure(ctx, next.UserID); err != nil {
		return err
	}
	return w.RefreshStore.RotateRefreshToken(ctx, digest, next)
}

// TestDatabaseStrategyConformance runs the strategy suite against the
// database strategy on every database: what the suite checks through the
// strategy (logout, revocation, expiry, no token in clear) holds on the SQL
// token table.
func TestDatabaseStrategyConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			strategytest.Run(t, func(t *testing.T) strategytest.Subject {
				db := b.open(t)
				clock := strategytest.NewClock(time.Date(2026, 11, 28, 14, 45, 51, 600_000_000, time.UTC))
				store := withUsers{TokenStore: db.AccessTokens(), RefreshStore: db.RefreshTokens(), users: db.Users()}
				s := ubackend.NewDatabase(ubackend.DatabaseConfig{Store: store, Lifetime: time.Hour, Now: clock.Now})
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				return strategytest.Subject{Strategy: s, Clock: clock, Lifetime: time.Hour, ServerSide: true, Stored: func(t *testing.T) []string {
					return dumpTokens(t, db)
				}}
			})
		})
	}
}

// dumpTokens returns every row of the access-token table, as text.
func dumpTokens(t *testing.T, db *sqlstore.DB) []string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT token, user_id, created_at FROM accesstoken`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var token, userID, created any
		if err := rows.Scan(&token, &userID, &created); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %v", token, userID, created))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
