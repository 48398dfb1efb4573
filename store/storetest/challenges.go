package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// RunChallenges runs the conformance suite of user.ChallengeStore against the
// stores f.Users opens, which must implement it besides user.Store: the
// cases of RunChallengeStore, and those that need users (a challenge for an
// unknown user is refused; deleting a user deletes its challenges). Only
// f.Users is needed.
//
//	storetest.RunChallenges(t, storetest.Factory{Users: ...})
func RunChallenges(t *testing.T, f Factory) {
	t.Helper()
	if f.Users == nil {
		t.Fatal("storetest: Factory.Users is required")
	}
	open := func(t *testing.T) challengeUsers {
		t.Helper()
		s, ok := f.Users(t).(challengeUsers)
		if !ok {
			t.Fatal("storetest: the store does not implement user.ChallengeStore")
		}
		return s
	}
	runChallengeCases(t, func(t *testing.T) (user.ChallengeStore, func() uuid.UUID) {
		s := open(t)
		return s, func() uuid.UUID { return newUser(t, s) }
	})
	t.Run("UnknownUser", func(t *testing.T) { testChallengeUnknownUser(t, open(t)) })
	t.Run("DeleteUserDeletesChallenges", func(t *testing.T) { testDeleteUserDeletesChallenges(t, open(t)) })
}

// RunChallengeStore runs the cases of user.ChallengeStore that need no
// users against the stores open returns, for a challenge store that keeps
// no users of its own, such as user.MemoryChallenges: round trips, single
// use under concurrent takers, counting down tries, purging by expiry,
// copies, and refusals that write nothing.
func RunChallengeStore(t *testing.T, open func(t *testing.T) user.ChallengeStore) {
	t.Helper()
	runChallengeCases(t, func(t *testing.T) (user.ChallengeStore, func() uuid.UUID) {
		return open(t), uuid.New
	})
}

// challengeUsers is a user store with the challenge capability.
type challengeUsers interface {
	user.Store[*user.User]
	user.ChallengeStore
}

// challengeOpener opens a store and gives a function that makes users
// the store accepts challenges for.
type challengeOpener func(t *testing.T) (user.ChallengeStore, func() uuid.UUID)

func runChallengeCases(t *testing.T, open challengeOpener) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, challengeOpener)
	}{
		{"CreateThenGet", testChallengeCreateThenGet},
		{"NotFound", testChallengeNotFound},
		{"CreateDuplicate", testChallengeCreateDuplicate},
		{"CreateRefusals", testChallengeCreateRefusals},
		{"FailCountsDown", testChallengeFailCountsDown},
		{"TakeOnce", testChallengeTakeOnce},
		{"ExpiredStillReturned", testChallengeExpiredStillReturned},
		{"DeleteExpired", testChallengeDeleteExpired},
		{"ReturnedChallengesAreCopies", testChallengeCopies},
		{"ConcurrentTakeOneWins", testChallengeConcurrentTake},
		{"ConcurrentFailCountsEveryTry", testChallengeConcurrentFail},
		{"ConcurrentFailAndTake", testChallengeConcurrentFailAndTake},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open) })
	}
}

// challengeDigest is a digest-shaped key: 64 hex digits.
func challengeDigest(n int) string { return fmt.Sprintf("%064x", n) }

func sampleChallenge(n int, userID uuid.UUID) user.Challenge {
	return user.Challenge{
		Digest: challengeDigest(n), Kind: "login_2fa", UserID: userID, Backend: "jwt",
		Payload: []byte(fmt.Sprintf(`{"n":%d,"bin":"\u0000\u00ff"}`, n)), ExpiresAt: when.Add(5 * time.Minute), TriesLeft: 5,
	}
}

func sameChallenge(a, b user.Challenge) bool {
	return a.Digest == b.Digest && a.Kind == b.Kind && a.UserID == b.UserID && a.Backend == b.Backend &&
		bytes.Equal(a.Payload, b.Payload) && sameInstant(a.ExpiresAt, b.ExpiresAt) && a.TriesLeft == b.TriesLeft
}

func mustCreateChallenge(t *testing.T, s user.ChallengeStore, c user.Challenge) {
	t.Helper()
	if err := s.CreateChallenge(t.Context(), c); err != nil {
		t.Fatalf("CreateChallenge: %v", err)
	}
}

func wantChallenge(t *testing.T, s user.ChallengeStore, want user.Challenge) {
	t.Helper()
	got, err := s.GetChallenge(t.Context(), want.Digest)
	if err != nil {
		t.Fatalf("GetChallenge: %v", err)
	}
	if !sameChallenge(got, want) {
		t.Fatalf("GetChallenge =\n%+v\nwant\n%+v", got, want)
	}
}

func wantNoChallenge(t *testing.T, s user.ChallengeStore, digest string) {
	t.Helper()
	_, err := s.GetChallenge(t.Context(), digest)
	wantErr(t, "GetChallenge", err, user.ErrNotFound)
}

func testChallengeCreateThenGet(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	id := newUserID()
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	for _, tc := range []struct {
		name string
		c    user.Challenge
	}{
		{"EveryFieldSet", sampleChallenge(1, id)},
		{"NoUserNoBackendNoPayload", user.Challenge{Digest: challengeDigest(2), Kind: "passkey_login", ExpiresAt: when, TriesLeft: 1}},
		{"BinaryPayloadAtTheLimit", func() user.Challenge {
			c := sampleChallenge(3, id)
			c.Payload = bytes.Repeat(binary, user.MaxChallengePayloadBytes/256)
			c.Kind = strings.Repeat("k", user.MaxChallengeKindBytes)
			c.Backend = strings.Repeat("b", user.MaxBackendNameBytes)
			return c
		}()},
		{"ShortDigest", func() user.Challenge { c := sampleChallenge(4, id); c.Digest = "d"; return c }()},
		{"ManyTries", func() user.Challenge { c := sampleChallenge(5, id); c.TriesLeft = 1 << 20; return c }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCreateChallenge(t, s, tc.c)
			wantChallenge(t, s, tc.c)
		})
	}
}

func testChallengeNotFound(t *testing.T, open challengeOpener) {
	s, _ := open(t)
	ctx := t.Context()
	wantNoChallenge(t, s, challengeDigest(1))
	_, err := s.FailChallenge(ctx, challengeDigest(1))
	wantErr(t, "FailChallenge", err, user.ErrNotFound)
	_, err = s.TakeChallenge(ctx, challengeDigest(1))
	wantErr(t, "TakeChallenge", err, user.ErrNotFound)
	if n, err := s.DeleteExpiredChallenges(ctx, when.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("DeleteExpiredChallenges on an empty store = %d, %v", n, err)
	}
}

func testChallengeCreateDuplicate(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	first := sampleChallenge(1, newUserID())
	mustCreateChallenge(t, s, first)
	second := sampleChallenge(1, newUserID())
	second.Kind, second.Payload = "passkey_register", []byte("other")
	wantErr(t, "CreateChallenge(same digest)", s.CreateChallenge(t.Context(), second), user.ErrAlreadyExists)
	wantChallenge(t, s, first)
}

func testChallengeCreateRefusals(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	id := newUserID()
	for _, tc := range []struct {
		name   string
		change func(*user.Challenge)
	}{
		{"EmptyDigest", func(c *user.Challenge) { c.Digest = "" }},
		{"LongDigest", func(c *user.Challenge) { c.Digest += "0" }},
		{"EmptyKind", func(c *user.Challenge) { c.Kind = "" }},
		{"LongKind", func(c *user.Challenge) { c.Kind = strings.Repeat("k", user.MaxChallengeKindBytes+1) }},
		{"LongBackend", func(c *user.Challenge) { c.Backend = strings.Repeat("b", user.MaxBackendNameBytes+1) }},
		{"LargePayload", func(c *user.Challenge) { c.Payload = make([]byte, user.MaxChallengePayloadBytes+1) }},
		{"NoTries", func(c *user.Challenge) { c.TriesLeft = 0 }},
		{"NegativeTries", func(c *user.Challenge) { c.TriesLeft = -1 }},
		{"NoExpiry", func(c *user.Challenge) { c.ExpiresAt = time.Time{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sampleChallenge(1, id)
			tc.change(&c)
			wantErr(t, "CreateChallenge", s.CreateChallenge(t.Context(), c), user.ErrInvalidRecord)
			if c.Digest != "" && len(c.Digest) <= user.MaxDigestBytes {
				wantNoChallenge(t, s, c.Digest)
			}
		})
	}
}

func testChallengeFailCountsDown(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	ctx := t.Context()
	c := sampleChallenge(1, newUserID())
	c.TriesLeft = 3
	mustCreateChallenge(t, s, c)
	for _, want := range []int{2, 1} {
		left, err := s.FailChallenge(ctx, c.Digest)
		if err != nil || left != want {
			t.Fatalf("FailChallenge = %d, %v; want %d", left, err, want)
		}
		c.TriesLeft = want
		wantChallenge(t, s, c)
	}
	if left, err := s.FailChallenge(ctx, c.Digest); err != nil || left != 0 {
		t.Fatalf("the last FailChallenge = %d, %v; want 0", left, err)
	}
	wantNoChallenge(t, s, c.Digest)
	_, err := s.FailChallenge(ctx, c.Digest)
	wantErr(t, "FailChallenge(dead)", err, user.ErrNotFound)
	_, err = s.TakeChallenge(ctx, c.Digest)
	wantErr(t, "TakeChallenge(dead)", err, user.ErrNotFound)
}

func testChallengeTakeOnce(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	ctx := t.Context()
	c, other := sampleChallenge(1, newUserID()), sampleChallenge(2, newUserID())
	mustCreateChallenge(t, s, c)
	mustCreateChallenge(t, s, other)
	got, err := s.TakeChallenge(ctx, c.Digest)
	if err != nil || !sameChallenge(got, c) {
		t.Fatalf("TakeChallenge = %+v, %v; want %+v", got, err, c)
	}
	_, err = s.TakeChallenge(ctx, c.Digest)
	wantErr(t, "TakeChallenge(again)", err, user.ErrNotFound)
	wantNoChallenge(t, s, c.Digest)
	wantChallenge(t, s, other)
	// A taken digest may be used again (tokens never repeat, but the
	// store must not keep a tombstone that says otherwise).
	mustCreateChallenge(t, s, c)
}

func testChallengeExpiredStillReturned(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	c := sampleChallenge(1, newUserID())
	c.ExpiresAt = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	mustCreateChallenge(t, s, c)
	wantChallenge(t, s, c)
	if _, err := s.TakeChallenge(t.Context(), c.Digest); err != nil {
		t.Fatalf("TakeChallenge(expired): %v", err)
	}
}

func testChallengeDeleteExpired(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	id := newUserID()
	var cs []user.Challenge
	for i, at := range []time.Duration{-time.Hour, -time.Microsecond, 0, time.Microsecond, time.Hour} {
		c := sampleChallenge(i, id)
		c.ExpiresAt = when.Truncate(time.Microsecond).Add(at)
		mustCreateChallenge(t, s, c)
		cs = append(cs, c)
	}
	n, err := s.DeleteExpiredChallenges(t.Context(), when.Truncate(time.Microsecond))
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpiredChallenges = %d, %v; want 3 (expiry before or at now)", n, err)
	}
	for _, c := range cs[:3] {
		wantNoChallenge(t, s, c.Digest)
	}
	for _, c := range cs[3:] {
		wantChallenge(t, s, c)
	}
}

func testChallengeCopies(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	c := sampleChallenge(1, newUserID())
	in := c
	in.Payload = slices.Clone(c.Payload)
	mustCreateChallenge(t, s, in)
	in.Payload[0] = 'X'
	got, err := s.GetChallenge(t.Context(), c.Digest)
	if err != nil {
		t.Fatal(err)
	}
	got.Payload[1] = 'Y'
	wantChallenge(t, s, c)
}

func testChallengeConcurrentTake(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	c := sampleChallenge(1, newUserID())
	mustCreateChallenge(t, s, c)
	var got [16]user.Challenge
	errs := race(16, func(i int) (err error) {
		got[i], err = s.TakeChallenge(t.Context(), c.Digest)
		return err
	})
	oneWinner(t, "TakeChallenge", errs, user.ErrNotFound)
	for i, err := range errs {
		if err == nil && !sameChallenge(got[i], c) {
			t.Fatalf("the winner took %+v", got[i])
		}
	}
}

func testChallengeConcurrentFail(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	c := sampleChallenge(1, newUserID())
	mustCreateChallenge(t, s, c)
	var left [12]int
	errs := race(12, func(i int) (err error) {
		left[i], err = s.FailChallenge(t.Context(), c.Digest)
		return err
	})
	var counts []int
	for i, err := range errs {
		switch {
		case err == nil:
			counts = append(counts, left[i])
		case !errors.Is(err, user.ErrNotFound):
			t.Fatalf("FailChallenge %d = %v", i, err)
		}
	}
	slices.Sort(counts)
	if !slices.Equal(counts, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("tries left reported = %v, want each of 0..4 once", counts)
	}
	wantNoChallenge(t, s, c.Digest)
}

// testChallengeConcurrentFailAndTake: failed tries racing a taker never
// resurrect the challenge nor let two parties consume it.
func testChallengeConcurrentFailAndTake(t *testing.T, open challengeOpener) {
	s, newUserID := open(t)
	id := newUserID()
	for round := range 8 {
		c := sampleChallenge(100+round, id)
		c.TriesLeft = 2
		mustCreateChallenge(t, s, c)
		var taken user.Challenge
		errs := race(6, func(i int) (err error) {
			if i == 0 {
				taken, err = s.TakeChallenge(t.Context(), c.Digest)
				return err
			}
			_, err = s.FailChallenge(t.Context(), c.Digest)
			return err
		})
		for i, err := range errs {
			if err != nil && !errors.Is(err, user.ErrNotFound) {
				t.Fatalf("round %d: call %d = %v", round, i, err)
			}
		}
		if errs[0] == nil && (taken.TriesLeft < 1 || taken.TriesLeft > 2) {
			t.Fatalf("round %d: took a challenge with %d tries left", round, taken.TriesLeft)
		}
		wantNoChallenge(t, s, c.Digest)
	}
}

func testChallengeUnknownUser(t *testing.T, s challengeUsers) {
	c := sampleChallenge(1, uuid.New())
	wantErr(t, "CreateChallenge(unknown user)", s.CreateChallenge(t.Context(), c), user.ErrNotFound)
	wantNoChallenge(t, s, c.Digest)
}

func testDeleteUserDeletesChallenges(t *testing.T, s challengeUsers) {
	ctx := t.Context()
	gone, kept := newUser(t, s), newUser(t, s)
	mine, theirs, nobody := sampleChallenge(1, gone), sampleChallenge(2, kept), sampleChallenge(3, uuid.Nil)
	for _, c := range []user.Challenge{mine, theirs, nobody} {
		mustCreateChallenge(t, s, c)
	}
	if err := s.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	wantNoChallenge(t, s, mine.Digest)
	wantChallenge(t, s, theirs)
	wantChallenge(t, s, nobody)
}
