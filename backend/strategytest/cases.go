package strategytest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

type testCase struct {
	name       string
	serverSide bool // runs only for server-side strategies
	run        func(t *testing.T, s Subject)
}

// allCases lists the suite's cases in the order they run.
func allCases() []testCase {
	return append([]testCase{
		{"WriteThenRead", false, testWriteThenRead},
		{"WriteWithoutUser", false, testWriteWithoutUser},
		{"InvalidTokens", false, testInvalidTokens},
		{"Expiry", false, testExpiry},
		{"StatelessDestroy", false, testStatelessDestroy},
		{"TokenForm", true, testTokenForm},
		{"Destroy", true, testDestroy},
		{"RevokeUser", true, testRevokeUser},
		{"NotStoredInClear", true, testNotStoredInClear},
		{"Concurrent", false, testConcurrent},
	}, sessionCases()...)
}

func newUser() *user.Base {
	return &user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt", IsActive: true}
}

func write(t *testing.T, s Subject, u *user.Base) string {
	t.Helper()
	tok, err := s.Strategy.WriteToken(context.Background(), u)
	if err != nil {
		t.Fatalf("WriteToken: %v", err)
	}
	if tok == "" {
		t.Fatal("WriteToken returned an empty token")
	}
	return tok
}

// mustRead fails t unless token reads as want.
func mustRead(t *testing.T, s Subject, token string, want uuid.UUID) {
	t.Helper()
	got, err := s.Strategy.ReadToken(context.Background(), token)
	if err != nil || got != want {
		t.Fatalf("ReadToken = %v, %v; want %v", got, err, want)
	}
}

// mustRefuse fails t unless token is refused with ErrInvalidToken and no id.
// The token is not printed: for a valid one that would be a credential in a
// log.
func mustRefuse(t *testing.T, s Subject, token, what string) {
	t.Helper()
	got, err := s.Strategy.ReadToken(context.Background(), token)
	if !errors.Is(err, backend.ErrInvalidToken) || got != uuid.Nil {
		t.Fatalf("ReadToken(%s) = %v, %v; want ErrInvalidToken", what, got, err)
	}
}

func testWriteThenRead(t *testing.T, s Subject) {
	a, b := newUser(), newUser()
	ta, tb := write(t, s, a), write(t, s, b)
	ta2 := write(t, s, a)
	// A JWT for one user at one second is the same token every time; a
	// server-side token is new at every login.
	if ta == tb || (s.ServerSide && ta == ta2) {
		t.Fatal("WriteToken issued one token twice")
	}
	for range 2 { // reading does not consume a token
		mustRead(t, s, ta, a.ID)
		mustRead(t, s, tb, b.ID)
		mustRead(t, s, ta2, a.ID)
	}
	// Copies of the token's bytes, not the string WriteToken returned, as a
	// request would carry them.
	mustRead(t, s, strings.Clone(ta), a.ID)
}

func testWriteWithoutUser(t *testing.T, s Subject) {
	if tok, err := s.Strategy.WriteToken(context.Background(), nil); err == nil || tok != "" {
		t.Fatalf("WriteToken(nil) = %d bytes, %v; want an error", len(tok), err)
	}
}

// otherStrategyToken is a valid token of a strategy that is not s: a JWT with
// a secret of its own, the same user.
func otherStrategyToken(t *testing.T, u *user.Base) string {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	tok, err := backend.JWT(secret, time.Hour).WriteToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func testInvalidTokens(t *testing.T, s Subject) {
	u := newUser()
	tok := write(t, s, u)
	random, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"space", " "},
		{"garbage", "not a token"},
		{"NUL bytes", "\x00\x00\x00"},
		{"invalid UTF-8", "\xff\xfe\xfd"},
		{"just over MaxTokenLength", strings.Repeat("A", backend.MaxTokenLength+1)},
		{"a megabyte", strings.Repeat("A", 1<<20)},
		{"never issued, right form", random},
		{"first character changed", flip(0)},
		{"middle character changed", flip(len(tok) / 2)},
		{"last character changed", flip(len(tok) - 1)},
		{"truncated", tok[:len(tok)-1]},
		{"one more character", tok + "A"},
		{"padded", tok + "="},
		{"trailing newline", tok + "\n"},
		{"leading space", " " + tok},
		{"upper-cased", strings.ToUpper(tok)},
		{"doubled", tok + tok},
		{"its SHA-256 digest", auth.TokenDigest(tok)},
		{"another strategy's token", otherStrategyToken(t, u)},
	}
	for _, tt := range tests {
		if tt.token == tok {
			continue // upper-casing may leave a token unchanged
		}
		t.Run(tt.name, func(t *testing.T) { mustRefuse(t, s, tt.token, tt.name) })
	}
	mustRead(t, s, tok, u.ID) // none of that disturbed the real one
}

func testExpiry(t *testing.T, s Subject) {
	u := newUser()
	tok := write(t, s, u)
	s.Clock.Advance(s.Lifetime - time.Second)
	mustRead(t, s, tok, u.ID)
	fresh := write(t, s, u)
	s.Clock.Advance(time.Second)
	mustRefuse(t, s, tok, "a token at its expiry")
	mustRead(t, s, fresh, u.ID) // each token's lifetime runs from its own issue
	s.Clock.Advance(s.Lifetime)
	mustRefuse(t, s, tok, "a token a lifetime past expiry")
	mustRefuse(t, s, fresh, "the second token past its expiry")
	mustRead(t, s, write(t, s, u), u.ID) // the user can log in again
}

func testStatelessDestroy(t *testing.T, s Subject) {
	if s.ServerSide {
		t.Skip("server-side strategy: see Destroy")
	}
	if _, ok := s.Strategy.(backend.Revoker); ok {
		t.Fatal("a stateless strategy implements backend.Revoker: it cannot end a token")
	}
	u := newUser()
	tok := write(t, s, u)
	for _, token := range []string{tok, "", "garbage"} {
		if err := s.Strategy.DestroyToken(context.Background(), token, u); err != nil {
			t.Fatalf("DestroyToken = %v", err)
		}
	}
}

func testTokenForm(t *testing.T, s Subject) {
	u := newUser()
	seen := map[string]bool{}
	for range 50 {
		tok := write(t, s, u)
		if len(tok) != auth.RandomTokenLength || !auth.IsRandomToken(tok) {
			t.Fatalf("token of %d bytes is not 43 characters of unpadded base64url", len(tok))
		}
		if seen[tok] {
			t.Fatal("token repeated")
		}
		seen[tok] = true
	}
}

func testDestroy(t *testing.T, s Subject) {
	ctx := context.Background()
	a, b := newUser(), newUser()
	ta1, ta2, tb := write(t, s, a), write(t, s, a), write(t, s, b)
	if err := s.Strategy.DestroyToken(ctx, ta1, a); err != nil {
		t.Fatalf("DestroyToken: %v", err)
	}
	mustRefuse(t, s, ta1, "a destroyed token")
	mustRead(t, s, ta2, a.ID) // logout ends one session, not the user's others
	mustRead(t, s, tb, b.ID)
	for _, tc := range []struct{ name, token string }{
		{"twice", ta1},
		{"empty", ""},
		{"garbage", "garbage"},
		{"oversized", strings.Repeat("A", backend.MaxTokenLength+1)},
	} {
		if err := s.Strategy.DestroyToken(ctx, tc.token, a); err != nil {
			t.Fatalf("DestroyToken(%s) = %v; want nil", tc.name, err)
		}
	}
	mustRefuse(t, s, ta1, "a token destroyed twice")
	mustRead(t, s, ta2, a.ID)

	// An expired token can still be destroyed, harmlessly.
	s.Clock.Advance(s.Lifetime)
	if err := s.Strategy.DestroyToken(ctx, ta2, a); err != nil {
		t.Fatalf("DestroyToken(expired) = %v", err)
	}
	mustRefuse(t, s, ta2, "an expired, destroyed token")
}

func testRevokeUser(t *testing.T, s Subject) {
	ctx := context.Background()
	r, ok := s.Strategy.(backend.Revoker)
	if !ok {
		t.Fatal("a server-side strategy must implement backend.Revoker")
	}
	a, b := newUser(), newUser()
	var ta []string
	for range 3 {
		ta = append(ta, write(t, s, a))
	}
	tb := []string{write(t, s, b), write(t, s, b)}
	// One of a's tokens was logged out already, one has expired: revoking
	// must cope with both.
	if err := s.Strategy.DestroyToken(ctx, ta[0], a); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(s.Lifetime / 2)
	ta = append(ta, write(t, s, a))
	s.Clock.Advance(s.Lifetime/2 + time.Second) // the first three are expired now
	ta = append(ta, write(t, s, a))
	tb = append(tb, write(t, s, b))
	mustRead(t, s, ta[3], a.ID)

	if err := r.RevokeUser(ctx, a.ID); err != nil {
		t.Fatalf("RevokeUser: %v", err)
	}
	for i, tok := range ta {
		mustRefuse(t, s, tok, "a revoked user's token "+string(rune('0'+i)))
	}
	mustRead(t, s, tb[2], b.ID) // another user's live token survives

	for _, tc := range []struct {
		name string
		id   uuid.UUID
	}{{"again", a.ID}, {"a user without tokens", uuid.New()}, {"the nil id", uuid.Nil}} {
		if err := r.RevokeUser(ctx, tc.id); err != nil {
			t.Fatalf("RevokeUser(%s) = %v; want nil", tc.name, err)
		}
	}
	mustRead(t, s, tb[2], b.ID)
	mustRead(t, s, write(t, s, a), a.ID) // revocation does not lock the user out
}

func testNotStoredInClear(t *testing.T, s Subject) {
	if s.Stored == nil {
		t.Skip("Subject.Stored not set")
	}
	var tokens []string
	for range 5 {
		tokens = append(tokens, write(t, s, newUser()))
	}
	stored := strings.Join(s.Stored(t), "\n")
	for i, tok := range tokens {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		forms := map[string]string{
			"the token":               tok,
			"its bytes":               string(raw),
			"its bytes in hex":        hex.EncodeToString(raw),
			"its bytes in base64":     base64.StdEncoding.EncodeToString(raw),
			"its first 16 characters": tok[:16],
		}
		for name, form := range forms {
			if strings.Contains(stored, form) {
				t.Errorf("token %d: %s is stored", i, name)
			}
		}
		if !strings.Contains(stored, auth.TokenDigest(tok)) {
			t.Errorf("token %d: its digest is not among what Stored returned", i)
		}
	}
}
