package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// RunOAuth runs the conformance suite of user.OAuthStore against the stores
// f opens, which must implement it besides user.Store, as subtests of t named
// "User" and "Member": links round-trip every field, (provider, account id)
// is unique under concurrent use, a user and its first account are created
// atomically, unlinking is atomic with its check, deleting a user deletes its
// accounts, and values are copies. Both factories are required.
//
//	storetest.RunOAuth(t, storetest.Factory{Users: ..., Members: ...})
func RunOAuth(t *testing.T, f Factory) {
	t.Helper()
	if f.Users == nil || f.Members == nil {
		t.Fatal("storetest: Factory.Users and Factory.Members are both required")
	}
	t.Run("User", func(t *testing.T) { runOAuthCases(t, userKind(f.Users)) })
	t.Run("Member", func(t *testing.T) { runOAuthCases(t, memberKind(f.Members)) })
}

// oauthUsers is a store with the OAuth capability.
type oauthUsers[U user.Model] interface {
	user.Store[U]
	user.OAuthStore[U]
}

func openOAuth[U user.Model](t *testing.T, k kind[U]) oauthUsers[U] {
	t.Helper()
	s, ok := k.open(t).(oauthUsers[U])
	if !ok {
		t.Fatalf("storetest: the store does not implement user.OAuthStore")
	}
	return s
}

func runOAuthCases[U user.Model](t *testing.T, k kind[U]) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, kind[U])
	}{
		{"AddThenGet", testOAuthAddThenGet[U]},
		{"NotFound", testOAuthNotFound[U]},
		{"AddDuplicate", testOAuthAddDuplicate[U]},
		{"AddToUnknownUser", testOAuthAddToUnknownUser[U]},
		{"ListOrdered", testOAuthListOrdered[U]},
		{"Update", testOAuthUpdate[U]},
		{"CreateWithAccount", testOAuthCreateWithAccount[U]},
		{"CreateWithAccountIsAtomic", testOAuthCreateWithAccountIsAtomic[U]},
		{"DeleteAccounts", testOAuthDeleteAccounts[U]},
		{"DeleteUserDeletesAccounts", testOAuthDeleteUserDeletesAccounts[U]},
		{"ReturnedAccountsAreCopies", testOAuthReturnedAccountsAreCopies[U]},
		{"ConcurrentAddOneAccount", testOAuthConcurrentAddOneAccount[U]},
		{"ConcurrentCreateOneAccount", testOAuthConcurrentCreateOneAccount[U]},
		{"ConcurrentUnlinkKeepsOne", testOAuthConcurrentUnlinkKeepsOne[U]},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, k) })
	}
}

// sampleAccount returns an account whose fields derive from n; n == 0
// leaves the optional fields nil.
func sampleAccount(userID uuid.UUID, name, accountID string, n int) user.OAuthAccount {
	acc := user.OAuthAccount{
		ID: uuid.New(), OAuthName: name, AccountID: accountID, UserID: userID,
		AccessToken:  fmt.Sprintf("access-%d-%s", n, accountID),
		AccountEmail: fmt.Sprintf("account%d@camelot.bt", n),
	}
	if n != 0 {
		exp := int64(1_900_000_000 + n)
		refresh := fmt.Sprintf("refresh-%d", n)
		acc.ExpiresAt, acc.RefreshToken = &exp, &refresh
	}
	return acc
}

func accountsEqual(a, b user.OAuthAccount) bool { return reflect.DeepEqual(a, b) }

func addAccount[U user.Model](t *testing.T, s oauthUsers[U], acc user.OAuthAccount) {
	t.Helper()
	if err := s.AddOAuthAccount(t.Context(), acc); err != nil {
		t.Fatalf("AddOAuthAccount(%s/%s): %v", acc.OAuthName, acc.AccountID, err)
	}
}

func wantLinked[U user.Model](t *testing.T, k kind[U], s oauthUsers[U], acc user.OAuthAccount, owner U) {
	t.Helper()
	u, got, err := s.GetByOAuthAccount(t.Context(), acc.OAuthName, acc.AccountID)
	if err != nil {
		t.Fatalf("GetByOAuthAccount(%s/%s): %v", acc.OAuthName, acc.AccountID, err)
	}
	if !accountsEqual(got, acc) {
		t.Errorf("GetByOAuthAccount account =\n%+v\nwant\n%+v", got, acc)
	}
	if !k.equal(u, owner) {
		t.Errorf("GetByOAuthAccount user =\n%+v\nwant\n%+v", u, owner)
	}
}

func wantUnlinked[U user.Model](t *testing.T, s oauthUsers[U], name, accountID string) {
	t.Helper()
	_, _, err := s.GetByOAuthAccount(t.Context(), name, accountID)
	wantErr(t, "GetByOAuthAccount("+name+"/"+accountID+")", err, user.ErrNotFound)
}

func testOAuthAddThenGet[U user.Model](t *testing.T, k kind[U]) {
	long := strings.Repeat("t", 4096)
	for _, tc := range []struct {
		name string
		acc  func(id uuid.UUID) user.OAuthAccount
	}{
		{"EveryFieldSet", func(id uuid.UUID) user.OAuthAccount { return sampleAccount(id, "github", "1234567", 1) }},
		{"NoExpiryNoRefresh", func(id uuid.UUID) user.OAuthAccount { return sampleAccount(id, "google", "1098765", 0) }},
		{"LongTokens", func(id uuid.UUID) user.OAuthAccount {
			// Some providers issue JWT access tokens of several KiB.
			acc := sampleAccount(id, "entra", "00000000-0000-0000-66f3-3332eca7ea81", 2)
			acc.AccessToken, acc.RefreshToken = long, &long
			return acc
		}},
		{"Unicode", func(id uuid.UUID) user.OAuthAccount {
			acc := sampleAccount(id, "dev", "sub-ñ-✠", 3)
			acc.AccountEmail = "bédivère@camelot.bt"
			return acc
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openOAuth(t, k)
			owner := k.sample(uuid.New(), arthur, 1)
			mustCreate[U](t, s, k.sample(owner.UserBase().ID, arthur, 1))
			mustCreate[U](t, s, k.sample(uuid.New(), "merlin@camelot.bt", 2))
			acc := tc.acc(owner.UserBase().ID)
			addAccount(t, s, acc)
			wantLinked(t, k, s, acc, owner)
			list, err := s.OAuthAccounts(t.Context(), owner.UserBase().ID)
			if err != nil || len(list) != 1 || !accountsEqual(list[0], acc) {
				t.Fatalf("OAuthAccounts = %+v, %v; want [%+v]", list, err, acc)
			}
		})
	}
}

func testOAuthNotFound[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	id := uuid.New()
	mustCreate[U](t, s, k.sample(id, arthur, 1))
	addAccount(t, s, sampleAccount(id, "github", "Excalibur", 1))
	for _, c := range []struct{ name, provider, account string }{
		{"UnknownAccount", "github", "Clarent"},
		{"OtherProvider", "google", "Excalibur"},
		{"AccountIDIsCaseSensitive", "github", "excalibur"},
		{"ProviderIsCaseSensitive", "GitHub", "Excalibur"},
	} {
		t.Run(c.name, func(t *testing.T) { wantUnlinked(t, s, c.provider, c.account) })
	}
	t.Run("NoAccounts", func(t *testing.T) {
		list, err := s.OAuthAccounts(t.Context(), uuid.New())
		if err != nil || len(list) != 0 {
			t.Fatalf("OAuthAccounts of an unknown user = %+v, %v; want none", list, err)
		}
	})
}

func testOAuthAddDuplicate[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	arthurID, merlinID := uuid.New(), uuid.New()
	mustCreate[U](t, s, k.sample(arthurID, arthur, 1))
	mustCreate[U](t, s, k.sample(merlinID, "merlin@camelot.bt", 2))
	orig := sampleAccount(arthurID, "github", "42", 1)
	addAccount(t, s, orig)
	for _, c := range []struct {
		name string
		acc  user.OAuthAccount
	}{
		{"SameAccountOtherUser", sampleAccount(merlinID, "github", "42", 2)},
		{"SameAccountSameUser", sampleAccount(arthurID, "github", "42", 3)},
		{"SameLinkID", func() user.OAuthAccount { a := sampleAccount(merlinID, "google", "43", 4); a.ID = orig.ID; return a }()},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, "AddOAuthAccount", s.AddOAuthAccount(t.Context(), c.acc), user.ErrAlreadyExists)
			wantLinked(t, k, s, orig, k.sample(arthurID, arthur, 1))
		})
	}
	t.Run("SameAccountIDOtherProvider", func(t *testing.T) {
		other := sampleAccount(merlinID, "google", "42", 5)
		addAccount(t, s, other)
		wantLinked(t, k, s, other, k.sample(merlinID, "merlin@camelot.bt", 2))
	})
	t.Run("SecondAccountSameProvider", func(t *testing.T) {
		second := sampleAccount(arthurID, "github", "4242", 6)
		addAccount(t, s, second)
		wantLinked(t, k, s, second, k.sample(arthurID, arthur, 1))
	})
}

func testOAuthAddToUnknownUser[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	acc := sampleAccount(uuid.New(), "github", "42", 1)
	wantErr(t, "AddOAuthAccount for an unknown user", s.AddOAuthAccount(t.Context(), acc), user.ErrNotFound)
	wantUnlinked(t, s, "github", "42")
}

func testOAuthListOrdered[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	id, other := uuid.New(), uuid.New()
	mustCreate[U](t, s, k.sample(id, arthur, 1))
	mustCreate[U](t, s, k.sample(other, "merlin@camelot.bt", 2))
	var want []user.OAuthAccount
	for i, key := range [][2]string{{"google", "7"}, {"dev", "b"}, {"github", "2"}, {"dev", "a"}, {"github", "10"}} {
		acc := sampleAccount(id, key[0], key[1], i)
		addAccount(t, s, acc)
		want = append(want, acc)
	}
	addAccount(t, s, sampleAccount(other, "github", "99", 9))
	order := []int{3, 1, 4, 2, 0} // dev/a, dev/b, github/10, github/2, google/7
	list, err := s.OAuthAccounts(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(order) {
		t.Fatalf("OAuthAccounts returned %d accounts, want %d", len(list), len(order))
	}
	for i, j := range order {
		if !accountsEqual(list[i], want[j]) {
			t.Errorf("OAuthAccounts[%d] =\n%+v\nwant\n%+v", i, list[i], want[j])
		}
	}
}

func testOAuthUpdate[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	id := uuid.New()
	owner := k.sample(id, arthur, 1)
	mustCreate[U](t, s, k.sample(id, arthur, 1))
	orig := sampleAccount(id, "github", "42", 1)
	addAccount(t, s, orig)

	t.Run("TokensAndEmail", func(t *testing.T) {
		upd := sampleAccount(id, "github", "42", 0) // nil expiry and refresh token
		upd.ID = orig.ID
		upd.AccessToken, upd.AccountEmail = "rotated", "arthur.pendragon@camelot.bt"
		if err := s.UpdateOAuthAccount(t.Context(), upd); err != nil {
			t.Fatalf("UpdateOAuthAccount: %v", err)
		}
		wantLinked(t, k, s, upd, owner)
		again := sampleAccount(id, "github", "42", 7)
		again.ID = orig.ID
		if err := s.UpdateOAuthAccount(t.Context(), again); err != nil {
			t.Fatalf("UpdateOAuthAccount: %v", err)
		}
		wantLinked(t, k, s, again, owner)
	})
	t.Run("KeyIsNotChanged", func(t *testing.T) {
		upd := sampleAccount(id, "google", "43", 2)
		upd.ID = orig.ID
		if err := s.UpdateOAuthAccount(t.Context(), upd); err != nil {
			t.Fatalf("UpdateOAuthAccount: %v", err)
		}
		wantUnlinked(t, s, "google", "43")
		want := upd
		want.OAuthName, want.AccountID = "github", "42"
		wantLinked(t, k, s, want, owner)
	})
	t.Run("UnknownLink", func(t *testing.T) {
		upd := sampleAccount(id, "github", "42", 3)
		wantErr(t, "UpdateOAuthAccount of an unknown link", s.UpdateOAuthAccount(t.Context(), upd), user.ErrNotFound)
	})
	t.Run("OtherUser", func(t *testing.T) {
		upd := sampleAccount(uuid.New(), "github", "42", 4)
		upd.ID = orig.ID
		wantErr(t, "UpdateOAuthAccount naming another user", s.UpdateOAuthAccount(t.Context(), upd), user.ErrNotFound)
		_, got, err := s.GetByOAuthAccount(t.Context(), "github", "42")
		if err != nil || got.AccessToken == upd.AccessToken {
			t.Fatalf("the refused update was written: %+v, %v", got, err)
		}
	})
}

func testOAuthCreateWithAccount[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	u := k.sample(uuid.New(), arthur, 1)
	acc := sampleAccount(u.UserBase().ID, "github", "42", 1)
	if err := s.CreateWithOAuthAccount(t.Context(), k.sample(u.UserBase().ID, arthur, 1), acc); err != nil {
		t.Fatalf("CreateWithOAuthAccount: %v", err)
	}
	wantStored[U](t, k, s, u)
	wantLinked(t, k, s, acc, u)
}

// testOAuthCreateWithAccountIsAtomic makes each half of the step fail in
// turn: nothing of a refused step may remain (SECURITY.md: no user without
// its OAuth account).
func testOAuthCreateWithAccountIsAtomic[U user.Model](t *testing.T, k kind[U]) {
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, s oauthUsers[U]) (U, user.OAuthAccount)
	}{
		{"EmailTaken", func(t *testing.T, s oauthUsers[U]) (U, user.OAuthAccount) {
			mustCreate[U](t, s, k.sample(uuid.New(), arthurLower, 2))
			u := k.sample(uuid.New(), arthur, 1)
			return u, sampleAccount(u.UserBase().ID, "github", "42", 1)
		}},
		{"IDTaken", func(t *testing.T, s oauthUsers[U]) (U, user.OAuthAccount) {
			id := uuid.New()
			mustCreate[U](t, s, k.sample(id, "merlin@camelot.bt", 2))
			return k.sample(id, arthur, 1), sampleAccount(id, "github", "42", 1)
		}},
		{"AccountTaken", func(t *testing.T, s oauthUsers[U]) (U, user.OAuthAccount) {
			other := uuid.New()
			mustCreate[U](t, s, k.sample(other, "merlin@camelot.bt", 2))
			addAccount(t, s, sampleAccount(other, "github", "42", 2))
			u := k.sample(uuid.New(), arthur, 1)
			return u, sampleAccount(u.UserBase().ID, "github", "42", 1)
		}},
		{"LinkIDTaken", func(t *testing.T, s oauthUsers[U]) (U, user.OAuthAccount) {
			other := uuid.New()
			mustCreate[U](t, s, k.sample(other, "merlin@camelot.bt", 2))
			taken := sampleAccount(other, "google", "7", 2)
			addAccount(t, s, taken)
			u := k.sample(uuid.New(), arthur, 1)
			acc := sampleAccount(u.UserBase().ID, "github", "42", 1)
			acc.ID = taken.ID
			return u, acc
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openOAuth(t, k)
			u, acc := c.prepare(t, s)
			wantErr(t, "CreateWithOAuthAccount", s.CreateWithOAuthAccount(t.Context(), u, acc), user.ErrAlreadyExists)
			if c.name != "IDTaken" {
				_, err := s.Get(t.Context(), u.UserBase().ID)
				wantErr(t, "Get of the refused user", err, user.ErrNotFound)
			}
			if c.name != "EmailTaken" {
				_, err := s.GetByEmail(t.Context(), arthur)
				wantErr(t, "GetByEmail of the refused user", err, user.ErrNotFound)
			}
			if c.name != "AccountTaken" {
				wantUnlinked(t, s, acc.OAuthName, acc.AccountID)
			}
			// Once the obstacle is gone the same step succeeds: the
			// failure left nothing behind to collide with.
			u2 := k.sample(uuid.New(), "gawain@camelot.bt", 3)
			acc2 := sampleAccount(u2.UserBase().ID, "dev", "retry", 3)
			if err := s.CreateWithOAuthAccount(t.Context(), u2, acc2); err != nil {
				t.Fatalf("CreateWithOAuthAccount after a refused one: %v", err)
			}
		})
	}
}

func testOAuthDeleteAccounts[U user.Model](t *testing.T, k kind[U]) {
	setup := func(t *testing.T) (oauthUsers[U], uuid.UUID, []user.OAuthAccount) {
		s := openOAuth(t, k)
		id := uuid.New()
		mustCreate[U](t, s, k.sample(id, arthur, 1))
		accs := []user.OAuthAccount{
			sampleAccount(id, "github", "1", 1),
			sampleAccount(id, "github", "2", 2),
			sampleAccount(id, "google", "3", 3),
		}
		for _, a := range accs {
			addAccount(t, s, a)
		}
		return s, id, accs
	}
	t.Run("EveryAccountOfTheProvider", func(t *testing.T) {
		s, id, accs := setup(t)
		calls := 0
		err := s.DeleteOAuthAccounts(t.Context(), id, "github", func(u U, remaining []user.OAuthAccount) error {
			calls++
			if !k.equal(u, k.sample(id, arthur, 1)) {
				t.Errorf("check got user\n%+v\nwant the stored user", u)
			}
			if len(remaining) != 1 || !accountsEqual(remaining[0], accs[2]) {
				t.Errorf("check got remaining %+v, want [%+v]", remaining, accs[2])
			}
			return nil
		})
		if err != nil || calls != 1 {
			t.Fatalf("DeleteOAuthAccounts = %v after %d checks; want nil after 1", err, calls)
		}
		wantUnlinked(t, s, "github", "1")
		wantUnlinked(t, s, "github", "2")
		wantLinked(t, k, s, accs[2], k.sample(id, arthur, 1))
	})
	t.Run("NilCheck", func(t *testing.T) {
		s, id, _ := setup(t)
		if err := s.DeleteOAuthAccounts(t.Context(), id, "google", nil); err != nil {
			t.Fatal(err)
		}
		wantUnlinked(t, s, "google", "3")
	})
	t.Run("CheckRefuses", func(t *testing.T) {
		s, id, accs := setup(t)
		refuse := errors.New("storetest: refused")
		err := s.DeleteOAuthAccounts(t.Context(), id, "github", func(U, []user.OAuthAccount) error { return refuse })
		if err != refuse {
			t.Fatalf("DeleteOAuthAccounts = %v, want the check's error as is", err)
		}
		for _, a := range accs {
			wantLinked(t, k, s, a, k.sample(id, arthur, 1))
		}
	})
	t.Run("NotLinked", func(t *testing.T) {
		s, id, _ := setup(t)
		calls := 0
		check := func(U, []user.OAuthAccount) error { calls++; return nil }
		wantErr(t, "DeleteOAuthAccounts of an unlinked provider", s.DeleteOAuthAccounts(t.Context(), id, "dev", check), user.ErrNotFound)
		wantErr(t, "DeleteOAuthAccounts of an unknown user", s.DeleteOAuthAccounts(t.Context(), uuid.New(), "github", check), user.ErrNotFound)
		if calls != 0 {
			t.Errorf("check ran %d times with nothing to delete", calls)
		}
	})
}

func testOAuthDeleteUserDeletesAccounts[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	id, other := uuid.New(), uuid.New()
	mustCreate[U](t, s, k.sample(id, arthur, 1))
	mustCreate[U](t, s, k.sample(other, "merlin@camelot.bt", 2))
	addAccount(t, s, sampleAccount(id, "github", "42", 1))
	addAccount(t, s, sampleAccount(id, "google", "43", 2))
	kept := sampleAccount(other, "github", "44", 3)
	addAccount(t, s, kept)
	if err := s.Delete(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	wantUnlinked(t, s, "github", "42")
	wantUnlinked(t, s, "google", "43")
	if list, err := s.OAuthAccounts(t.Context(), id); err != nil || len(list) != 0 {
		t.Fatalf("OAuthAccounts of a deleted user = %+v, %v", list, err)
	}
	wantLinked(t, k, s, kept, k.sample(other, "merlin@camelot.bt", 2))
	// The account is free for someone else.
	addAccount(t, s, sampleAccount(other, "github", "42", 4))
}

func testOAuthReturnedAccountsAreCopies[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	id := uuid.New()
	mustCreate[U](t, s, k.sample(id, arthur, 1))
	acc := sampleAccount(id, "github", "42", 1)
	in := acc
	exp, refresh := *acc.ExpiresAt, *acc.RefreshToken
	in.ExpiresAt, in.RefreshToken = &exp, &refresh
	addAccount(t, s, in)
	exp, refresh = 1, "changed after AddOAuthAccount"

	_, got, err := s.GetByOAuthAccount(t.Context(), "github", "42")
	if err != nil {
		t.Fatal(err)
	}
	*got.ExpiresAt, *got.RefreshToken = 2, "changed after GetByOAuthAccount"
	list, err := s.OAuthAccounts(t.Context(), id)
	if err != nil || len(list) != 1 {
		t.Fatalf("OAuthAccounts = %+v, %v", list, err)
	}
	*list[0].ExpiresAt, *list[0].RefreshToken = 3, "changed after OAuthAccounts"
	wantLinked(t, k, s, acc, k.sample(id, arthur, 1))
}

// testOAuthConcurrentAddOneAccount races links of one account to many
// users: exactly one wins.
func testOAuthConcurrentAddOneAccount[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	ids := make([]uuid.UUID, contenders)
	for i := range ids {
		ids[i] = uuid.New()
		mustCreate[U](t, s, k.sample(ids[i], fmt.Sprintf("knight%d@camelot.bt", i), i+1))
	}
	errs := race(contenders, func(i int) error {
		return s.AddOAuthAccount(t.Context(), sampleAccount(ids[i], "github", "42", i+1))
	})
	winner := oneWinner(t, "AddOAuthAccount", errs, user.ErrAlreadyExists)
	u, _, err := s.GetByOAuthAccount(t.Context(), "github", "42")
	if err != nil || u.UserBase().ID != ids[winner] {
		t.Fatalf("the account is linked to %v (%v), want the winner %v", u.UserBase().ID, err, ids[winner])
	}
}

// testOAuthConcurrentCreateOneAccount races sign-ups of one new account
// under different e-mails: exactly one user is left, with the account.
func testOAuthConcurrentCreateOneAccount[U user.Model](t *testing.T, k kind[U]) {
	s := openOAuth(t, k)
	ids := make([]uuid.UUID, contenders)
	for i := range ids {
		ids[i] = uuid.New()
	}
	errs := race(contenders, func(i int) error {
		u := k.sample(ids[i], fmt.Sprintf("knight%d@camelot.bt", i), i+1)
		return s.CreateWithOAuthAccount(t.Context(), u, sampleAccount(ids[i], "github", "42", i+1))
	})
	winner := oneWinner(t, "CreateWithOAuthAccount", errs, user.ErrAlreadyExists)
	for i, id := range ids {
		_, err := s.Get(t.Context(), id)
		switch {
		case i == winner && err != nil:
			t.Errorf("Get of the winner: %v", err)
		case i != winner && !errors.Is(err, user.ErrNotFound):
			t.Errorf("Get of refused user %d returned %v, want %v: a user without its account", i, err, user.ErrNotFound)
		}
	}
}

// testOAuthConcurrentUnlinkKeepsOne races unlinks of a user's two accounts
// whose check refuses to remove the last one: exactly one succeeds.
func testOAuthConcurrentUnlinkKeepsOne[U user.Model](t *testing.T, k kind[U]) {
	for round := range 10 {
		s := openOAuth(t, k)
		id := uuid.New()
		mustCreate[U](t, s, k.sample(id, arthur, 1))
		addAccount(t, s, sampleAccount(id, "github", "1", 1))
		addAccount(t, s, sampleAccount(id, "google", "2", 2))
		last := errors.New("storetest: last account")
		providers := []string{"github", "google"}
		errs := race(2, func(i int) error {
			return s.DeleteOAuthAccounts(t.Context(), id, providers[i], func(_ U, remaining []user.OAuthAccount) error {
				if len(remaining) == 0 {
					return last
				}
				return nil
			})
		})
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case err != last:
				t.Fatalf("round %d: DeleteOAuthAccounts(%s) = %v, want nil or the check's error", round, providers[i], err)
			}
		}
		list, err := s.OAuthAccounts(t.Context(), id)
		if ok != 1 || err != nil || len(list) != 1 {
			t.Fatalf("round %d: %d unlinks succeeded, %d accounts left (%v); want exactly 1 and 1", round, ok, len(list), err)
		}
	}
}

// race runs fn(0..n-1) in n goroutines released at once.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and the others are
// loser, and returns the winner.
func oneWinner(t *testing.T, what string, errs []error, loser error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%s succeeded twice (%d and %d)", what, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, loser):
			t.Errorf("%s %d returned %v, want nil or %v", what, i, err, loser)
		}
	}
	if winner < 0 {
		t.Fatalf("no concurrent %s succeeded", what)
	}
	return winner
}
