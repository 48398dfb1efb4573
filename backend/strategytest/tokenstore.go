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

// RunTokenStore runs the conformance suite of backend.TokenStore against the
// stores open returns, one per subtest: the error contract, exact digest
// lookups, revocation and purge counts, time handling, and concurrent use.
// open must return a fresh, empty store and release it with t.Cleanup.
func RunTokenStore(t *testing.T, open func(t *testing.T) backend.TokenStore) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(t *testing.T, st backend.TokenStore)
	}{
		{"RoundTrip", testStoreRoundTrip},
		{"NotFound", testStoreNotFound},
		{"ExactDigest", testStoreExactDigest},
		{"Duplicate", testStoreDuplicate},
		{"Delete", testStoreDelete},
		{"DeleteUserTokens", testStoreDeleteUserTokens},
		{"DeleteTokensCreatedBefore", testStoreDeleteCreatedBefore},
		{"SessionFields", testStoreSessionFields},
		{"UserTokens", testStoreUserTokens},
		{"TouchToken", testStoreTouch},
		{"DeleteUserTokensExcept", testStoreDeleteExcept},
		{"Concurrent", testStoreConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// storeEpoch is a creation time with microseconds only, the precision a
// store must keep, in a zone other than UTC and Local.
var storeEpoch = time.Date(2026, 11, 28, 14, 45, 51, 123456000, time.FixedZone("CET", 3600))

// newAccessToken returns a token for userID issued at created, expiring an
// hour later, in a session of its own.
func newAccessToken(t *testing.T, userID uuid.UUID, created time.Time) auth.AccessToken {
	tok, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	return auth.AccessToken{
		Digest: auth.TokenDigest(tok), UserID: userID, CreatedAt: created,
		SessionID: uuid.New(), ExpiresAt: created.Add(time.Hour),
		Origin: auth.Origin{Backend: "database", ClientAddr: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"},
	}
}

// sameAccessToken reports whether two records hold the same fields, times
// compared as instants.
func sameAccessToken(a, b auth.AccessToken) bool {
	return sameRequestFields(a, b) && a.ExpiresAt.Equal(b.ExpiresAt) && a.Origin == b.Origin
}

// sameRequestFields reports whether two records agree on what GetToken
// must return.
func sameRequestFields(a, b auth.AccessToken) bool {
	return a.Digest == b.Digest && a.UserID == b.UserID && a.CreatedAt.Equal(b.CreatedAt) && a.SessionID == b.SessionID &&
		a.LastUsedAt.Equal(b.LastUsedAt)
}

func create(t *testing.T, st backend.TokenStore, at auth.AccessToken) {
	t.Helper()
	if err := st.CreateToken(context.Background(), at); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
}

func mustGet(t *testing.T, st backend.TokenStore, want auth.AccessToken) {
	t.Helper()
	got, err := st.GetToken(context.Background(), want.Digest)
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if !sameRequestFields(got, want) {
		t.Fatalf("GetToken =\n%+v\nwant\n%+v", got, want)
	}
}

func mustNotFind(t *testing.T, st backend.TokenStore, digest, what string) {
	t.Helper()
	if _, err := st.GetToken(context.Background(), digest); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatalf("GetToken(%s) error = %v, want ErrTokenNotFound", what, err)
	}
}

func testStoreRoundTrip(t *testing.T, st backend.TokenStore) {
	for _, created := range []time.Time{storeEpoch, storeEpoch.UTC(), storeEpoch.Add(time.Hour).Local()} {
		at := newAccessToken(t, uuid.New(), created)
		create(t, st, at)
		mustGet(t, st, at)
	}
}

func testStoreNotFound(t *testing.T, st backend.TokenStore) {
	mustNotFind(t, st, newAccessToken(t, uuid.New(), storeEpoch).Digest, "an unknown digest")
	mustNotFind(t, st, "", "the empty digest")
	if err := st.DeleteToken(context.Background(), auth.TokenDigest("never")); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatalf("DeleteToken(unknown) = %v, want ErrTokenNotFound", err)
	}
}

// testStoreExactDigest makes sure a lookup matches the digest exactly: a
// case-insensitive collation or a blank-padded column would let a different
// string find the row.
func testStoreExactDigest(t *testing.T, st backend.TokenStore) {
	at := newAccessToken(t, uuid.New(), storeEpoch)
	create(t, st, at)
	for _, tc := range []struct{ name, digest string }{
		{"upper case", strings.ToUpper(at.Digest)},
		{"trailing space", at.Digest + " "},
		{"prefix", at.Digest[:32]},
		{"longer", at.Digest + "0"},
		{"wildcard", at.Digest[:63] + "%"},
		{"pattern", at.Digest[:63] + "_"},
	} {
		mustNotFind(t, st, tc.digest, tc.name)
	}
	mustGet(t, st, at)
}

func testStoreDuplicate(t *testing.T, st backend.TokenStore) {
	at := newAccessToken(t, uuid.New(), storeEpoch)
	create(t, st, at)
	dup := at
	dup.UserID, dup.CreatedAt = uuid.New(), storeEpoch.Add(time.Minute)
	if err := st.CreateToken(context.Background(), dup); !errors.Is(err, auth.ErrTokenExists) {
		t.Fatalf("CreateToken(same digest) = %v, want ErrTokenExists", err)
	}
	mustGet(t, st, at) // the first owner keeps it
	if n, err := st.DeleteUserTokens(context.Background(), dup.UserID); err != nil || n != 0 {
		t.Fatalf("DeleteUserTokens(refused owner) = %d, %v; want 0, nil", n, err)
	}
}

func testStoreDelete(t *testing.T, st backend.TokenStore) {
	ctx := context.Background()
	u := uuid.New()
	a, b := newAccessToken(t, u, storeEpoch), newAccessToken(t, u, storeEpoch)
	create(t, st, a)
	create(t, st, b)
	if err := st.DeleteToken(ctx, a.Digest); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	mustNotFind(t, st, a.Digest, "a deleted token")
	mustGet(t, st, b)
	if err := st.DeleteToken(ctx, a.Digest); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatalf("DeleteToken(twice) = %v, want ErrTokenNotFound", err)
	}
	if n, err := st.DeleteUserTokens(ctx, u); err != nil || n != 1 {
		t.Fatalf("DeleteUserTokens = %d, %v; want 1 (the deleted one is gone)", n, err)
	}
	create(t, st, a) // a deleted digest may be stored again
	mustGet(t, st, a)
}

func testStoreDeleteUserTokens(t *testing.T, st backend.TokenStore) {
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	var ofA []auth.AccessToken
	for i := range 3 {
		at := newAccessToken(t, a, storeEpoch.Add(time.Duration(i)*time.Hour))
		create(t, st, at)
		ofA = append(ofA, at)
	}
	ofB := newAccessToken(t, b, storeEpoch)
	create(t, st, ofB)
	if n, err := st.DeleteUserTokens(ctx, a); err != nil || n != 3 {
		t.Fatalf("DeleteUserTokens = %d, %v; want 3", n, err)
	}
	for _, at := range ofA {
		mustNotFind(t, st, at.Digest, "a revoked user's token")
	}
	mustGet(t, st, ofB)
	for _, id := range []uuid.UUID{a, uuid.New(), uuid.Nil} {
		if n, err := st.DeleteUserTokens(ctx, id); err != nil || n != 0 {
			t.Fatalf("DeleteUserTokens(no tokens) = %d, %v; want 0, nil", n, err)
		}
	}
}

func testStoreDeleteCreatedBefore(t *testing.T, st backend.TokenStore) {
	ctx := context.Background()
	cutoff := storeEpoch
	old := newAccessToken(t, uuid.New(), cutoff.Add(-time.Microsecond).UTC())
	older := newAccessToken(t, uuid.New(), cutoff.Add(-48*time.Hour))
	atCutoff := newAccessToken(t, uuid.New(), cutoff.UTC())
	newer := newAccessToken(t, old.UserID, cutoff.Add(time.Microsecond))
	for _, at := range []auth.AccessToken{old, older, atCutoff, newer} {
		create(t, st, at)
	}
	// The cutoff in yet another zone: instants are compared, not wall clocks.
	if n, err := st.DeleteTokensCreatedBefore(ctx, cutoff.In(time.FixedZone("", -7*3600))); err != nil || n != 2 {
		t.Fatalf("DeleteTokensCreatedBefore = %d, %v; want 2", n, err)
	}
	mustNotFind(t, st, old.Digest, "a token created before the cutoff")
	mustNotFind(t, st, older.Digest, "a token created long before the cutoff")
	mustGet(t, st, atCutoff) // strictly before
	mustGet(t, st, newer)
	if n, err := st.DeleteTokensCreatedBefore(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("DeleteTokensCreatedBefore(again) = %d, %v; want 0", n, err)
	}
	// The purged token's user index is consistent: only newer is left.
	if n, err := st.DeleteUserTokens(ctx, old.UserID); err != nil || n != 1 {
		t.Fatalf("DeleteUserTokens after a purge = %d, %v; want 1", n, err)
	}
}

// testStoreSessionFields: what a session list shows round-trips, empty and
// zero values included, and Unicode is kept byte for byte.
func testStoreSessionFields(t *testing.T, st backend.TokenStore) {
	full := newAccessToken(t, uuid.New(), storeEpoch)
	full.LastUsedAt = storeEpoch.Add(17*time.Minute + time.Microsecond)
	full.Origin = auth.Origin{Backend: "cookie", ClientAddr: "2001:db8::1", UserAgent: "Navigateur/1.0 (Ünïcode; 日本語) ✓"}
	bare := newAccessToken(t, uuid.New(), storeEpoch)
	bare.SessionID, bare.ExpiresAt, bare.Origin = uuid.Nil, time.Time{}, auth.Origin{}
	for _, at := range []auth.AccessToken{full, bare} {
		create(t, st, at)
		mustGet(t, st, at)
		wantUserTokens(t, st, at.UserID, at) // every field
	}
}

// userTokens returns the user's tokens sorted by digest.
func userTokens(t *testing.T, st backend.TokenStore, userID uuid.UUID) []auth.AccessToken {
	t.Helper()
	list, err := st.UserTokens(context.Background(), userID)
	if err != nil {
		t.Fatalf("UserTokens: %v", err)
	}
	slices.SortFunc(list, func(a, b auth.AccessToken) int { return strings.Compare(a.Digest, b.Digest) })
	return list
}

func wantUserTokens(t *testing.T, st backend.TokenStore, userID uuid.UUID, want ...auth.AccessToken) {
	t.Helper()
	got := userTokens(t, st, userID)
	slices.SortFunc(want, func(a, b auth.AccessToken) int { return strings.Compare(a.Digest, b.Digest) })
	if !slices.EqualFunc(got, want, sameAccessToken) {
		t.Fatalf("UserTokens =\n%+v\nwant\n%+v", got, want)
	}
}

func testStoreUserTokens(t *testing.T, st backend.TokenStore) {
	a, b := uuid.New(), uuid.New()
	wantUserTokens(t, st, a)
	ofA := []auth.AccessToken{newAccessToken(t, a, storeEpoch), newAccessToken(t, a, storeEpoch.Add(-2*time.Hour))} // one expired: listed all the same
	ofA[1].LastUsedAt = storeEpoch.Add(-time.Hour)
	for _, at := range ofA {
		create(t, st, at)
	}
	ofB := newAccessToken(t, b, storeEpoch)
	create(t, st, ofB)
	wantUserTokens(t, st, a, ofA...)
	wantUserTokens(t, st, b, ofB)
	wantUserTokens(t, st, uuid.New())
	if err := st.DeleteToken(context.Background(), ofA[0].Digest); err != nil {
		t.Fatal(err)
	}
	wantUserTokens(t, st, a, ofA[1])
}

func testStoreTouch(t *testing.T, st backend.TokenStore) {
	ctx := context.Background()
	at, other := newAccessToken(t, uuid.New(), storeEpoch), newAccessToken(t, uuid.New(), storeEpoch)
	create(t, st, at)
	create(t, st, other)
	for _, when := range []time.Time{storeEpoch.Add(time.Minute), storeEpoch.Add(3*time.Minute + 7*time.Microsecond).In(time.FixedZone("", 5*3600))} {
		if err := st.TouchToken(ctx, at.Digest, when); err != nil {
			t.Fatalf("TouchToken: %v", err)
		}
		at.LastUsedAt = when
		mustGet(t, st, at)
		wantUserTokens(t, st, at.UserID, at) // nothing else changed
	}
	mustGet(t, st, other)
	for _, tc := range []struct{ name, digest string }{
		{"unknown", newAccessToken(t, uuid.New(), storeEpoch).Digest},
		{"upper case", strings.ToUpper(at.Digest)},
		{"prefix", at.Digest[:63]},
	} {
		if err := st.TouchToken(ctx, tc.digest, storeEpoch); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("TouchToken(%s) = %v, want ErrTokenNotFound", tc.name, err)
		}
	}
	mustGet(t, st, at)
}

func testStoreDeleteExcept(t *testing.T, st backend.TokenStore) {
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	var ofA []auth.AccessToken
	for range 4 {
		at := newAccessToken(t, a, storeEpoch)
		create(t, st, at)
		ofA = append(ofA, at)
	}
	ofB := newAccessToken(t, b, storeEpoch)
	create(t, st, ofB)
	if n, err := st.DeleteUserTokensExcept(ctx, a, ofA[2].Digest); err != nil || n != 3 {
		t.Fatalf("DeleteUserTokensExcept = %d, %v; want 3", n, err)
	}
	wantUserTokens(t, st, a, ofA[2])
	mustGet(t, st, ofB)
	// Another user's digest spares nothing of a's, and leaves b's alone.
	if n, err := st.DeleteUserTokensExcept(ctx, a, ofB.Digest); err != nil || n != 1 {
		t.Fatalf("DeleteUserTokensExcept(another user's digest) = %d, %v; want 1", n, err)
	}
	wantUserTokens(t, st, a)
	mustGet(t, st, ofB)
	if n, err := st.DeleteUserTokensExcept(ctx, a, ""); err != nil || n != 0 {
		t.Fatalf("DeleteUserTokensExcept(no tokens) = %d, %v; want 0", n, err)
	}
}

func testStoreConcurrent(t *testing.T, st backend.TokenStore) {
	const workers, rounds = 8, 25
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		u := uuid.New()
		tokens := make([]auth.AccessToken, rounds)
		for i := range tokens {
			tokens[i] = newAccessToken(t, u, storeEpoch)
		}
		wg.Go(func() {
			for _, at := range tokens {
				if err := st.CreateToken(ctx, at); err != nil {
					errs <- err
					return
				}
				got, err := st.GetToken(ctx, at.Digest)
				if err != nil || got.UserID != u {
					errs <- errors.New("a created token did not read back")
					return
				}
				if err := st.TouchToken(ctx, at.Digest, storeEpoch.Add(time.Minute)); err != nil {
					errs <- err
					return
				}
				if _, err := st.UserTokens(ctx, u); err != nil {
					errs <- err
					return
				}
				var err2 error
				switch w % 3 {
				case 0:
					err2 = st.DeleteToken(ctx, at.Digest)
				case 1:
					_, err2 = st.DeleteUserTokens(ctx, u)
				default:
					_, err2 = st.DeleteUserTokensExcept(ctx, u, "")
				}
				if err2 != nil {
					errs <- err2
					return
				}
			}
			if _, err := st.DeleteTokensCreatedBefore(ctx, storeEpoch); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
