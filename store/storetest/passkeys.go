package storetest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// RunPasskeys runs the conformance suite of user.PasskeyStore against the
// stores f.Users opens, which must implement it besides user.Store, as
// subtests of t: passkeys round-trip every field, credential ids are unique
// across users under concurrent use, a use is recorded by compare-and-set
// on the signature counter, deleting is scoped to the owner, deleting a
// user deletes its passkeys, and values are copies. Only f.Users is used:
// passkeys do not depend on the user type.
//
//	storetest.RunPasskeys(t, storetest.Factory{Users: ...})
func RunPasskeys(t *testing.T, f Factory) {
	t.Helper()
	if f.Users == nil {
		t.Fatal("storetest: Factory.Users is required")
	}
	k := userKind(f.Users)
	for _, c := range []struct {
		name string
		run  func(*testing.T, kind[*user.User])
	}{
		{"AddThenGet", testPasskeyAddThenGet},
		{"NotFound", testPasskeyNotFound},
		{"AddDuplicate", testPasskeyAddDuplicate},
		{"AddToUnknownUser", testPasskeyAddToUnknownUser},
		{"ListOrdered", testPasskeyListOrdered},
		{"RecordUse", testPasskeyRecordUse},
		{"Rename", testPasskeyRename},
		{"Delete", testPasskeyDelete},
		{"DeleteUserDeletesPasskeys", testPasskeyDeleteUser},
		{"ReturnedPasskeysAreCopies", testPasskeyCopies},
		{"ConcurrentAddOneCredential", testPasskeyConcurrentAdd},
		{"ConcurrentUseOneCounter", testPasskeyConcurrentUse},
		{"ConcurrentDeleteUserLeavesNoPasskey", testPasskeyConcurrentDeleteUser},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, k) })
	}
}

// passkeyUsers is a store with the passkey capability.
type passkeyUsers interface {
	user.Store[*user.User]
	user.PasskeyStore
}

func openPasskeys(t *testing.T, k kind[*user.User]) passkeyUsers {
	t.Helper()
	s, ok := k.open(t).(passkeyUsers)
	if !ok {
		t.Fatalf("storetest: the store does not implement user.PasskeyStore")
	}
	return s
}

// passkeyEpoch is the time the sample passkeys are made around.
var passkeyEpoch = time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)

// samplePasskey returns a passkey of the user whose fields derive from n
// and a random credential id; n == 0 leaves the optional fields zero.
func samplePasskey(userID uuid.UUID, n int) user.Passkey {
	cred := make([]byte, 16+n%200)
	_, _ = rand.Read(cred)
	p := user.Passkey{
		ID: uuid.New(), UserID: userID, CredentialID: cred,
		PublicKey: bytes.Repeat([]byte{0xa5, byte(n)}, 38),
		CreatedAt: passkeyEpoch.Add(time.Duration(n) * time.Hour),
	}
	if n != 0 {
		p.Name = fmt.Sprintf("YubiKey ✠ \"%d\" <b>", n)
		p.SignCount = uint32(n) * 1000003
		p.AAGUID = uuid.NewSHA1(uuid.NameSpaceOID, []byte{byte(n)})
		p.Transports = []string{"usb", "nfc"}[:1+n%2]
		p.BackupEligible = n%2 == 1
		p.BackupState = n%3 == 1
		p.LastUsedAt = passkeyEpoch.Add(time.Duration(n)*time.Hour + 17*time.Microsecond)
	}
	return p
}

// passkeysEqual compares every field, times as instants, nil and empty
// transports alike.
func passkeysEqual(a, b user.Passkey) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Name == b.Name &&
		bytes.Equal(a.CredentialID, b.CredentialID) && bytes.Equal(a.PublicKey, b.PublicKey) &&
		a.SignCount == b.SignCount && a.AAGUID == b.AAGUID && slices.Equal(a.Transports, b.Transports) &&
		a.BackupEligible == b.BackupEligible && a.BackupState == b.BackupState &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastUsedAt.Equal(b.LastUsedAt) &&
		a.CreatedAt.Location() == time.UTC && (a.LastUsedAt.IsZero() || a.LastUsedAt.Location() == time.UTC)
}

func addPasskey(t *testing.T, s passkeyUsers, p user.Passkey) {
	t.Helper()
	if err := s.AddPasskey(t.Context(), p); err != nil {
		t.Fatalf("AddPasskey(%s): %v", p.ID, err)
	}
}

// wantPasskey fails t unless the store holds want, under its credential id.
func wantPasskey(t *testing.T, s passkeyUsers, want user.Passkey) {
	t.Helper()
	got, err := s.PasskeyByCredentialID(t.Context(), want.CredentialID)
	if err != nil {
		t.Fatalf("PasskeyByCredentialID(%x): %v", want.CredentialID, err)
	}
	if !passkeysEqual(got, want) {
		t.Fatalf("PasskeyByCredentialID =\n%+v\nwant\n%+v", got, want)
	}
}

func wantNoPasskey(t *testing.T, s passkeyUsers, credentialID []byte) {
	t.Helper()
	_, err := s.PasskeyByCredentialID(t.Context(), credentialID)
	wantErr(t, "PasskeyByCredentialID", err, user.ErrNotFound)
}

// wantPasskeys fails t unless the user's passkeys are want, in order.
func wantPasskeys(t *testing.T, s passkeyUsers, userID uuid.UUID, want ...user.Passkey) {
	t.Helper()
	list, err := s.Passkeys(t.Context(), userID)
	if err != nil {
		t.Fatalf("Passkeys: %v", err)
	}
	if len(list) != len(want) {
		t.Fatalf("Passkeys returned %d passkeys, want %d", len(list), len(want))
	}
	for i := range want {
		if !passkeysEqual(list[i], want[i]) {
			t.Fatalf("Passkeys[%d] =\n%+v\nwant\n%+v", i, list[i], want[i])
		}
	}
	n, err := s.CountPasskeys(t.Context(), userID)
	if err != nil || n != len(want) {
		t.Fatalf("CountPasskeys = %d, %v; want %d", n, err, len(want))
	}
}

// newOwner creates a user and returns its id.
func newOwner(t *testing.T, k kind[*user.User], s passkeyUsers, email string, n int) uuid.UUID {
	t.Helper()
	id := uuid.New()
	mustCreate(t, s, k.sample(id, email, n))
	return id
}

func testPasskeyAddThenGet(t *testing.T, k kind[*user.User]) {
	for _, tc := range []struct {
		name string
		p    func(userID uuid.UUID) user.Passkey
	}{
		{"EveryFieldSet", func(id uuid.UUID) user.Passkey { return samplePasskey(id, 1) }},
		{"ZeroValues", func(id uuid.UUID) user.Passkey { return samplePasskey(id, 0) }},
		{"EmptyTransports", func(id uuid.UUID) user.Passkey { p := samplePasskey(id, 2); p.Transports = []string{}; return p }},
		{"AllTransports", func(id uuid.UUID) user.Passkey {
			p := samplePasskey(id, 3)
			p.Transports = []string{"usb", "nfc", "ble", "smart-card", "hybrid", "internal"}
			return p
		}},
		{"LargestCredential", func(id uuid.UUID) user.Passkey {
			// WebAuthn's longest credential id, a large RSA key, and
			// every bit of the counter.
			p := samplePasskey(id, 4)
			p.CredentialID = bytes.Repeat([]byte{0xff, 0x00, 0x7f}, 341)
			p.PublicKey = bytes.Repeat([]byte{0x80}, 1100)
			p.SignCount = 1<<32 - 1
			return p
		}},
		{"BytesNotText", func(id uuid.UUID) user.Passkey {
			p := samplePasskey(id, 5)
			p.CredentialID = []byte{0, 0xc3, 0x28, '\'', '"', 0}
			return p
		}},
		{"MicrosecondTimes", func(id uuid.UUID) user.Passkey {
			p := samplePasskey(id, 6)
			p.CreatedAt = time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)
			p.LastUsedAt = time.Date(2100, 1, 1, 0, 0, 0, 1000, time.UTC)
			return p
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openPasskeys(t, k)
			owner := newOwner(t, k, s, arthur, 1)
			newOwner(t, k, s, "merlin@camelot.bt", 2)
			p := tc.p(owner)
			addPasskey(t, s, p)
			wantPasskey(t, s, p)
			wantPasskeys(t, s, owner, p)
		})
	}
	t.Run("TimesInOtherZones", func(t *testing.T) {
		s := openPasskeys(t, k)
		owner := newOwner(t, k, s, arthur, 1)
		p := samplePasskey(owner, 1)
		paris := time.FixedZone("CEST", 2*3600)
		p.CreatedAt, p.LastUsedAt = p.CreatedAt.In(paris), p.LastUsedAt.In(paris)
		addPasskey(t, s, p)
		p.CreatedAt, p.LastUsedAt = p.CreatedAt.UTC(), p.LastUsedAt.UTC()
		wantPasskey(t, s, p)
	})
}

func testPasskeyNotFound(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	owner := newOwner(t, k, s, arthur, 1)
	p := samplePasskey(owner, 1)
	addPasskey(t, s, p)
	for _, c := range []struct {
		name string
		id   []byte
	}{
		{"Unknown", []byte("Clarent")},
		{"Prefix", p.CredentialID[:len(p.CredentialID)-1]},
		{"Longer", append(bytes.Clone(p.CredentialID), 0)},
		{"OneBitOff", func() []byte { b := bytes.Clone(p.CredentialID); b[0] ^= 1; return b }()},
		{"Empty", []byte{}},
	} {
		t.Run(c.name, func(t *testing.T) { wantNoPasskey(t, s, c.id) })
	}
	t.Run("UnknownUser", func(t *testing.T) { wantPasskeys(t, s, uuid.New()) })
}

func testPasskeyAddDuplicate(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	arthurID := newOwner(t, k, s, arthur, 1)
	merlinID := newOwner(t, k, s, "merlin@camelot.bt", 2)
	orig := samplePasskey(arthurID, 1)
	addPasskey(t, s, orig)
	for _, c := range []struct {
		name string
		p    user.Passkey
	}{
		{"SameCredentialOtherUser", func() user.Passkey { p := samplePasskey(merlinID, 2); p.CredentialID = orig.CredentialID; return p }()},
		{"SameCredentialSameUser", func() user.Passkey { p := samplePasskey(arthurID, 3); p.CredentialID = orig.CredentialID; return p }()},
		{"SameID", func() user.Passkey { p := samplePasskey(merlinID, 4); p.ID = orig.ID; return p }()},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, "AddPasskey", s.AddPasskey(t.Context(), c.p), user.ErrAlreadyExists)
			wantPasskey(t, s, orig)
			wantPasskeys(t, s, merlinID)
		})
	}
}

func testPasskeyAddToUnknownUser(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	p := samplePasskey(uuid.New(), 1)
	wantErr(t, "AddPasskey for an unknown user", s.AddPasskey(t.Context(), p), user.ErrNotFound)
	wantNoPasskey(t, s, p.CredentialID)
}

func testPasskeyListOrdered(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	id := newOwner(t, k, s, arthur, 1)
	other := newOwner(t, k, s, "merlin@camelot.bt", 2)
	var made []user.Passkey
	for _, n := range []int{5, 1, 3, 2, 4} {
		p := samplePasskey(id, n)
		addPasskey(t, s, p)
		made = append(made, p)
	}
	// Two made in the same microsecond: ordered by id.
	tie := []user.Passkey{samplePasskey(id, 7), samplePasskey(id, 7)}
	tie[0].ID = uuid.MustParse("ffffffff-0000-4000-8000-000000000000")
	tie[1].ID = uuid.MustParse("00000000-ffff-4000-8000-000000000000")
	addPasskey(t, s, tie[0])
	addPasskey(t, s, tie[1])
	theirs := samplePasskey(other, 6)
	addPasskey(t, s, theirs)
	wantPasskeys(t, s, id, made[1], made[3], made[2], made[4], made[0], tie[1], tie[0])
	wantPasskeys(t, s, other, theirs)
}

func testPasskeyRecordUse(t *testing.T, k kind[*user.User]) {
	setup := func(t *testing.T, count uint32) (passkeyUsers, user.Passkey) {
		s := openPasskeys(t, k)
		p := samplePasskey(newOwner(t, k, s, arthur, 1), 1)
		p.SignCount = count
		addPasskey(t, s, p)
		return s, p
	}
	used := passkeyEpoch.Add(48*time.Hour + 3*time.Microsecond)
	for _, tc := range []struct {
		name          string
		stored, fresh uint32
		ok            bool
	}{
		{"Increases", 10, 11, true},
		{"Jumps", 10, 1<<32 - 1, true},
		{"FirstCount", 0, 1, true},
		{"BothZero", 0, 0, true},
		{"Equal", 10, 10, false},
		{"GoesBack", 10, 9, false},
		{"DropsToZero", 10, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, p := setup(t, tc.stored)
			err := s.RecordPasskeyUse(t.Context(), p.UserID, p.CredentialID, user.PasskeyUse{SignCount: tc.fresh, BackupState: !p.BackupState, UsedAt: used})
			if !tc.ok {
				wantErr(t, "RecordPasskeyUse", err, user.ErrSignCountNotIncreased)
				wantPasskey(t, s, p)
				return
			}
			if err != nil {
				t.Fatalf("RecordPasskeyUse: %v", err)
			}
			want := p
			want.SignCount, want.BackupState, want.LastUsedAt = tc.fresh, !p.BackupState, used
			wantPasskey(t, s, want)
		})
	}
	t.Run("ZeroCounterTwice", func(t *testing.T) {
		s, p := setup(t, 0)
		for range 2 {
			if err := s.RecordPasskeyUse(t.Context(), p.UserID, p.CredentialID, user.PasskeyUse{UsedAt: used}); err != nil {
				t.Fatalf("RecordPasskeyUse of a counter-less passkey: %v", err)
			}
		}
	})
	t.Run("OtherUsersPasskey", func(t *testing.T) {
		s, p := setup(t, 1)
		other := newOwner(t, k, s, "merlin@camelot.bt", 2)
		err := s.RecordPasskeyUse(t.Context(), other, p.CredentialID, user.PasskeyUse{SignCount: 2, UsedAt: used})
		wantErr(t, "RecordPasskeyUse of another user's passkey", err, user.ErrNotFound)
		wantPasskey(t, s, p)
	})
	t.Run("UnknownPasskey", func(t *testing.T) {
		s, p := setup(t, 1)
		err := s.RecordPasskeyUse(t.Context(), p.UserID, []byte("Clarent"), user.PasskeyUse{SignCount: 2, UsedAt: used})
		wantErr(t, "RecordPasskeyUse of an unknown passkey", err, user.ErrNotFound)
	})
}

func testPasskeyRename(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	owner := newOwner(t, k, s, arthur, 1)
	other := newOwner(t, k, s, "merlin@camelot.bt", 2)
	p := samplePasskey(owner, 1)
	addPasskey(t, s, p)
	if err := s.RenamePasskey(t.Context(), owner, p.ID, "Excalibur's key 🗡"); err != nil {
		t.Fatalf("RenamePasskey: %v", err)
	}
	p.Name = "Excalibur's key 🗡"
	wantPasskey(t, s, p)
	wantErr(t, "RenamePasskey of another user's passkey", s.RenamePasskey(t.Context(), other, p.ID, "mine"), user.ErrNotFound)
	wantErr(t, "RenamePasskey of an unknown passkey", s.RenamePasskey(t.Context(), owner, uuid.New(), "mine"), user.ErrNotFound)
	wantPasskey(t, s, p)
}

func testPasskeyDelete(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	owner := newOwner(t, k, s, arthur, 1)
	other := newOwner(t, k, s, "merlin@camelot.bt", 2)
	gone, kept := samplePasskey(owner, 1), samplePasskey(owner, 2)
	addPasskey(t, s, gone)
	addPasskey(t, s, kept)
	wantErr(t, "DeletePasskey of another user's passkey", s.DeletePasskey(t.Context(), other, gone.ID), user.ErrNotFound)
	wantPasskey(t, s, gone)
	if err := s.DeletePasskey(t.Context(), owner, gone.ID); err != nil {
		t.Fatalf("DeletePasskey: %v", err)
	}
	wantNoPasskey(t, s, gone.CredentialID)
	wantPasskeys(t, s, owner, kept)
	wantErr(t, "DeletePasskey twice", s.DeletePasskey(t.Context(), owner, gone.ID), user.ErrNotFound)
	// The credential id is free for whoever registers it next.
	again := samplePasskey(other, 3)
	again.CredentialID = gone.CredentialID
	addPasskey(t, s, again)
	wantPasskey(t, s, again)
}

func testPasskeyDeleteUser(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	owner := newOwner(t, k, s, arthur, 1)
	other := newOwner(t, k, s, "merlin@camelot.bt", 2)
	a, b, kept := samplePasskey(owner, 1), samplePasskey(owner, 2), samplePasskey(other, 3)
	addPasskey(t, s, a)
	addPasskey(t, s, b)
	addPasskey(t, s, kept)
	if err := s.Delete(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	wantNoPasskey(t, s, a.CredentialID)
	wantNoPasskey(t, s, b.CredentialID)
	wantPasskeys(t, s, owner)
	wantPasskey(t, s, kept)
	// A new user with the old id starts without passkeys.
	mustCreate(t, s, k.sample(owner, "arthur.pendragon@camelot.bt", 4))
	wantPasskeys(t, s, owner)
}

func testPasskeyCopies(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	p := samplePasskey(newOwner(t, k, s, arthur, 1), 1)
	in := p
	in.CredentialID, in.PublicKey, in.Transports = bytes.Clone(p.CredentialID), bytes.Clone(p.PublicKey), slices.Clone(p.Transports)
	addPasskey(t, s, in)
	in.PublicKey[0], in.Transports[0] = 0, "changed after AddPasskey"

	got, err := s.PasskeyByCredentialID(t.Context(), p.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	got.CredentialID[0]++
	got.PublicKey[0]++
	got.Transports[0] = "changed after PasskeyByCredentialID"
	list, err := s.Passkeys(t.Context(), p.UserID)
	if err != nil || len(list) != 1 {
		t.Fatalf("Passkeys = %+v, %v", list, err)
	}
	list[0].PublicKey[1]++
	list[0].Transports[0] = "changed after Passkeys"
	wantPasskey(t, s, p)
}

// testPasskeyConcurrentAdd races registrations of one credential id by
// many users: exactly one wins.
func testPasskeyConcurrentAdd(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	owners := make([]uuid.UUID, contenders)
	for i := range owners {
		owners[i] = newOwner(t, k, s, fmt.Sprintf("knight%d@camelot.bt", i), i+1)
	}
	credential := []byte("one credential id")
	errs := race(contenders, func(i int) error {
		p := samplePasskey(owners[i], i+1)
		p.CredentialID = credential
		return s.AddPasskey(t.Context(), p)
	})
	winner := oneWinner(t, "AddPasskey", errs, user.ErrAlreadyExists)
	got, err := s.PasskeyByCredentialID(t.Context(), credential)
	if err != nil || got.UserID != owners[winner] {
		t.Fatalf("the credential belongs to %v (%v), want the winner %v", got.UserID, err, owners[winner])
	}
	for i, id := range owners {
		if n, err := s.CountPasskeys(t.Context(), id); err != nil || n != map[bool]int{true: 1}[i == winner] {
			t.Fatalf("user %d has %d passkeys (%v)", i, n, err)
		}
	}
}

// testPasskeyConcurrentUse races sign-ins that verified against one
// stored counter: with the same new counter, exactly one is recorded (a
// clone and the original signing at once); with different ones, the
// highest ends stored.
func testPasskeyConcurrentUse(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	p := samplePasskey(newOwner(t, k, s, arthur, 1), 1)
	p.SignCount = 100
	addPasskey(t, s, p)
	errs := race(contenders, func(i int) error {
		return s.RecordPasskeyUse(t.Context(), p.UserID, p.CredentialID, user.PasskeyUse{SignCount: 101, UsedAt: passkeyEpoch.Add(time.Duration(i) * time.Microsecond)})
	})
	recorded := 0
	for i, err := range errs {
		switch {
		case err == nil:
			recorded++
		case !errors.Is(err, user.ErrSignCountNotIncreased):
			t.Fatalf("RecordPasskeyUse %d = %v", i, err)
		}
	}
	if recorded != 1 {
		t.Fatalf("%d concurrent uses with one counter were recorded, want 1", recorded)
	}
	errs = race(contenders, func(i int) error {
		return s.RecordPasskeyUse(t.Context(), p.UserID, p.CredentialID, user.PasskeyUse{SignCount: 200 + uint32(i), UsedAt: passkeyEpoch})
	})
	for i, err := range errs {
		if err != nil && !errors.Is(err, user.ErrSignCountNotIncreased) {
			t.Fatalf("RecordPasskeyUse %d = %v", i, err)
		}
	}
	if errs[contenders-1] != nil {
		t.Fatalf("the highest counter was refused: %v", errs[contenders-1])
	}
	got, err := s.PasskeyByCredentialID(t.Context(), p.CredentialID)
	if err != nil || got.SignCount != 200+contenders-1 {
		t.Fatalf("stored counter %d (%v), want the highest, %d", got.SignCount, err, 200+contenders-1)
	}
}

// testPasskeyConcurrentDeleteUser races registrations of passkeys with the
// deletion of their user: none may outlive the user.
func testPasskeyConcurrentDeleteUser(t *testing.T, k kind[*user.User]) {
	s := openPasskeys(t, k)
	owner := newOwner(t, k, s, arthur, 1)
	made := make([]user.Passkey, contenders)
	for i := range made {
		made[i] = samplePasskey(owner, i+1)
	}
	errs := race(contenders+1, func(i int) error {
		if i == contenders {
			return s.Delete(t.Context(), owner)
		}
		return s.AddPasskey(t.Context(), made[i])
	})
	if errs[contenders] != nil {
		t.Fatalf("Delete: %v", errs[contenders])
	}
	for i, err := range errs[:contenders] {
		if err != nil && !errors.Is(err, user.ErrNotFound) {
			t.Fatalf("AddPasskey %d = %v, want nil or %v", i, err, user.ErrNotFound)
		}
		wantNoPasskey(t, s, made[i].CredentialID)
	}
	wantPasskeys(t, s, owner)
}
