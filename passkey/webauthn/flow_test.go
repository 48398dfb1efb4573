package webauthn_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

func TestRegisterThenSignIn(t *testing.T) {
	f := newFixture(t, nil)
	useArthur := with(func(c *passkeytest.Ceremony) { c.Credential = f.arthurC.ID })
	t.Run("Passwordless", func(t *testing.T) {
		for n := uint32(1); n <= 3; n++ {
			a, err := f.login(t, useArthur)
			if err != nil {
				t.Fatalf("sign-in %d: %v", n, err)
			}
			if a.UserID != f.arthur.ID || !bytes.Equal(a.CredentialID, f.arthurC.ID) || a.SignCount != n || !a.UserVerified || a.BackupState {
				t.Fatalf("sign-in %d = %+v", n, a)
			}
		}
	})
	t.Run("SecondFactor", func(t *testing.T) {
		a, err := f.secondFactor(t, f.merlin, honest)
		if err != nil {
			t.Fatal(err)
		}
		if a.UserID != f.merlin.ID || !bytes.Equal(a.CredentialID, f.merlinC.ID) || a.SignCount != 1 {
			t.Fatalf("= %+v", a)
		}
	})
	t.Run("SecondFactorWithoutUserHandle", func(t *testing.T) {
		a, err := f.secondFactor(t, f.merlin, with(func(c *passkeytest.Ceremony) { c.OmitUserHandle = true }))
		if err != nil || a.SignCount != 2 {
			t.Fatalf("= %+v, %v", a, err)
		}
	})
	t.Run("UserNotVerifiedIsReported", func(t *testing.T) {
		a, err := f.login(t, with(func(c *passkeytest.Ceremony) { c.Credential, c.NoUserVerification = f.arthurC.ID, true }))
		if err != nil || a.UserVerified {
			t.Fatalf("= %+v, %v; want success without UserVerified (preferred)", a, err)
		}
	})
	t.Run("UnsolicitedExtensionOutputs", func(t *testing.T) {
		// What Safari and password managers add without being asked.
		c, _ := f.rp.BeginLogin()
		answer, err := f.auth.Get(c.Options, useArthur)
		if err != nil {
			t.Fatal(err)
		}
		answer = editJSON(t, answer, func(m map[string]any) {
			m["clientExtensionResults"] = map[string]any{"appid": false, "credProps": map[string]any{"rk": true}}
		})
		a, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
		if err != nil {
			t.Fatalf("FinishLogin with unasked extension outputs: %v", err)
		}
		f.keys.record(a)
	})
	t.Run("BackupStateChanges", func(t *testing.T) {
		f := newFixture(t, nil)
		c := f.register(t, passkey.User{ID: uuid.New(), Name: "gawain@camelot.bt"}, with(func(c *passkeytest.Ceremony) { c.BackupEligible = true }))
		a, err := f.login(t, with(func(cer *passkeytest.Ceremony) {
			cer.Credential, cer.BackupEligible, cer.BackupState = c.ID, true, true
		}))
		if err != nil || !a.BackupState {
			t.Fatalf("= %+v, %v; want the new backup state", a, err)
		}
	})
}

// TestSignatureCounter follows WebAuthn Level 3 section 7.2 step 21: the
// counter must increase unless stored and received are both zero.
func TestSignatureCounter(t *testing.T) {
	for _, tc := range []struct {
		name             string
		stored, received uint32
		clone            bool
	}{
		{"BothZero", 0, 0, false},
		{"FirstUse", 0, 1, false},
		{"Increases", 5, 6, false},
		{"Jumps", 5, 1 << 31, false},
		{"Equal", 5, 5, true},
		{"GoesBack", 5, 4, true},
		{"DropsToZero", 5, 0, true},
		{"Wraps", 1<<32 - 1, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if tc.stored != 0 {
				if _, err := f.login(t, with(func(c *passkeytest.Ceremony) { c.Credential, c.SignCount = f.arthurC.ID, u32(tc.stored) })); err != nil {
					t.Fatalf("setting the stored counter: %v", err)
				}
			}
			lookups := f.keys.calls
			a, err := f.login(t, with(func(c *passkeytest.Ceremony) { c.Credential, c.SignCount = f.arthurC.ID, u32(tc.received) }))
			if f.keys.calls != lookups+1 {
				t.Fatalf("Lookup ran %d times", f.keys.calls-lookups)
			}
			if !tc.clone {
				if err != nil || a.SignCount != tc.received {
					t.Fatalf("= %+v, %v; want the counter %d", a, err, tc.received)
				}
				return
			}
			var ce *passkey.CloneError
			if !errors.As(err, &ce) || !errors.Is(err, passkey.ErrPossibleClone) {
				t.Fatalf("= %+v, %v; want a *CloneError", a, err)
			}
			if ce.UserID != f.arthur.ID || !bytes.Equal(ce.CredentialID, f.arthurC.ID) || ce.Stored != tc.stored || ce.Received != tc.received {
				t.Errorf("CloneError = %+v", ce)
			}
			if got := f.keys.of(f.arthur.ID)[0].SignCount; got != tc.stored {
				t.Errorf("stored counter = %d after a refusal, want %d", got, tc.stored)
			}
		})
	}
}

// TestSameSessionTwice: the package does not remember sessions (the
// caller's challenge store makes them single-use), but an answer replayed
// with its own session still fails on the counter.
func TestSameSessionTwice(t *testing.T) {
	f := newFixture(t, nil)
	c, err := f.rp.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	answer, err := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.arthurC.ID }))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	f.keys.record(a)
	_, err = f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
	wantErr(t, "the same answer and session again", err, passkey.ErrPossibleClone)
}

func TestFinishLoginRefusals(t *testing.T) {
	storeDown := errors.New("store down")
	for _, tc := range []struct {
		name string
		cfg  func(*webauthn.Config)
		// run returns FinishLogin's error; f has arthur and merlin, each
		// with a passkey on f.auth.
		run  func(t *testing.T, f *fixture) error
		want error
	}{
		{name: "WrongOrigin", want: passkey.ErrOrigin, run: loginWith(func(c *passkeytest.Ceremony) { c.Origin = "https://evil.example" })},
		{name: "OriginWithPath", want: passkey.ErrOrigin, run: loginWith(func(c *passkeytest.Ceremony) { c.Origin = testOrigin + "/" })},
		{name: "OriginUpperCase", want: passkey.ErrOrigin, run: loginWith(func(c *passkeytest.Ceremony) { c.Origin = strings.ToUpper(testOrigin) })},
		{name: "CrossOriginFrame", want: passkey.ErrOrigin, run: loginWith(func(c *passkeytest.Ceremony) { c.CrossOrigin = true })},
		{name: "WrongRelyingParty", want: passkey.ErrRelyingParty, run: loginWith(func(c *passkeytest.Ceremony) { c.RPID = "mordred.bt" })},
		{name: "SubdomainRelyingParty", want: passkey.ErrRelyingParty, run: loginWith(func(c *passkeytest.Ceremony) { c.RPID = "login.camelot.bt" })},
		{name: "OtherChallenge", want: passkey.ErrChallenge, run: loginWith(func(c *passkeytest.Ceremony) { c.Challenge = []byte("a challenge of another ceremony") })},
		{name: "WrongType", want: passkey.ErrMalformedResponse, run: loginWith(func(c *passkeytest.Ceremony) { c.Type = "webauthn.create" })},
		{name: "NoUserPresence", want: passkey.ErrUserPresence, run: loginWith(func(c *passkeytest.Ceremony) { c.NoUserPresence = true })},
		{name: "NoUserVerificationRequired", want: passkey.ErrUserVerification, run: loginWith(func(c *passkeytest.Ceremony) { c.NoUserVerification = true }),
			cfg: func(c *webauthn.Config) { c.UserVerification = webauthn.UserVerificationRequired }},
		{name: "TamperedSignature", want: passkey.ErrSignature, run: loginWith(func(c *passkeytest.Ceremony) { c.CorruptSignature = true })},
		{name: "CounterGoesBack", want: passkey.ErrPossibleClone, run: func(t *testing.T, f *fixture) error {
			if _, err := f.login(t, with(func(c *passkeytest.Ceremony) { c.Credential, c.SignCount = f.arthurC.ID, u32(10) })); err != nil {
				t.Fatal(err)
			}
			_, err := f.login(t, with(func(c *passkeytest.Ceremony) { c.Credential, c.SignCount = f.arthurC.ID, u32(9) }))
			return err
		}},
		{name: "AppIDClaimedForAnotherRelyingParty", want: passkey.ErrRelyingParty, run: func(t *testing.T, f *fixture) error {
			// appid true claims a U2F-era scope; it must not change the
			// relying party the authenticator data is checked against.
			c, _ := f.rp.BeginLogin()
			answer, _ := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential, c.RPID = f.arthurC.ID, "https://mordred.bt" }))
			answer = editJSON(t, answer, func(m map[string]any) { m["clientExtensionResults"] = map[string]any{"appid": true} })
			_, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "BackupEligibilityChanged", want: passkey.ErrRefused, run: loginWith(func(c *passkeytest.Ceremony) { c.BackupEligible = true })},
		{name: "BackupStateWithoutEligibility", want: passkey.ErrRefused, run: loginWith(func(c *passkeytest.Ceremony) { c.BackupState = true })},
		{name: "ReplayedChallenge", want: passkey.ErrChallenge, run: func(t *testing.T, f *fixture) error {
			// An answer to an earlier ceremony, given with a new session.
			old, _ := f.rp.BeginLogin()
			answer, err := f.auth.Get(old.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.arthurC.ID }))
			if err != nil {
				t.Fatal(err)
			}
			fresh, _ := f.rp.BeginLogin()
			_, err = f.rp.FinishLogin(t.Context(), fresh.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "Expired", want: passkey.ErrExpired, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLogin()
			answer, err := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.arthurC.ID }))
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(webauthn.DefaultTimeout + 1)
			_, err = f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "AnotherUsersCredential", want: passkey.ErrWrongUser, run: func(t *testing.T, f *fixture) error {
			// Merlin's credential signs, the answer claims to be
			// Arthur's: the user handle is outside the signature.
			c, _ := f.rp.BeginLogin()
			answer, err := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.merlinC.ID }))
			if err != nil {
				t.Fatal(err)
			}
			answer = editJSON(t, answer, func(m map[string]any) {
				m["response"].(map[string]any)["userHandle"] = b64.EncodeToString(f.arthur.ID[:])
			})
			_, err = f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "LookupListsAnotherUsersCredentials", want: passkey.ErrUnknownCredential, run: func(t *testing.T, f *fixture) error {
			// A lookup that lists the handle's user's credentials: the
			// signing credential is not among them.
			c, _ := f.rp.BeginLogin()
			answer, err := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.merlinC.ID }))
			if err != nil {
				t.Fatal(err)
			}
			answer = editJSON(t, answer, func(m map[string]any) {
				m["response"].(map[string]any)["userHandle"] = b64.EncodeToString(f.arthur.ID[:])
			})
			byHandle := func(_ context.Context, _ []byte, userID uuid.UUID) (uuid.UUID, []passkey.Credential, error) {
				return userID, f.keys.of(userID), nil
			}
			_, err = f.rp.FinishLogin(t.Context(), c.Session, answer, byHandle)
			return err
		}},
		{name: "NoUserHandle", want: passkey.ErrNoUserHandle, run: loginWith(func(c *passkeytest.Ceremony) { c.OmitUserHandle = true })},
		{name: "UserHandleNotAUUID", want: passkey.ErrUnknownCredential, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLogin()
			answer, _ := f.auth.Get(c.Options, honest)
			answer = editJSON(t, answer, func(m map[string]any) {
				m["response"].(map[string]any)["userHandle"] = b64.EncodeToString([]byte("arthur"))
			})
			_, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "UnknownCredential", want: passkey.ErrUnknownCredential, run: func(t *testing.T, f *fixture) error {
			// A passkey whose row was deleted: the authenticator still has it.
			f.keys = newKeyring()
			_, err := f.login(t, honest)
			return err
		}},
		{name: "LookupFails", want: storeDown, run: func(t *testing.T, f *fixture) error {
			f.keys.fail = storeDown
			_, err := f.login(t, honest)
			if errors.Is(err, passkey.ErrUnknownCredential) {
				t.Error("a store failure looks like an unknown credential")
			}
			return err
		}},
		{name: "SessionOfSecondFactor", want: passkey.ErrInvalidSession, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLoginFor(passkey.User{ID: f.arthur.ID, Credentials: f.keys.of(f.arthur.ID)})
			answer, _ := f.auth.Get(c.Options, honest)
			_, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "SessionOfRegistration", want: passkey.ErrInvalidSession, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginRegistration(f.arthur)
			login, _ := f.rp.BeginLogin()
			answer, _ := f.auth.Get(login.Options, honest)
			_, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "AnswerIsARegistration", want: passkey.ErrMalformedResponse, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLogin()
			reg, _ := f.rp.BeginRegistration(passkey.User{ID: uuid.New(), Name: "gawain@camelot.bt"})
			answer, err := passkeytest.New().Create(reg.Options, honest)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "SignatureMissing", want: passkey.ErrMalformedResponse, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLogin()
			answer, _ := f.auth.Get(c.Options, honest)
			answer = editJSON(t, answer, func(m map[string]any) { delete(m["response"].(map[string]any), "signature") })
			_, err := f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			err := tc.run(t, f)
			wantErr(t, "FinishLogin", err, tc.want)
		})
	}
}

// loginWith returns a case that signs in passwordless with Arthur's
// credential, changed by change.
func loginWith(change func(*passkeytest.Ceremony)) func(t *testing.T, f *fixture) error {
	return func(t *testing.T, f *fixture) error {
		_, err := f.login(t, with(func(c *passkeytest.Ceremony) {
			c.Credential = f.arthurC.ID
			change(c)
		}))
		return err
	}
}

func TestFinishLoginForRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, f *fixture) error
		want error
	}{
		{name: "AnotherUsersCredential", want: passkey.ErrWrongUser, run: func(t *testing.T, f *fixture) error {
			// Arthur passed his password; Merlin's passkey answers.
			_, err := f.secondFactor(t, f.arthur, with(func(c *passkeytest.Ceremony) { c.Credential = f.merlinC.ID }))
			return err
		}},
		{name: "AnotherUsersCredentialWithoutHandle", want: passkey.ErrWrongUser, run: func(t *testing.T, f *fixture) error {
			_, err := f.secondFactor(t, f.arthur, with(func(c *passkeytest.Ceremony) { c.Credential, c.OmitUserHandle = f.merlinC.ID, true }))
			return err
		}},
		{name: "UserHandleOfAnotherUser", want: passkey.ErrWrongUser, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLoginFor(passkey.User{ID: f.arthur.ID, Credentials: f.keys.of(f.arthur.ID)})
			answer, _ := f.auth.Get(c.Options, honest)
			answer = editJSON(t, answer, func(m map[string]any) {
				m["response"].(map[string]any)["userHandle"] = b64.EncodeToString(f.merlin.ID[:])
			})
			_, err := f.rp.FinishLoginFor(t.Context(), f.arthur.ID, c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "SessionOfAnotherUser", want: passkey.ErrWrongUser, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLoginFor(passkey.User{ID: f.merlin.ID, Credentials: f.keys.of(f.merlin.ID)})
			answer, _ := f.auth.Get(c.Options, honest)
			_, err := f.rp.FinishLoginFor(t.Context(), f.arthur.ID, c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "CredentialNotAllowed", want: passkey.ErrUnknownCredential, run: func(t *testing.T, f *fixture) error {
			// Begun with Arthur's first passkey only; a second one, made
			// on another authenticator, answers.
			c, _ := f.rp.BeginLoginFor(passkey.User{ID: f.arthur.ID, Credentials: f.keys.of(f.arthur.ID)})
			f.auth = passkeytest.New()
			second := f.register(t, f.arthur, honest)
			answer, err := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = second.ID }))
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.rp.FinishLoginFor(t.Context(), f.arthur.ID, c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "SessionOfPasswordless", want: passkey.ErrInvalidSession, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLogin()
			answer, _ := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.arthurC.ID }))
			_, err := f.rp.FinishLoginFor(t.Context(), f.arthur.ID, c.Session, answer, f.keys.Lookup)
			return err
		}},
		{name: "TamperedSignature", want: passkey.ErrSignature, run: func(t *testing.T, f *fixture) error {
			_, err := f.secondFactor(t, f.arthur, with(func(c *passkeytest.Ceremony) { c.CorruptSignature = true }))
			return err
		}},
		{name: "WrongOrigin", want: passkey.ErrOrigin, run: func(t *testing.T, f *fixture) error {
			_, err := f.secondFactor(t, f.arthur, with(func(c *passkeytest.Ceremony) { c.Origin = "https://mordred.bt" }))
			return err
		}},
		{name: "Expired", want: passkey.ErrExpired, run: func(t *testing.T, f *fixture) error {
			c, _ := f.rp.BeginLoginFor(passkey.User{ID: f.arthur.ID, Credentials: f.keys.of(f.arthur.ID)})
			answer, _ := f.auth.Get(c.Options, honest)
			f.clock.Advance(webauthn.DefaultTimeout)
			_, err := f.rp.FinishLoginFor(t.Context(), f.arthur.ID, c.Session, answer, f.keys.Lookup)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			err := tc.run(t, f)
			wantErr(t, "FinishLoginFor", err, tc.want)
		})
	}
}
