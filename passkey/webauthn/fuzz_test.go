package webauthn_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

// refusals are the errors a Finish method may return for bad input.
var refusals = []error{
	passkey.ErrInvalidSession, passkey.ErrExpired, passkey.ErrMalformedResponse, passkey.ErrChallenge,
	passkey.ErrOrigin, passkey.ErrRelyingParty, passkey.ErrUserPresence, passkey.ErrUserVerification,
	passkey.ErrSignature, passkey.ErrAttestation, passkey.ErrUnknownCredential, passkey.ErrNoUserHandle,
	passkey.ErrWrongUser, passkey.ErrPossibleClone, passkey.ErrRefused,
}

func isRefusal(err error) bool {
	for _, r := range refusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

var fuzzUser = uuid.MustParse("0d1e2f3a-4b5c-4e8a-9b6c-5e0c2a1b7d3f")

// FuzzFinishRegistration feeds arbitrary answers to FinishRegistration for
// one ceremony: every answer but a valid one is a refusal, none a panic.
func FuzzFinishRegistration(f *testing.F) {
	rp, _ := newRP(f, func(c *webauthn.Config) { c.Rand = &counterReader{} })
	c, err := rp.BeginRegistration(passkey.User{ID: fuzzUser, Name: "king.arthur@camelot.bt"})
	if err != nil {
		f.Fatal(err)
	}
	auth := passkeytest.New()
	for _, cer := range []passkeytest.Ceremony{
		honest,
		with(func(c *passkeytest.Ceremony) { c.BackupEligible, c.BackupState = true, true }),
		with(func(c *passkeytest.Ceremony) { c.Origin = "https://mordred.bt" }),
		with(func(c *passkeytest.Ceremony) { c.RPID = "mordred.bt" }),
	} {
		answer, err := auth.Create(c.Options, cer)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(answer)
	}
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, answer []byte) {
		cred, err := rp.FinishRegistration(fuzzUser, c.Session, answer)
		if err != nil {
			if !isRefusal(err) {
				t.Fatalf("FinishRegistration = %v, not a refusal", err)
			}
			return
		}
		if len(cred.ID) == 0 || len(cred.PublicKey) == 0 {
			t.Fatalf("accepted a credential without id or key: %+v", cred)
		}
	})
}

// FuzzFinishLogin feeds arbitrary answers to FinishLogin for one ceremony.
func FuzzFinishLogin(f *testing.F) {
	fx := newFixture(f, func(c *webauthn.Config) { c.Rand = &counterReader{} })
	c, err := fx.rp.BeginLogin()
	if err != nil {
		f.Fatal(err)
	}
	for _, cer := range []passkeytest.Ceremony{
		honest,
		with(func(c *passkeytest.Ceremony) { c.Credential = fx.merlinC.ID }),
		with(func(c *passkeytest.Ceremony) { c.CorruptSignature = true }),
		with(func(c *passkeytest.Ceremony) { c.OmitUserHandle = true }),
	} {
		answer, err := fx.auth.Get(c.Options, cer)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(answer)
	}
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":"AA"}}`))
	f.Fuzz(func(t *testing.T, answer []byte) {
		a, err := fx.rp.FinishLogin(t.Context(), c.Session, answer, fx.keys.Lookup)
		if err != nil {
			if !isRefusal(err) {
				t.Fatalf("FinishLogin = %v, not a refusal", err)
			}
			return
		}
		if a.UserID != fx.arthur.ID && a.UserID != fx.merlin.ID {
			t.Fatalf("signed in as %v, who has no passkey", a.UserID)
		}
	})
}

// FuzzSession feeds arbitrary session data, with a valid answer to the
// real session, to the three Finish methods.
func FuzzSession(f *testing.F) {
	fx := newFixture(f, func(c *webauthn.Config) { c.Rand = &counterReader{} })
	login, _ := fx.rp.BeginLogin()
	forUser, _ := fx.rp.BeginLoginFor(passkey.User{ID: fx.arthur.ID, Credentials: fx.keys.of(fx.arthur.ID)})
	reg, _ := fx.rp.BeginRegistration(passkey.User{ID: fuzzUser, Name: "gawain@camelot.bt"})
	assertion, err := fx.auth.Get(login.Options, with(func(c *passkeytest.Ceremony) { c.Credential = fx.arthurC.ID }))
	if err != nil {
		f.Fatal(err)
	}
	registration, err := passkeytest.New().Create(reg.Options, honest)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{login.Session, forUser.Session, reg.Session, []byte(`{"v":1,"kind":"login","exp":0,"data":{}}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, session []byte) {
		for what, err := range map[string]error{
			"FinishLogin": func() error { _, err := fx.rp.FinishLogin(t.Context(), session, assertion, fx.keys.Lookup); return err }(),
			"FinishLoginFor": func() error {
				_, err := fx.rp.FinishLoginFor(t.Context(), fx.arthur.ID, session, assertion, fx.keys.Lookup)
				return err
			}(),
			"FinishRegistration": func() error { _, err := fx.rp.FinishRegistration(fuzzUser, session, registration); return err }(),
		} {
			if err != nil && !isRefusal(err) {
				t.Fatalf("%s = %v, not a refusal", what, err)
			}
		}
	})
}
