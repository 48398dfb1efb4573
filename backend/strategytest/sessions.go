package strategytest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// sessionCases are the cases of a strategy's sessions: reading a token's
// session, and for server-side strategies listing, touching and ending them.
func sessionCases() []testCase {
	return []testCase{
		{"ReadSession", false, testReadSession},
		{"Sessions", true, testSessions},
		{"LastUsed", true, testLastUsed},
		{"EndSession", true, testEndSession},
		{"RevokeUserExcept", true, testRevokeUserExcept},
	}
}

func keeper(t *testing.T, s Subject) backend.SessionKeeper {
	t.Helper()
	k, ok := s.Strategy.(backend.SessionKeeper)
	if !ok {
		t.Fatal("a server-side strategy must implement backend.SessionKeeper")
	}
	return k
}

func readSession(t *testing.T, s Subject, token string) backend.TokenInfo {
	t.Helper()
	r, ok := s.Strategy.(backend.SessionReader)
	if !ok {
		t.Fatal("the strategy does not implement backend.SessionReader")
	}
	info, err := r.ReadSession(context.Background(), token)
	if err != nil {
		t.Fatalf("ReadSession: %v", err)
	}
	return info
}

// login issues a token for u as a sign-in with that origin and session
// would.
func login(t *testing.T, s Subject, u *user.Base, l backend.Login) string {
	t.Helper()
	tok, err := s.Strategy.WriteToken(backend.WithLogin(context.Background(), l), u)
	if err != nil {
		t.Fatalf("WriteToken: %v", err)
	}
	return tok
}

// testReadSession: ReadSession agrees with ReadToken, on what it accepts and
// what it refuses, and its TokenInfo allows the token's user only.
func testReadSession(t *testing.T, s Subject) {
	r, ok := s.Strategy.(backend.SessionReader)
	if !ok {
		if s.ServerSide {
			t.Fatal("a server-side strategy must implement backend.SessionReader")
		}
		t.Skip("not a SessionReader")
	}
	u := newUser()
	tok := write(t, s, u)
	info := readSession(t, s, tok)
	if info.UserID != u.ID || !info.Allows(u) {
		t.Fatalf("ReadSession = %+v; want %v, allowed", info, u.ID)
	}
	if info.Allows(newUser()) || info.Allows(nil) {
		t.Fatal("TokenInfo allows another user")
	}
	for _, bad := range []string{"", "garbage", tok + "A", auth.TokenDigest(tok)} {
		if info, err := r.ReadSession(context.Background(), bad); err == nil || info.UserID != uuid.Nil {
			t.Fatalf("ReadSession(bad) = %+v, %v; want an error", info, err)
		}
	}
}

var (
	phone  = auth.Origin{Backend: "bearer", ClientAddr: "203.0.113.7", UserAgent: "Camelot/2.1 (iPhone; iOS 19.0)"}
	laptop = auth.Origin{Backend: "cookie", ClientAddr: "2001:db8::1", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
)

func userSessions(t *testing.T, k backend.SessionKeeper, id uuid.UUID) []user.Session {
	t.Helper()
	list, err := k.UserSessions(context.Background(), id)
	if err != nil {
		t.Fatalf("UserSessions: %v", err)
	}
	slices.SortFunc(list, func(a, b user.Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return list
}

// testSessions: each token is a session part with its id, origin, times;
// a Login's session id is kept, so an access token and the refresh family
// of one sign-in are one session.
func testSessions(t *testing.T, s Subject) {
	k := keeper(t, s)
	u, other := newUser(), newUser()
	family := uuid.New()
	t0 := s.Clock.Now()
	tPhone := login(t, s, u, backend.Login{Origin: phone})
	s.Clock.Advance(time.Second)
	tLaptop := login(t, s, u, backend.Login{SessionID: family, Origin: laptop})
	login(t, s, other, backend.Login{Origin: phone})
	s.Clock.Advance(time.Second)
	write(t, s, u) // no Login at all: a session of its own, origin unknown

	list := userSessions(t, k, u.ID)
	if len(list) != 3 {
		t.Fatalf("%d sessions, want 3: %+v", len(list), list)
	}
	idPhone, idLaptop := readSession(t, s, tPhone).SessionID, readSession(t, s, tLaptop).SessionID
	if idLaptop != family || idPhone == uuid.Nil || idPhone == family || list[2].ID == idPhone || list[2].ID == uuid.Nil {
		t.Fatalf("session ids: phone %v, laptop %v (want %v), bare %v", idPhone, idLaptop, family, list[2].ID)
	}
	want := []user.Session{
		{ID: idPhone, Backend: phone.Backend, ClientAddr: phone.ClientAddr, UserAgent: phone.UserAgent, CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(s.Lifetime)},
		{ID: family, Backend: laptop.Backend, ClientAddr: laptop.ClientAddr, UserAgent: laptop.UserAgent, CreatedAt: t0.Add(time.Second), LastUsedAt: t0.Add(time.Second), ExpiresAt: t0.Add(time.Second + s.Lifetime)},
	}
	for i, w := range want {
		if !sameSession(list[i], w) {
			t.Fatalf("session %d =\n%+v\nwant\n%+v", i, list[i], w)
		}
	}
	if list[2].Backend != "" || list[2].UserAgent != "" || list[2].Refresh {
		t.Fatalf("a session without a Login = %+v", list[2])
	}
	if got := userSessions(t, k, uuid.New()); len(got) != 0 {
		t.Fatalf("a user without tokens has %d sessions", len(got))
	}
	// Expired tokens are no session; logged-out ones neither.
	if err := s.Strategy.DestroyToken(context.Background(), tPhone, u); err != nil {
		t.Fatal(err)
	}
	if got := userSessions(t, k, u.ID); len(got) != 2 {
		t.Fatalf("%d sessions after a logout, want 2", len(got))
	}
	s.Clock.Advance(s.Lifetime)
	if got := userSessions(t, k, u.ID); len(got) != 0 {
		t.Fatalf("%d sessions after every token expired, want 0", len(got))
	}
}

// sameSession compares sessions, times as instants.
func sameSession(a, b user.Session) bool {
	return a.ID == b.ID && a.Backend == b.Backend && a.ClientAddr == b.ClientAddr && a.UserAgent == b.UserAgent &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastUsedAt.Equal(b.LastUsedAt) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.Refresh == b.Refresh && a.Current == b.Current
}

// testLastUsed: reading a token records when it was last used, but at most
// once per backend.TouchInterval.
func testLastUsed(t *testing.T, s Subject) {
	k := keeper(t, s)
	u := newUser()
	t0 := s.Clock.Now()
	tok := login(t, s, u, backend.Login{Origin: phone})
	lastUsed := func() time.Time {
		t.Helper()
		list := userSessions(t, k, u.ID)
		if len(list) != 1 {
			t.Fatalf("%d sessions, want 1", len(list))
		}
		return list[0].LastUsedAt
	}
	steps := []struct {
		advance time.Duration
		want    time.Time
	}{
		{0, t0},                         // read at once: nothing to write
		{backend.TouchInterval / 2, t0}, // not stale yet
		{backend.TouchInterval / 2, t0.Add(backend.TouchInterval)}, // stale: written
		{time.Second, t0.Add(backend.TouchInterval)},
		{backend.TouchInterval, t0.Add(2*backend.TouchInterval + time.Second)},
	}
	for i, st := range steps {
		s.Clock.Advance(st.advance)
		mustRead(t, s, tok, u.ID)
		if got := lastUsed(); !got.Equal(st.want) {
			t.Fatalf("step %d: LastUsedAt %v, want %v", i, got, st.want)
		}
	}
}

// testEndSession: ending one session refuses its tokens at once and leaves
// the user's others; another user's session, or an unknown one, is not
// found and ends nothing.
func testEndSession(t *testing.T, s Subject) {
	ctx := context.Background()
	k := keeper(t, s)
	u, other := newUser(), newUser()
	family := uuid.New()
	t1 := login(t, s, u, backend.Login{SessionID: family, Origin: phone})
	t2 := login(t, s, u, backend.Login{SessionID: family, Origin: phone}) // a refresh's new token
	t3 := login(t, s, u, backend.Login{Origin: laptop})
	tOther := login(t, s, other, backend.Login{Origin: laptop})
	for _, tc := range []struct {
		name    string
		user, s uuid.UUID
	}{{"unknown session", u.ID, uuid.New()}, {"another user's session", other.ID, family}, {"the nil session", u.ID, uuid.Nil}} {
		if found, err := k.EndSession(ctx, tc.user, tc.s); err != nil || found {
			t.Fatalf("EndSession(%s) = %v, %v; want false, nil", tc.name, found, err)
		}
	}
	mustRead(t, s, t1, u.ID)
	if found, err := k.EndSession(ctx, u.ID, family); err != nil || !found {
		t.Fatalf("EndSession = %v, %v; want true, nil", found, err)
	}
	mustRefuse(t, s, t1, "a token of an ended session")
	mustRefuse(t, s, t2, "the other token of an ended session")
	mustRead(t, s, t3, u.ID)
	mustRead(t, s, tOther, other.ID)
	if found, err := k.EndSession(ctx, u.ID, family); err != nil || found {
		t.Fatalf("EndSession(again) = %v, %v; want false, nil", found, err)
	}
	// A session of tokens stored without a Login has an id all the same.
	bare := write(t, s, u)
	id := readSession(t, s, bare).SessionID
	if found, err := k.EndSession(ctx, u.ID, id); err != nil || !found {
		t.Fatalf("EndSession(a session without a Login) = %v, %v", found, err)
	}
	mustRefuse(t, s, bare, "an ended session's token")
}

// testRevokeUserExcept: every token of the user dies but the kept one;
// other users' live on.
func testRevokeUserExcept(t *testing.T, s Subject) {
	ctx := context.Background()
	k := keeper(t, s)
	u, other := newUser(), newUser()
	var toks []string
	for range 3 {
		toks = append(toks, login(t, s, u, backend.Login{Origin: phone}))
	}
	tOther := login(t, s, other, backend.Login{Origin: phone})
	keep := user.CurrentSession{ID: readSession(t, s, toks[1]).SessionID, TokenDigest: auth.TokenDigest(toks[1])}
	if err := k.RevokeUserExcept(ctx, u.ID, keep); err != nil {
		t.Fatalf("RevokeUserExcept: %v", err)
	}
	mustRefuse(t, s, toks[0], "a revoked token")
	mustRefuse(t, s, toks[2], "a revoked token")
	mustRead(t, s, toks[1], u.ID)
	mustRead(t, s, tOther, other.ID)
	if got := userSessions(t, k, u.ID); len(got) != 1 || got[0].ID != keep.ID {
		t.Fatalf("sessions after RevokeUserExcept = %+v, want the kept one", got)
	}
	// Keeping another user's token spares none of u's.
	if err := k.RevokeUserExcept(ctx, u.ID, user.CurrentSession{TokenDigest: auth.TokenDigest(tOther)}); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, s, toks[1], "a token revoked with nothing kept")
	mustRead(t, s, tOther, other.ID)
}
