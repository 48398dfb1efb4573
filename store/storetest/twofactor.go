package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// RunTwoFactor runs the conformance suite of user.TwoFactorStore against the
// stores f.Users opens, which must implement it besides user.Store: factors
// round-trip, a pending factor is replaced but a confirmed one is not,
// confirmation swaps the recovery codes in the same step, a time step and
// a recovery code are each accepted once even under concurrent use,
// deleting a user deletes its factors, and nothing is written on a refusal.
// Only f.Users is needed: the factors do not depend on the user type.
//
//	storetest.RunTwoFactor(t, storetest.Factory{Users: ...})
func RunTwoFactor(t *testing.T, f Factory) {
	t.Helper()
	if f.Users == nil {
		t.Fatal("storetest: Factory.Users is required")
	}
	for _, c := range []struct {
		name string
		run  func(*testing.T, twoFactorUsers)
	}{
		{"NotFound", testTwoFactorNotFound},
		{"SetPendingThenGet", testSetPendingThenGet},
		{"SetPendingReplacesPending", testSetPendingReplacesPending},
		{"SetPendingRefusedWhileConfirmed", testSetPendingRefusedWhileConfirmed},
		{"SetPendingRefusals", testSetPendingRefusals},
		{"Confirm", testConfirmTOTP},
		{"ConfirmRefusalsChangeNothing", testConfirmRefusalsChangeNothing},
		{"UseTOTPStep", testUseTOTPStep},
		{"Reseal", testResealTOTP},
		{"DeleteTOTPKeepsCodes", testDeleteTOTPKeepsCodes},
		{"ReplaceRecoveryCodes", testReplaceRecoveryCodes},
		{"UseRecoveryCodeOnce", testUseRecoveryCodeOnce},
		{"DeleteTwoFactor", testDeleteTwoFactor},
		{"DeleteUserDeletesFactors", testDeleteUserDeletesFactors},
		{"ConcurrentUseOneStep", testConcurrentUseOneStep},
		{"ConcurrentRisingSteps", testConcurrentRisingSteps},
		{"ConcurrentUseOneRecoveryCode", testConcurrentUseOneRecoveryCode},
		{"ConcurrentConfirmAndBeginAgain", testConcurrentConfirmAndBeginAgain},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, openTwoFactor(t, f.Users)) })
	}
}

// twoFactorUsers is a store with the second-factor capability.
type twoFactorUsers interface {
	user.Store[*user.User]
	user.TwoFactorStore
}

func openTwoFactor(t *testing.T, open func(t *testing.T) user.Store[*user.User]) twoFactorUsers {
	t.Helper()
	s, ok := open(t).(twoFactorUsers)
	if !ok {
		t.Fatal("storetest: the store does not implement user.TwoFactorStore")
	}
	return s
}

// newUser creates a user with a fresh id and address and returns its id.
func newUser(t *testing.T, s user.Store[*user.User]) uuid.UUID {
	t.Helper()
	id := uuid.New()
	mustCreate(t, s, &user.User{Base: sampleBase(id, id.String()+"@camelot.bt", 1)})
	return id
}

// when is a time with nanoseconds, which stores may truncate to
// microseconds.
var when = time.Date(2026, 7, 14, 9, 30, 15, 123456789, time.UTC)

func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

func digests(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%063d", prefix, i)
	}
	return out
}

func pending(id uuid.UUID, sealed string) user.TOTPFactor {
	return user.TOTPFactor{UserID: id, SealedSecret: sealed, CreatedAt: when}
}

func mustSetPending(t *testing.T, s user.TwoFactorStore, f user.TOTPFactor) {
	t.Helper()
	if err := s.SetPendingTOTP(t.Context(), f); err != nil {
		t.Fatalf("SetPendingTOTP: %v", err)
	}
}

// confirmed gives the user a confirmed factor at step 100 with the codes.
func confirmed(t *testing.T, s user.TwoFactorStore, id uuid.UUID, codes []string) {
	t.Helper()
	mustSetPending(t, s, pending(id, "sealed-"+id.String()))
	if err := s.ConfirmTOTP(t.Context(), id, "sealed-"+id.String(), 100, when.Add(time.Minute), codes); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
}

func wantFactor(t *testing.T, s user.TwoFactorStore, want user.TOTPFactor) {
	t.Helper()
	got, err := s.TOTP(t.Context(), want.UserID)
	if err != nil {
		t.Fatalf("TOTP: %v", err)
	}
	if got.UserID != want.UserID || got.SealedSecret != want.SealedSecret || got.LastStep != want.LastStep ||
		!sameInstant(got.CreatedAt, want.CreatedAt) || got.Confirmed() != want.Confirmed() ||
		(want.Confirmed() && !sameInstant(got.ConfirmedAt, want.ConfirmedAt)) {
		t.Fatalf("TOTP =\n%+v\nwant\n%+v", got, want)
	}
}

func wantNoFactor(t *testing.T, s user.TwoFactorStore, id uuid.UUID) {
	t.Helper()
	_, err := s.TOTP(t.Context(), id)
	wantErr(t, "TOTP", err, user.ErrNotFound)
}

func wantCodes(t *testing.T, s user.TwoFactorStore, id uuid.UUID, want int) {
	t.Helper()
	if n, err := s.CountRecoveryCodes(t.Context(), id); err != nil || n != want {
		t.Fatalf("CountRecoveryCodes = %d, %v; want %d", n, err, want)
	}
}

func testTwoFactorNotFound(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	for _, who := range []struct {
		name string
		id   uuid.UUID
	}{{"UserWithoutFactors", newUser(t, s)}, {"UnknownUser", uuid.New()}} {
		t.Run(who.name, func(t *testing.T) {
			wantNoFactor(t, s, who.id)
			wantErr(t, "UseTOTPStep", s.UseTOTPStep(ctx, who.id, 1), user.ErrNotFound)
			wantErr(t, "ResealTOTP", s.ResealTOTP(ctx, who.id, "a", "b"), user.ErrNotFound)
			wantErr(t, "ConfirmTOTP", s.ConfirmTOTP(ctx, who.id, "a", 1, when, nil), user.ErrNotFound)
			wantErr(t, "DeleteTOTP", s.DeleteTOTP(ctx, who.id), user.ErrNotFound)
			wantErr(t, "DeleteTwoFactor", s.DeleteTwoFactor(ctx, who.id), user.ErrNotFound)
			wantErr(t, "UseRecoveryCode", s.UseRecoveryCode(ctx, who.id, digests("a", 1)[0]), user.ErrNotFound)
			wantCodes(t, s, who.id, 0)
		})
	}
	wantErr(t, "SetPendingTOTP(unknown user)", s.SetPendingTOTP(ctx, pending(uuid.New(), "sealed")), user.ErrNotFound)
	wantErr(t, "ReplaceRecoveryCodes(unknown user)", s.ReplaceRecoveryCodes(ctx, uuid.New(), digests("a", 2)), user.ErrNotFound)
}

// testSetPendingThenGet: a pending factor reads back as given, except
// that LastStep and ConfirmedAt start from nothing whatever the caller
// set.
func testSetPendingThenGet(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	f := pending(id, "v1.d-0a1b2c3d.c2VhbGVk-c2VjcmV0_with-url-safe-base64")
	f.LastStep, f.ConfirmedAt = 99, when
	mustSetPending(t, s, f)
	f.LastStep, f.ConfirmedAt = 0, time.Time{}
	wantFactor(t, s, f)
	wantCodes(t, s, id, 0)
}

func testSetPendingReplacesPending(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	mustSetPending(t, s, pending(id, "first"))
	second := pending(id, "second")
	second.CreatedAt = when.Add(time.Hour)
	mustSetPending(t, s, second)
	wantFactor(t, s, second)
	wantErr(t, "ConfirmTOTP(the replaced secret)", s.ConfirmTOTP(t.Context(), id, "first", 5, when, nil), user.ErrNotFound)
}

func testSetPendingRefusedWhileConfirmed(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	codes := digests("c", 10)
	confirmed(t, s, id, codes)
	wantErr(t, "SetPendingTOTP", s.SetPendingTOTP(t.Context(), pending(id, "intruder")), user.ErrTOTPAlreadyEnabled)
	wantFactor(t, s, user.TOTPFactor{UserID: id, SealedSecret: "sealed-" + id.String(), LastStep: 100, CreatedAt: when, ConfirmedAt: when.Add(time.Minute)})
	wantCodes(t, s, id, 10)
}

func testSetPendingRefusals(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	wantErr(t, "SetPendingTOTP(empty secret)", s.SetPendingTOTP(t.Context(), pending(id, "")), user.ErrInvalidRecord)
	wantNoFactor(t, s, id)
}

// testConfirmTOTP: confirmation sets the time and step and replaces the
// old codes by the new ones, in one call.
func testConfirmTOTP(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id := newUser(t, s)
	old := digests("o", 3)
	if err := s.ReplaceRecoveryCodes(ctx, id, old); err != nil {
		t.Fatal(err)
	}
	mustSetPending(t, s, pending(id, "sealed"))
	fresh := digests("n", 10)
	if err := s.ConfirmTOTP(ctx, id, "sealed", 58_000_000, when.Add(time.Minute), fresh); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	wantFactor(t, s, user.TOTPFactor{UserID: id, SealedSecret: "sealed", LastStep: 58_000_000, CreatedAt: when, ConfirmedAt: when.Add(time.Minute)})
	wantCodes(t, s, id, 10)
	wantErr(t, "UseRecoveryCode(an old code)", s.UseRecoveryCode(ctx, id, old[0]), user.ErrNotFound)
	if err := s.UseRecoveryCode(ctx, id, fresh[9]); err != nil {
		t.Fatalf("UseRecoveryCode(a new code): %v", err)
	}
	wantErr(t, "ConfirmTOTP(again)", s.ConfirmTOTP(ctx, id, "sealed", 58_000_001, when, digests("x", 10)), user.ErrNotFound)
	wantCodes(t, s, id, 9)
}

func testConfirmRefusalsChangeNothing(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id := newUser(t, s)
	old := digests("o", 3)
	if err := s.ReplaceRecoveryCodes(ctx, id, old); err != nil {
		t.Fatal(err)
	}
	f := pending(id, "sealed")
	mustSetPending(t, s, f)
	for _, tc := range []struct {
		name    string
		sealed  string
		at      time.Time
		codes   []string
		wantErr error
	}{
		{"OtherSecret", "other", when, digests("n", 10), user.ErrNotFound},
		{"RepeatedDigest", "sealed", when, append(digests("n", 9), digests("n", 1)...), user.ErrInvalidRecord},
		{"EmptyDigest", "sealed", when, []string{"", "a"}, user.ErrInvalidRecord},
		{"LongDigest", "sealed", when, []string{digests("n", 1)[0] + "x"}, user.ErrInvalidRecord},
		{"ZeroTime", "sealed", time.Time{}, digests("n", 10), user.ErrInvalidRecord},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, "ConfirmTOTP", s.ConfirmTOTP(ctx, id, tc.sealed, 7, tc.at, tc.codes), tc.wantErr)
			wantFactor(t, s, f)
			wantCodes(t, s, id, 3)
			if err := s.UseRecoveryCode(ctx, id, old[0]); err != nil {
				t.Fatalf("an old code after a refused confirmation: %v", err)
			}
			if err := s.ReplaceRecoveryCodes(ctx, id, old); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func testUseTOTPStep(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	pend := newUser(t, s)
	mustSetPending(t, s, pending(pend, "sealed"))
	wantErr(t, "UseTOTPStep(pending factor)", s.UseTOTPStep(ctx, pend, 1000), user.ErrNotFound)

	id := newUser(t, s)
	confirmed(t, s, id, nil)
	for _, tc := range []struct {
		name    string
		step    int64
		wantErr error
	}{
		{"Later", 101, nil},
		{"Same", 101, user.ErrTOTPStepUsed},
		{"Earlier", 100, user.ErrTOTPStepUsed},
		{"MuchLater", 1 << 40, nil},
		{"Between", 1<<40 - 1, user.ErrTOTPStepUsed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.UseTOTPStep(ctx, id, tc.step); !errors.Is(err, tc.wantErr) {
				t.Fatalf("UseTOTPStep(%d) = %v, want %v", tc.step, err, tc.wantErr)
			}
		})
	}
	f, _ := s.TOTP(ctx, id)
	if f.LastStep != 1<<40 {
		t.Fatalf("LastStep = %d, want %d", f.LastStep, int64(1<<40))
	}
}

func testResealTOTP(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id := newUser(t, s)
	confirmed(t, s, id, nil)
	old := "sealed-" + id.String()
	wantErr(t, "ResealTOTP(stale old value)", s.ResealTOTP(ctx, id, "not it", "new"), user.ErrNotFound)
	wantErr(t, "ResealTOTP(empty)", s.ResealTOTP(ctx, id, old, ""), user.ErrInvalidRecord)
	if err := s.ResealTOTP(ctx, id, old, "resealed"); err != nil {
		t.Fatalf("ResealTOTP: %v", err)
	}
	wantFactor(t, s, user.TOTPFactor{UserID: id, SealedSecret: "resealed", LastStep: 100, CreatedAt: when, ConfirmedAt: when.Add(time.Minute)})
	wantErr(t, "ResealTOTP(again from the old value)", s.ResealTOTP(ctx, id, old, "other"), user.ErrNotFound)
}

func testDeleteTOTPKeepsCodes(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id := newUser(t, s)
	confirmed(t, s, id, digests("c", 10))
	if err := s.DeleteTOTP(ctx, id); err != nil {
		t.Fatalf("DeleteTOTP: %v", err)
	}
	wantNoFactor(t, s, id)
	wantCodes(t, s, id, 10)
	wantErr(t, "DeleteTOTP(again)", s.DeleteTOTP(ctx, id), user.ErrNotFound)
	// A new enrolment may start at once.
	mustSetPending(t, s, pending(id, "again"))
}

func testReplaceRecoveryCodes(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id := newUser(t, s)
	first := digests("a", 10)
	if err := s.ReplaceRecoveryCodes(ctx, id, first); err != nil {
		t.Fatal(err)
	}
	kept := first[0]
	first[0] = digests("z", 1)[0] // the store holds its own copy
	if err := s.UseRecoveryCode(ctx, id, kept); err != nil {
		t.Fatalf("UseRecoveryCode after the caller changed its slice: %v", err)
	}
	second := digests("b", 4)
	if err := s.ReplaceRecoveryCodes(ctx, id, second); err != nil {
		t.Fatal(err)
	}
	wantCodes(t, s, id, 4)
	wantErr(t, "UseRecoveryCode(the old set)", s.UseRecoveryCode(ctx, id, first[1]), user.ErrNotFound)
	wantErr(t, "ReplaceRecoveryCodes(repeated)", s.ReplaceRecoveryCodes(ctx, id, []string{"x", "x"}), user.ErrInvalidRecord)
	wantCodes(t, s, id, 4)
	if err := s.ReplaceRecoveryCodes(ctx, id, nil); err != nil {
		t.Fatalf("ReplaceRecoveryCodes(none): %v", err)
	}
	wantCodes(t, s, id, 0)
	wantErr(t, "UseRecoveryCode(after emptying)", s.UseRecoveryCode(ctx, id, second[0]), user.ErrNotFound)
}

func testUseRecoveryCodeOnce(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	alice, bob := newUser(t, s), newUser(t, s)
	codes := digests("c", 10)
	confirmed(t, s, alice, codes)
	wantErr(t, "UseRecoveryCode(another user's code)", s.UseRecoveryCode(ctx, bob, codes[3]), user.ErrNotFound)
	if err := s.UseRecoveryCode(ctx, alice, codes[3]); err != nil {
		t.Fatalf("UseRecoveryCode: %v", err)
	}
	wantErr(t, "UseRecoveryCode(again)", s.UseRecoveryCode(ctx, alice, codes[3]), user.ErrNotFound)
	wantErr(t, "UseRecoveryCode(a prefix)", s.UseRecoveryCode(ctx, alice, codes[4][:63]), user.ErrNotFound)
	wantCodes(t, s, alice, 9)
	for _, c := range slices.Delete(slices.Clone(codes), 3, 4) {
		if err := s.UseRecoveryCode(ctx, alice, c); err != nil {
			t.Fatalf("UseRecoveryCode: %v", err)
		}
	}
	wantCodes(t, s, alice, 0)
}

func testDeleteTwoFactor(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id, other := newUser(t, s), newUser(t, s)
	confirmed(t, s, id, digests("c", 10))
	confirmed(t, s, other, digests("c", 10))
	if err := s.DeleteTwoFactor(ctx, id); err != nil {
		t.Fatalf("DeleteTwoFactor: %v", err)
	}
	wantNoFactor(t, s, id)
	wantCodes(t, s, id, 0)
	wantErr(t, "DeleteTwoFactor(again)", s.DeleteTwoFactor(ctx, id), user.ErrNotFound)
	wantCodes(t, s, other, 10)
	if _, err := s.TOTP(ctx, other); err != nil {
		t.Fatalf("another user's factor: %v", err)
	}
	t.Run("CodesOnly", func(t *testing.T) {
		codesOnly := newUser(t, s)
		if err := s.ReplaceRecoveryCodes(ctx, codesOnly, digests("c", 2)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTwoFactor(ctx, codesOnly); err != nil {
			t.Fatalf("DeleteTwoFactor(codes only): %v", err)
		}
		wantCodes(t, s, codesOnly, 0)
	})
	t.Run("PendingOnly", func(t *testing.T) {
		pend := newUser(t, s)
		mustSetPending(t, s, pending(pend, "sealed"))
		if err := s.DeleteTwoFactor(ctx, pend); err != nil {
			t.Fatalf("DeleteTwoFactor(pending only): %v", err)
		}
		wantNoFactor(t, s, pend)
	})
}

func testDeleteUserDeletesFactors(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	id := newUser(t, s)
	confirmed(t, s, id, digests("c", 10))
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	wantNoFactor(t, s, id)
	wantCodes(t, s, id, 0)
	// A user created again with the same id starts with nothing.
	mustCreate(t, s, &user.User{Base: sampleBase(id, "again@camelot.bt", 1)})
	wantNoFactor(t, s, id)
	wantCodes(t, s, id, 0)
}

// testConcurrentUseOneStep: of many requests with one code, one signs in.
func testConcurrentUseOneStep(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	confirmed(t, s, id, nil)
	errs := race(16, func(int) error { return s.UseTOTPStep(t.Context(), id, 101) })
	oneWinner(t, "UseTOTPStep", errs, user.ErrTOTPStepUsed)
}

// testConcurrentRisingSteps: racing steps never move LastStep backwards,
// and each success was greater than everything accepted before it.
func testConcurrentRisingSteps(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	confirmed(t, s, id, nil)
	const n = 16
	var accepted atomic.Int64
	errs := race(n, func(i int) error {
		err := s.UseTOTPStep(t.Context(), id, int64(101+i))
		if err == nil {
			accepted.Add(1)
		}
		return err
	})
	for i, err := range errs {
		if err != nil && !errors.Is(err, user.ErrTOTPStepUsed) {
			t.Fatalf("UseTOTPStep(%d) = %v", 101+i, err)
		}
	}
	if errs[n-1] != nil {
		t.Fatalf("the greatest step was refused: %v", errs[n-1])
	}
	f, _ := s.TOTP(t.Context(), id)
	if f.LastStep != 101+n-1 || accepted.Load() < 1 {
		t.Fatalf("LastStep = %d after %d acceptances, want %d", f.LastStep, accepted.Load(), 101+n-1)
	}
}

func testConcurrentUseOneRecoveryCode(t *testing.T, s twoFactorUsers) {
	id := newUser(t, s)
	codes := digests("c", 10)
	confirmed(t, s, id, codes)
	errs := race(16, func(int) error { return s.UseRecoveryCode(t.Context(), id, codes[0]) })
	oneWinner(t, "UseRecoveryCode", errs, user.ErrNotFound)
	wantCodes(t, s, id, 9)
}

// testConcurrentConfirmAndBeginAgain: a confirmation racing a new
// enrolment ends in one of the two consistent states, never a confirmed
// factor with the replaced secret.
func testConcurrentConfirmAndBeginAgain(t *testing.T, s twoFactorUsers) {
	ctx := t.Context()
	for round := range 8 {
		id := newUser(t, s)
		mustSetPending(t, s, pending(id, "first"))
		errs := race(2, func(i int) error {
			if i == 0 {
				return s.ConfirmTOTP(ctx, id, "first", 50, when, digests("c", 10))
			}
			return s.SetPendingTOTP(ctx, pending(id, "second"))
		})
		f, err := s.TOTP(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case errs[0] == nil && errors.Is(errs[1], user.ErrTOTPAlreadyEnabled):
			if !f.Confirmed() || f.SealedSecret != "first" {
				t.Fatalf("round %d: confirmation won but the factor is %+v", round, f)
			}
			wantCodes(t, s, id, 10)
		case errors.Is(errs[0], user.ErrNotFound) && errs[1] == nil:
			if f.Confirmed() || f.SealedSecret != "second" {
				t.Fatalf("round %d: the new enrolment won but the factor is %+v", round, f)
			}
			wantCodes(t, s, id, 0)
		default:
			t.Fatalf("round %d: ConfirmTOTP = %v, SetPendingTOTP = %v", round, errs[0], errs[1])
		}
	}
}
