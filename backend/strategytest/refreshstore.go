package strategytest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
)

// RunRefreshStore runs the conformance suite of backend.RefreshStore against
// the stores open returns, one per subtest: the error contract, exact digest
// lookups, rotation (exactly one winner among concurrent rotations of one
// token, nothing written on refusal), revocation of a family and of a user,
// purge by expiry, time handling, and concurrent use. open must return a
// fresh, empty store and release it with t.Cleanup.
func RunRefreshStore(t *testing.T, open func(t *testing.T) backend.RefreshStore) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(t *testing.T, st backend.RefreshStore)
	}{
		{"RoundTrip", testRefreshRoundTrip},
		{"NotFound", testRefreshNotFound},
		{"ExactDigest", testRefreshExactDigest},
		{"Duplicate", testRefreshDuplicate},
		{"Rotate", testRefreshRotate},
		{"RotateToTakenDigest", testRefreshRotateToTaken},
		{"ConcurrentRotate", testRefreshConcurrentRotate},
		{"DeleteFamily", testRefreshDeleteFamily},
		{"DeleteUser", testRefreshDeleteUser},
		{"DeleteExpiredBefore", testRefreshDeleteExpired},
		{"Origin", testRefreshOrigin},
		{"UserRefreshTokens", testRefreshUserTokens},
		{"DeleteUserExcept", testRefreshDeleteExcept},
		{"Concurrent", testRefreshConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// newRefreshToken returns the first token of a new family for userID,
// issued at created and expiring an hour later.
func newRefreshToken(t *testing.T, userID uuid.UUID, created time.Time) auth.RefreshToken {
	t.Helper()
	tok, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	return auth.RefreshToken{
		Digest: auth.TokenDigest(tok), FamilyID: uuid.New(), UserID: userID,
		CreatedAt: created, FamilyCreatedAt: created, ExpiresAt: created.Add(time.Hour),
		Origin: auth.Origin{Backend: "jwt", ClientAddr: "198.51.100.23", UserAgent: "okhttp/4.12.0"},
	}
}

// successor returns the token that replaces rt at created.
func successor(t *testing.T, rt auth.RefreshToken, created time.Time) auth.RefreshToken {
	t.Helper()
	next := newRefreshToken(t, rt.UserID, created)
	next.FamilyID, next.FamilyCreatedAt, next.Origin = rt.FamilyID, rt.FamilyCreatedAt, rt.Origin
	return next
}

// sameRefreshToken reports whether two records hold the same fields, times
// compared as instants.
func sameRefreshToken(a, b auth.RefreshToken) bool {
	return a.Digest == b.Digest && a.FamilyID == b.FamilyID && a.UserID == b.UserID &&
		a.CreatedAt.Equal(b.CreatedAt) && a.FamilyCreatedAt.Equal(b.FamilyCreatedAt) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.Used == b.Used && a.Origin == b.Origin
}

func createRefresh(t *testing.T, st backend.RefreshStore, rt auth.RefreshToken) {
	t.Helper()
	if err := st.CreateRefreshToken(context.Background(), rt); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
}

func mustGetRefresh(t *testing.T, st backend.RefreshStore, want auth.RefreshToken) {
	t.Helper()
	got, err := st.GetRefreshToken(context.Background(), want.Digest)
	if err != nil {
		t.Fatalf("GetRefreshToken: %v", err)
	}
	if !sameRefreshToken(got, want) {
		t.Fatalf("GetRefreshToken =\n%+v\nwant\n%+v", got, want)
	}
}

func mustNotFindRefresh(t *testing.T, st backend.RefreshStore, digest, what string) {
	t.Helper()
	if _, err := st.GetRefreshToken(context.Background(), digest); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
		t.Fatalf("GetRefreshToken(%s) error = %v, want ErrRefreshTokenNotFound", what, err)
	}
}

func mustRotate(t *testing.T, st backend.RefreshStore, old, next auth.RefreshToken) {
	t.Helper()
	if err := st.RotateRefreshToken(context.Background(), old.Digest, next); err != nil {
		t.Fatalf("RotateRefreshToken: %v", err)
	}
}

func testRefreshRoundTrip(t *testing.T, st backend.RefreshStore) {
	for _, created := range []time.Time{storeEpoch, storeEpoch.UTC(), storeEpoch.Add(time.Hour).Local()} {
		rt := newRefreshToken(t, uuid.New(), created)
		rt.FamilyCreatedAt = created.Add(-48 * time.Hour)
		rt.ExpiresAt = created.Add(17*time.Minute + time.Microsecond)
		createRefresh(t, st, rt)
		mustGetRefresh(t, st, rt)
	}
	// A token stored with Used set is created unused all the same.
	rt := newRefreshToken(t, uuid.New(), storeEpoch)
	rt.Used = true
	createRefresh(t, st, rt)
	rt.Used = false
	mustGetRefresh(t, st, rt)
}

func testRefreshNotFound(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	unknown := newRefreshToken(t, uuid.New(), storeEpoch)
	mustNotFindRefresh(t, st, unknown.Digest, "an unknown digest")
	mustNotFindRefresh(t, st, "", "the empty digest")
	next := successor(t, unknown, storeEpoch.Add(time.Minute))
	if err := st.RotateRefreshToken(ctx, unknown.Digest, next); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
		t.Fatalf("RotateRefreshToken(unknown) = %v, want ErrRefreshTokenNotFound", err)
	}
	mustNotFindRefresh(t, st, next.Digest, "the successor of a refused rotation")
	for _, del := range []func() (int, error){
		func() (int, error) { return st.DeleteRefreshFamily(ctx, uuid.New()) },
		func() (int, error) { return st.DeleteUserRefreshTokens(ctx, uuid.New()) },
		func() (int, error) { return st.DeleteRefreshTokensExpiredBefore(ctx, storeEpoch) },
	} {
		if n, err := del(); n != 0 || err != nil {
			t.Fatalf("a delete in an empty store = %d, %v; want 0, nil", n, err)
		}
	}
}

// testRefreshExactDigest makes sure a lookup or a rotation matches the
// digest exactly: a case-insensitive collation or a blank-padded column
// would let a different string find the row.
func testRefreshExactDigest(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	rt := newRefreshToken(t, uuid.New(), storeEpoch)
	createRefresh(t, st, rt)
	for _, tc := range []struct{ name, digest string }{
		{"upper case", strings.ToUpper(rt.Digest)},
		{"trailing space", rt.Digest + " "},
		{"prefix", rt.Digest[:32]},
		{"longer", rt.Digest + "0"},
		{"wildcard", rt.Digest[:63] + "%"},
		{"pattern", rt.Digest[:63] + "_"},
	} {
		mustNotFindRefresh(t, st, tc.digest, tc.name)
		next := successor(t, rt, storeEpoch)
		if err := st.RotateRefreshToken(ctx, tc.digest, next); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
			t.Fatalf("RotateRefreshToken(%s) = %v, want ErrRefreshTokenNotFound", tc.name, err)
		}
	}
	mustGetRefresh(t, st, rt) // still unused
}

func testRefreshDuplicate(t *testing.T, st backend.RefreshStore) {
	rt := newRefreshToken(t, uuid.New(), storeEpoch)
	createRefresh(t, st, rt)
	dup := newRefreshToken(t, uuid.New(), storeEpoch.Add(time.Minute))
	dup.Digest = rt.Digest
	if err := st.CreateRefreshToken(context.Background(), dup); !errors.Is(err, auth.ErrRefreshTokenExists) {
		t.Fatalf("CreateRefreshToken(same digest) = %v, want ErrRefreshTokenExists", err)
	}
	mustGetRefresh(t, st, rt) // the first owner keeps it
	if n, err := st.DeleteUserRefreshTokens(context.Background(), dup.UserID); err != nil || n != 0 {
		t.Fatalf("DeleteUserRefreshTokens(refused owner) = %d, %v; want 0, nil", n, err)
	}
}

func testRefreshRotate(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	a := newRefreshToken(t, uuid.New(), storeEpoch)
	createRefresh(t, st, a)
	b := successor(t, a, storeEpoch.Add(time.Minute))
	mustRotate(t, st, a, b)
	usedA := a
	usedA.Used = true
	mustGetRefresh(t, st, usedA) // kept, for reuse detection
	mustGetRefresh(t, st, b)

	// Reuse: a is used; nothing is written.
	c := successor(t, a, storeEpoch.Add(2*time.Minute))
	if err := st.RotateRefreshToken(ctx, a.Digest, c); !errors.Is(err, auth.ErrRefreshTokenReused) {
		t.Fatalf("RotateRefreshToken(used) = %v, want ErrRefreshTokenReused", err)
	}
	mustNotFindRefresh(t, st, c.Digest, "the successor of a reused token")
	mustGetRefresh(t, st, b)

	// The chain goes on from the newest token.
	mustRotate(t, st, b, c)
	if n, err := st.DeleteRefreshFamily(ctx, a.FamilyID); err != nil || n != 3 {
		t.Fatalf("DeleteRefreshFamily = %d, %v; want 3 (two used, one live)", n, err)
	}
}

func testRefreshRotateToTaken(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	a := newRefreshToken(t, uuid.New(), storeEpoch)
	other := newRefreshToken(t, uuid.New(), storeEpoch)
	createRefresh(t, st, a)
	createRefresh(t, st, other)
	next := successor(t, a, storeEpoch.Add(time.Minute))
	next.Digest = other.Digest
	if err := st.RotateRefreshToken(ctx, a.Digest, next); !errors.Is(err, auth.ErrRefreshTokenExists) {
		t.Fatalf("RotateRefreshToken(to a taken digest) = %v, want ErrRefreshTokenExists", err)
	}
	mustGetRefresh(t, st, a) // still unused: the rotation did not happen
	mustGetRefresh(t, st, other)
	mustRotate(t, st, a, successor(t, a, storeEpoch.Add(time.Minute)))
}

// testRefreshConcurrentRotate presents one token many times at once, as a
// thief racing the client would: exactly one rotation wins.
func testRefreshConcurrentRotate(t *testing.T, st backend.RefreshStore) {
	const racers = 8
	ctx := context.Background()
	a := newRefreshToken(t, uuid.New(), storeEpoch)
	createRefresh(t, st, a)
	nexts := make([]auth.RefreshToken, racers)
	for i := range nexts {
		nexts[i] = successor(t, a, storeEpoch.Add(time.Minute))
	}
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { errs[i] = st.RotateRefreshToken(ctx, a.Digest, nexts[i]) })
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
			mustGetRefresh(t, st, nexts[i])
		case errors.Is(err, auth.ErrRefreshTokenReused):
			mustNotFindRefresh(t, st, nexts[i].Digest, "a losing rotation's successor")
		default:
			t.Fatalf("RotateRefreshToken = %v, want nil or ErrRefreshTokenReused", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent rotations of one token succeeded, want exactly 1", wins)
	}
}

func testRefreshDeleteFamily(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	u := uuid.New()
	a := newRefreshToken(t, u, storeEpoch)
	createRefresh(t, st, a)
	b := successor(t, a, storeEpoch.Add(time.Minute))
	mustRotate(t, st, a, b)
	c := successor(t, a, storeEpoch.Add(2*time.Minute))
	mustRotate(t, st, b, c)
	sibling := newRefreshToken(t, u, storeEpoch) // another login of the same user
	createRefresh(t, st, sibling)
	if n, err := st.DeleteRefreshFamily(ctx, a.FamilyID); err != nil || n != 3 {
		t.Fatalf("DeleteRefreshFamily = %d, %v; want 3", n, err)
	}
	for _, rt := range []auth.RefreshToken{a, b, c} {
		mustNotFindRefresh(t, st, rt.Digest, "a revoked family's token")
	}
	mustGetRefresh(t, st, sibling)
	if n, err := st.DeleteRefreshFamily(ctx, a.FamilyID); err != nil || n != 0 {
		t.Fatalf("DeleteRefreshFamily(again) = %d, %v; want 0", n, err)
	}
	next := successor(t, c, storeEpoch.Add(3*time.Minute))
	if err := st.RotateRefreshToken(ctx, c.Digest, next); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
		t.Fatalf("RotateRefreshToken(revoked) = %v, want ErrRefreshTokenNotFound", err)
	}
}

func testRefreshDeleteUser(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	u, other := uuid.New(), uuid.New()
	var ofU []auth.RefreshToken
	for i := range 3 {
		rt := newRefreshToken(t, u, storeEpoch.Add(time.Duration(i)*time.Hour))
		createRefresh(t, st, rt)
		ofU = append(ofU, rt)
	}
	next := successor(t, ofU[0], storeEpoch.Add(time.Minute))
	mustRotate(t, st, ofU[0], next)
	ofU = append(ofU, next)
	kept := newRefreshToken(t, other, storeEpoch)
	createRefresh(t, st, kept)
	if n, err := st.DeleteUserRefreshTokens(ctx, u); err != nil || n != 4 {
		t.Fatalf("DeleteUserRefreshTokens = %d, %v; want 4", n, err)
	}
	for _, rt := range ofU {
		mustNotFindRefresh(t, st, rt.Digest, "a revoked user's token")
	}
	mustGetRefresh(t, st, kept)
	for _, id := range []uuid.UUID{u, uuid.New(), uuid.Nil} {
		if n, err := st.DeleteUserRefreshTokens(ctx, id); err != nil || n != 0 {
			t.Fatalf("DeleteUserRefreshTokens(no tokens) = %d, %v; want 0, nil", n, err)
		}
	}
}

func testRefreshDeleteExpired(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	cutoff := storeEpoch
	expiring := func(at time.Time) auth.RefreshToken {
		rt := newRefreshToken(t, uuid.New(), cutoff.Add(-72*time.Hour))
		rt.ExpiresAt = at
		createRefresh(t, st, rt)
		return rt
	}
	old := expiring(cutoff.Add(-time.Microsecond).UTC())
	older := expiring(cutoff.Add(-48 * time.Hour))
	atCutoff := expiring(cutoff.UTC())
	newer := expiring(cutoff.Add(time.Microsecond))
	// The cutoff in yet another zone: instants are compared, not wall clocks.
	if n, err := st.DeleteRefreshTokensExpiredBefore(ctx, cutoff.In(time.FixedZone("", -7*3600))); err != nil || n != 2 {
		t.Fatalf("DeleteRefreshTokensExpiredBefore = %d, %v; want 2", n, err)
	}
	mustNotFindRefresh(t, st, old.Digest, "a token expired before the cutoff")
	mustNotFindRefresh(t, st, older.Digest, "a token expired long before the cutoff")
	mustGetRefresh(t, st, atCutoff) // strictly before
	mustGetRefresh(t, st, newer)
	if n, err := st.DeleteRefreshTokensExpiredBefore(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("DeleteRefreshTokensExpiredBefore(again) = %d, %v; want 0", n, err)
	}
	// The purged token's family and user are consistent: nothing is left.
	if n, err := st.DeleteRefreshFamily(ctx, old.FamilyID); err != nil || n != 0 {
		t.Fatalf("DeleteRefreshFamily after a purge = %d, %v; want 0", n, err)
	}
	if n, err := st.DeleteUserRefreshTokens(ctx, old.UserID); err != nil || n != 0 {
		t.Fatalf("DeleteUserRefreshTokens after a purge = %d, %v; want 0", n, err)
	}
}

// testRefreshOrigin: a family's origin round-trips through creation and
// rotation, empty or full of Unicode.
func testRefreshOrigin(t *testing.T, st backend.RefreshStore) {
	for _, o := range []auth.Origin{{}, {Backend: "cookie", ClientAddr: "2001:db8::7", UserAgent: "Navigateur/1.0 (Ünïcode; 日本語) ✓"}} {
		rt := newRefreshToken(t, uuid.New(), storeEpoch)
		rt.Origin = o
		createRefresh(t, st, rt)
		mustGetRefresh(t, st, rt)
		next := successor(t, rt, storeEpoch.Add(time.Minute))
		mustRotate(t, st, rt, next)
		mustGetRefresh(t, st, next)
	}
}

func wantUserRefreshTokens(t *testing.T, st backend.RefreshStore, userID uuid.UUID, want ...auth.RefreshToken) {
	t.Helper()
	got, err := st.UserRefreshTokens(context.Background(), userID)
	if err != nil {
		t.Fatalf("UserRefreshTokens: %v", err)
	}
	byDigest := func(a, b auth.RefreshToken) int { return strings.Compare(a.Digest, b.Digest) }
	slices.SortFunc(got, byDigest)
	slices.SortFunc(want, byDigest)
	if !slices.EqualFunc(got, want, sameRefreshToken) {
		t.Fatalf("UserRefreshTokens =\n%+v\nwant\n%+v", got, want)
	}
}

func testRefreshUserTokens(t *testing.T, st backend.RefreshStore) {
	u, other := uuid.New(), uuid.New()
	wantUserRefreshTokens(t, st, u)
	a := newRefreshToken(t, u, storeEpoch)
	createRefresh(t, st, a)
	b := successor(t, a, storeEpoch.Add(time.Minute))
	mustRotate(t, st, a, b)
	c := newRefreshToken(t, u, storeEpoch.Add(-3*time.Hour)) // expired: listed all the same
	createRefresh(t, st, c)
	d := newRefreshToken(t, other, storeEpoch)
	createRefresh(t, st, d)
	usedA := a
	usedA.Used = true
	wantUserRefreshTokens(t, st, u, usedA, b, c)
	wantUserRefreshTokens(t, st, other, d)
	if _, err := st.DeleteRefreshFamily(context.Background(), a.FamilyID); err != nil {
		t.Fatal(err)
	}
	wantUserRefreshTokens(t, st, u, c)
	wantUserRefreshTokens(t, st, uuid.New())
}

func testRefreshDeleteExcept(t *testing.T, st backend.RefreshStore) {
	ctx := context.Background()
	u, other := uuid.New(), uuid.New()
	keep := newRefreshToken(t, u, storeEpoch)
	createRefresh(t, st, keep)
	keepNext := successor(t, keep, storeEpoch.Add(time.Minute))
	mustRotate(t, st, keep, keepNext)
	var gone []auth.RefreshToken
	for range 3 {
		rt := newRefreshToken(t, u, storeEpoch)
		createRefresh(t, st, rt)
		gone = append(gone, rt)
	}
	next := successor(t, gone[0], storeEpoch.Add(time.Minute))
	mustRotate(t, st, gone[0], next)
	gone = append(gone, next)
	bystander := newRefreshToken(t, other, storeEpoch)
	createRefresh(t, st, bystander)
	if n, err := st.DeleteUserRefreshTokensExcept(ctx, u, keep.FamilyID); err != nil || n != 4 {
		t.Fatalf("DeleteUserRefreshTokensExcept = %d, %v; want 4", n, err)
	}
	for _, rt := range gone {
		mustNotFindRefresh(t, st, rt.Digest, "another family's token")
	}
	mustGetRefresh(t, st, keepNext)
	mustGetRefresh(t, st, bystander)
	// Another user's family spares nothing; uuid.Nil spares nothing.
	if n, err := st.DeleteUserRefreshTokensExcept(ctx, u, bystander.FamilyID); err != nil || n != 2 {
		t.Fatalf("DeleteUserRefreshTokensExcept(another user's family) = %d, %v; want 2", n, err)
	}
	mustGetRefresh(t, st, bystander)
	if n, err := st.DeleteUserRefreshTokensExcept(ctx, u, uuid.Nil); err != nil || n != 0 {
		t.Fatalf("DeleteUserRefreshTokensExcept(no tokens) = %d, %v; want 0", n, err)
	}
	wantUserRefreshTokens(t, st, u)
}

func testRefreshConcurrent(t *testing.T, st backend.RefreshStore) {
	const workers, rounds = 8, 15
	ctx := context.Background()
	bystander := newRefreshToken(t, uuid.New(), storeEpoch)
	createRefresh(t, st, bystander)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		u := uuid.New()
		chain := make([]auth.RefreshToken, rounds)
		chain[0] = newRefreshToken(t, u, storeEpoch)
		for i := 1; i < rounds; i++ {
			chain[i] = successor(t, chain[0], storeEpoch.Add(time.Duration(i)*time.Minute))
		}
		wg.Go(func() {
			if err := st.CreateRefreshToken(ctx, chain[0]); err != nil {
				errs <- err
				return
			}
			for i := 1; i < rounds; i++ {
				if err := st.RotateRefreshToken(ctx, chain[i-1].Digest, chain[i]); err != nil {
					errs <- err
					return
				}
				if got, err := st.GetRefreshToken(ctx, chain[i].Digest); err != nil || got.UserID != u || got.Used {
					errs <- errors.New("a rotated token did not read back as its user's, unused")
					return
				}
			}
			if _, err := st.UserRefreshTokens(ctx, u); err != nil {
				errs <- err
				return
			}
			var err error
			switch w % 3 {
			case 0:
				_, err = st.DeleteRefreshFamily(ctx, chain[0].FamilyID)
			case 1:
				_, err = st.DeleteUserRefreshTokens(ctx, u)
			default:
				_, err = st.DeleteUserRefreshTokensExcept(ctx, u, uuid.Nil)
			}
			if err == nil {
				_, err = st.DeleteRefreshTokensExpiredBefore(ctx, storeEpoch)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustGetRefresh(t, st, bystander)
}
