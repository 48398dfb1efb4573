package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// errMutate is what a refusing mutate callback returns.
var errMutate = errors.New("storetest: mutate refused")

// Spellings of one address: every one has the user.EmailKey of arthur.
const (
	arthur          = "King.Arthur@camelot.bt"
	arthurLower     = "king.arthur@camelot.bt"
	arthurUpper     = "KING.ARTHUR@CAMELOT.BT"
	arthurFullwidth = "ｋｉｎｇ.ａｒｔｈｕｒ@camelot.bt"
)

type variant struct{ name, email string }

// otherSpellings returns the spellings of arthur a store must treat as
// arthur: the same bytes, another case, fullwidth letters (NFKC).
func otherSpellings() []variant {
	return []variant{{"Exact", arthur}, {"Case", arthurLower}, {"Fullwidth", arthurFullwidth}}
}

// runCases runs every case that holds for any user type.
func runCases[U user.Model](t *testing.T, k kind[U]) {
	for _, v := range append(otherSpellings(), variant{"Upper", arthurUpper}) {
		if user.EmailKey(v.email) != user.EmailKey(arthur) {
			t.Fatalf("storetest: %q and %q do not share an EmailKey", v.email, arthur)
		}
	}
	for _, c := range []struct {
		name string
		run  func(*testing.T, kind[U])
	}{
		{"CreateThenGet", testCreateThenGet[U]},
		{"GetByEmailIgnoresCaseAndWidth", testGetByEmailIgnoresCaseAndWidth[U]},
		{"NotFound", testNotFound[U]},
		{"CreateDuplicateEmail", testCreateDuplicateEmail[U]},
		{"CreateDuplicateID", testCreateDuplicateID[U]},
		{"UpdateAppliesMutate", testUpdateAppliesMutate[U]},
		{"UpdateMutateErrorChangesNothing", testUpdateMutateErrorChangesNothing[U]},
		{"UpdateToTakenEmail", testUpdateToTakenEmail[U]},
		{"UpdateOwnEmailSpelling", testUpdateOwnEmailSpelling[U]},
		{"ReturnedUsersAreCopies", testReturnedUsersAreCopies[U]},
		{"Delete", testDelete[U]},
		{"LookupsFollowWrites", testLookupsFollowWrites[U]},
		{"ConcurrentCreateOneEmail", testConcurrentCreateOneEmail[U]},
		{"ConcurrentGetDuringUpdate", testConcurrentGetDuringUpdate[U]},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, k) })
	}
}

func testCreateThenGet[U user.Model](t *testing.T, k kind[U]) {
	for _, tc := range []struct {
		name string
		n    int
	}{
		{"EveryFieldSet", 1},
		{"ZeroValues", 0},
		{"MixedFlags", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := k.open(t)
			want := k.sample(uuid.New(), arthur, tc.n)
			mustCreate(t, s, k.sample(want.UserBase().ID, arthur, tc.n))
			wantStored(t, k, s, want)
			got, err := s.GetByEmail(t.Context(), arthur)
			if err != nil {
				t.Fatalf("GetByEmail(%q): %v", arthur, err)
			}
			if !k.equal(got, want) {
				t.Fatalf("GetByEmail(%q) =\n%+v\nwant\n%+v", arthur, got, want)
			}
		})
	}
}

func testGetByEmailIgnoresCaseAndWidth[U user.Model](t *testing.T, k kind[U]) {
	s := k.open(t)
	want := k.sample(uuid.New(), arthur, 1)
	mustCreate(t, s, k.sample(want.UserBase().ID, arthur, 1))
	mustCreate(t, s, k.sample(uuid.New(), "merlin@camelot.bt", 2))
	for _, v := range append(otherSpellings(), variant{"Upper", arthurUpper}) {
		t.Run(v.name, func(t *testing.T) {
			got, err := s.GetByEmail(t.Context(), v.email)
			if err != nil {
				t.Fatalf("GetByEmail(%q): %v", v.email, err)
			}
			if !k.equal(got, want) {
				t.Fatalf("GetByEmail(%q) =\n%+v\nwant\n%+v (the e-mail as stored)", v.email, got, want)
			}
		})
	}
}

func testNotFound[U user.Model](t *testing.T, k kind[U]) {
	for _, populated := range []bool{false, true} {
		name := "EmptyStore"
		if populated {
			name = "OtherUsers"
		}
		t.Run(name, func(t *testing.T) {
			s := k.open(t)
			if populated {
				mustCreate(t, s, k.sample(uuid.New(), arthur, 1))
			}
			ctx, missing := t.Context(), uuid.New()
			_, err := s.Get(ctx, missing)
			wantErr(t, "Get", err, user.ErrNotFound)
			_, err = s.GetByEmail(ctx, "lancelot@camelot.bt")
			wantErr(t, "GetByEmail", err, user.ErrNotFound)
			calls := 0
			_, err = s.Update(ctx, missing, func(U) error { calls++; return nil })
			wantErr(t, "Update", err, user.ErrNotFound)
			if calls != 0 {
				t.Errorf("Update of a missing user called mutate %d times", calls)
			}
			wantErr(t, "Delete", s.Delete(ctx, missing), user.ErrNotFound)
		})
	}
}

func testCreateDuplicateEmail[U user.Model](t *testing.T, k kind[U]) {
	for _, v := range otherSpellings() {
		t.Run(v.name, func(t *testing.T) {
			s := k.open(t)
			orig := k.sample(uuid.New(), arthur, 1)
			mustCreate(t, s, k.sample(orig.UserBase().ID, arthur, 1))
			dup := k.sample(uuid.New(), v.email, 2)
			wantErr(t, "Create with a taken e-mail", s.Create(t.Context(), dup), user.ErrAlreadyExists)
			_, err := s.Get(t.Context(), dup.UserBase().ID)
			wantErr(t, "Get of the refused user", err, user.ErrNotFound)
			wantStored(t, k, s, orig)
			wantByEmail(t, k, s, v.email, orig)
		})
	}
}

func testCreateDuplicateID[U user.Model](t *testing.T, k kind[U]) {
	s := k.open(t)
	orig := k.sample(uuid.New(), arthur, 1)
	mustCreate(t, s, k.sample(orig.UserBase().ID, arthur, 1))
	dup := k.sample(orig.UserBase().ID, "mordred@camelot.bt", 2)
	wantErr(t, "Create with a taken id", s.Create(t.Context(), dup), user.ErrAlreadyExists)
	_, err := s.GetByEmail(t.Context(), "mordred@camelot.bt")
	wantErr(t, "GetByEmail of the refused user", err, user.ErrNotFound)
	wantStored(t, k, s, orig)
}

func testUpdateAppliesMutate[U user.Model](t *testing.T, k kind[U]) {
	for _, tc := range []struct {
		name, email string
	}{
		{"SameEmail", arthur},
		{"NewEmail", "arthur.pendragon@camelot.bt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := k.open(t)
			id := uuid.New()
			mustCreate(t, s, k.sample(id, arthur, 1))
			mustCreate(t, s, k.sample(uuid.New(), "merlin@camelot.bt", 3))
			want := k.sample(id, tc.email, 2)
			calls := 0
			got, err := s.Update(t.Context(), id, func(u U) error {
				calls++
				if !k.equal(u, k.sample(id, arthur, 1)) {
					t.Errorf("mutate got\n%+v\nwant the stored user", u)
				}
				assign(u, k.sample(id, tc.email, 2))
				return nil
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if calls != 1 {
				t.Errorf("Update called mutate %d times, want 1", calls)
			}
			if !k.equal(got, want) {
				t.Fatalf("Update returned\n%+v\nwant\n%+v", got, want)
			}
			wantStored(t, k, s, want)
			wantByEmail(t, k, s, tc.email, want)
			if tc.email != arthur {
				_, err := s.GetByEmail(t.Context(), arthur)
				wantErr(t, "GetByEmail of the old e-mail", err, user.ErrNotFound)
				mustCreate(t, s, k.sample(uuid.New(), arthurLower, 4))
			}
		})
	}
}

func testUpdateMutateErrorChangesNothing[U user.Model](t *testing.T, k kind[U]) {
	s := k.open(t)
	orig := k.sample(uuid.New(), arthur, 1)
	mustCreate(t, s, k.sample(orig.UserBase().ID, arthur, 1))
	_, err := s.Update(t.Context(), orig.UserBase().ID, func(u U) error {
		assign(u, k.sample(orig.UserBase().ID, "galahad@camelot.bt", 2))
		return errMutate
	})
	if !errors.Is(err, errMutate) {
		t.Fatalf("Update returned %v, want mutate's error %v", err, errMutate)
	}
	wantStored(t, k, s, orig)
	_, err = s.GetByEmail(t.Context(), "galahad@camelot.bt")
	wantErr(t, "GetByEmail of the refused e-mail", err, user.ErrNotFound)
}

func testUpdateToTakenEmail[U user.Model](t *testing.T, k kind[U]) {
	for _, v := range otherSpellings() {
		t.Run(v.name, func(t *testing.T) {
			s := k.open(t)
			a := k.sample(uuid.New(), arthur, 1)
			b := k.sample(uuid.New(), "gawain@camelot.bt", 2)
			mustCreate(t, s, k.sample(a.UserBase().ID, arthur, 1))
			mustCreate(t, s, k.sample(b.UserBase().ID, "gawain@camelot.bt", 2))
			_, err := s.Update(t.Context(), b.UserBase().ID, func(u U) error {
				assign(u, k.sample(b.UserBase().ID, v.email, 3))
				return nil
			})
			wantErr(t, "Update to a taken e-mail", err, user.ErrAlreadyExists)
			wantStored(t, k, s, a)
			wantStored(t, k, s, b)
			wantByEmail(t, k, s, v.email, a)
			wantByEmail(t, k, s, "gawain@camelot.bt", b)
		})
	}
}

func testUpdateOwnEmailSpelling[U user.Model](t *testing.T, k kind[U]) {
	for _, v := range []variant{{"Case", arthurUpper}, {"Fullwidth", arthurFullwidth}, {"Same", arthur}} {
		t.Run(v.name, func(t *testing.T) {
			s := k.open(t)
			id := uuid.New()
			mustCreate(t, s, k.sample(id, arthur, 1))
			got, err := s.Update(t.Context(), id, func(u U) error {
				u.UserBase().Email = v.email
				return nil
			})
			if err != nil {
				t.Fatalf("Update of one's own e-mail to %q: %v", v.email, err)
			}
			want := k.sample(id, v.email, 1)
			if !k.equal(got, want) {
				t.Fatalf("Update returned\n%+v\nwant\n%+v", got, want)
			}
			wantStored(t, k, s, want)
			wantByEmail(t, k, s, arthurLower, want)
		})
	}
}

func testReturnedUsersAreCopies[U user.Model](t *testing.T, k kind[U]) {
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		// obtain returns a value the caller owns after it was handed to or
		// obtained from the store.
		obtain func(t *testing.T, s user.Store[U], id uuid.UUID) U
	}{
		{"PassedToCreate", func(t *testing.T, s user.Store[U], id uuid.UUID) U {
			u := k.sample(id, "percival@camelot.bt", 1)
			mustCreate(t, s, u)
			return u
		}},
		{"ReturnedByGet", func(t *testing.T, s user.Store[U], id uuid.UUID) U {
			mustCreate(t, s, k.sample(id, "percival@camelot.bt", 1))
			u, err := s.Get(ctx, id)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			return u
		}},
		{"ReturnedByGetByEmail", func(t *testing.T, s user.Store[U], id uuid.UUID) U {
			mustCreate(t, s, k.sample(id, "percival@camelot.bt", 1))
			u, err := s.GetByEmail(ctx, "percival@camelot.bt")
			if err != nil {
				t.Fatalf("GetByEmail: %v", err)
			}
			return u
		}},
		{"ReturnedByUpdate", func(t *testing.T, s user.Store[U], id uuid.UUID) U {
			mustCreate(t, s, k.sample(id, "percival@camelot.bt", 1))
			u, err := s.Update(ctx, id, func(U) error { return nil })
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			return u
		}},
		{"GivenToMutate", func(t *testing.T, s user.Store[U], id uuid.UUID) U {
			mustCreate(t, s, k.sample(id, "percival@camelot.bt", 1))
			var kept U
			if _, err := s.Update(ctx, id, func(u U) error { kept = u; return nil }); err != nil {
				t.Fatalf("Update: %v", err)
			}
			return kept
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := k.open(t)
			id := uuid.New()
			u := tc.obtain(t, s, id)
			other, err := s.Get(ctx, id)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			// Every field replaced, the id and a slice among them; slices
			// are replaced, not edited, as user.Clone documents.
			assign(u, k.sample(uuid.New(), "mordred@camelot.bt", 2))
			want := k.sample(id, "percival@camelot.bt", 1)
			wantStored(t, k, s, want)
			wantByEmail(t, k, s, "percival@camelot.bt", want)
			if !k.equal(other, want) {
				t.Fatalf("a value from an earlier Get changed with the caller's copy:\n%+v", other)
			}
		})
	}
}

func testDelete[U user.Model](t *testing.T, k kind[U]) {
	ctx := t.Context()
	s := k.open(t)
	id := uuid.New()
	kept := k.sample(uuid.New(), "merlin@camelot.bt", 3)
	mustCreate(t, s, k.sample(id, arthur, 1))
	mustCreate(t, s, k.sample(kept.UserBase().ID, "merlin@camelot.bt", 3))
	if err := s.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := s.Get(ctx, id)
	wantErr(t, "Get after Delete", err, user.ErrNotFound)
	_, err = s.GetByEmail(ctx, arthur)
	wantErr(t, "GetByEmail after Delete", err, user.ErrNotFound)
	wantErr(t, "Delete after Delete", s.Delete(ctx, id), user.ErrNotFound)
	wantStored(t, k, s, kept)

	// The e-mail key is free again, and so is the id.
	again := k.sample(uuid.New(), arthurLower, 2)
	mustCreate(t, s, k.sample(again.UserBase().ID, arthurLower, 2))
	wantByEmail(t, k, s, arthur, again)
	reused := k.sample(id, "arthur.pendragon@camelot.bt", 4)
	mustCreate(t, s, k.sample(id, "arthur.pendragon@camelot.bt", 4))
	wantStored(t, k, s, reused)
}

// testLookupsFollowWrites looks a user up repeatedly, as every request
// does, between writes: each lookup gives the last write's result, so a
// store that remembers what it read forgets it on a write.
func testLookupsFollowWrites[U user.Model](t *testing.T, k kind[U]) {
	ctx := t.Context()
	s := k.open(t)
	id := uuid.New()
	mustCreate(t, s, k.sample(id, arthur, 1))
	lookUp := func(email string, want U) {
		t.Helper()
		for range 3 {
			wantStored(t, k, s, want)
			wantByEmail(t, k, s, email, want)
		}
	}
	lookUp(arthur, k.sample(id, arthur, 1))
	for n := 2; n <= 4; n++ {
		if _, err := s.Update(ctx, id, func(u U) error { assign(u, k.sample(id, arthur, n)); return nil }); err != nil {
			t.Fatalf("Update: %v", err)
		}
		lookUp(arthur, k.sample(id, arthur, n))
	}
	// A new address: the old one finds no one.
	if _, err := s.Update(ctx, id, func(u U) error { u.UserBase().Email = "arthur.pendragon@camelot.bt"; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	lookUp("arthur.pendragon@camelot.bt", k.sample(id, "arthur.pendragon@camelot.bt", 4))
	_, err := s.GetByEmail(ctx, arthur)
	wantErr(t, "GetByEmail of the old address", err, user.ErrNotFound)
	// A refused mutate changes nothing.
	_, err = s.Update(ctx, id, func(u U) error { assign(u, k.sample(id, arthur, 5)); return errMutate })
	wantErr(t, "refused Update", err, errMutate)
	lookUp("arthur.pendragon@camelot.bt", k.sample(id, "arthur.pendragon@camelot.bt", 4))
	if err := s.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = s.Get(ctx, id)
	wantErr(t, "Get after Delete", err, user.ErrNotFound)
	_, err = s.GetByEmail(ctx, "arthur.pendragon@camelot.bt")
	wantErr(t, "GetByEmail after Delete", err, user.ErrNotFound)
}

func mustCreate[U user.Model](t *testing.T, s user.Store[U], u U) {
	t.Helper()
	if err := s.Create(t.Context(), u); err != nil {
		t.Fatalf("Create(%q): %v", u.UserBase().Email, err)
	}
}

// wantStored fails t unless Get(want's id) returns a user equal to want.
func wantStored[U user.Model](t *testing.T, k kind[U], s user.Store[U], want U) {
	t.Helper()
	got, err := s.Get(t.Context(), want.UserBase().ID)
	if err != nil {
		t.Fatalf("Get(%s): %v", want.UserBase().ID, err)
	}
	if !k.equal(got, want) {
		t.Fatalf("Get(%s) =\n%+v\nwant\n%+v", want.UserBase().ID, got, want)
	}
}

// wantByEmail fails t unless GetByEmail(email) returns a user equal to want.
func wantByEmail[U user.Model](t *testing.T, k kind[U], s user.Store[U], email string, want U) {
	t.Helper()
	got, err := s.GetByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("GetByEmail(%q): %v", email, err)
	}
	if !k.equal(got, want) {
		t.Fatalf("GetByEmail(%q) =\n%+v\nwant\n%+v", email, got, want)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s returned %v, want %v", what, err, want)
	}
}

// assign overwrites every field of *dst with those of *src.
func assign[U user.Model](dst, src U) {
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}
