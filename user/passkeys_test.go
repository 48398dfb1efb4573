package user_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/user"
)

// fakeRP is a relying party without cryptography, for the Manager's rules:
// a session records the ceremony's kind, user, challenge and allowed
// credentials, and an answer (fakeAnswer) is accepted when it names the
// session's challenge. The WebAuthn checks themselves are passkey/webauthn's,
// tested there and over HTTP in internal/integration.
type fakeRP struct {
	n   atomic.Int64
	now func() time.Time
}

type fakeSession struct {
	Kind      string
	User      uuid.UUID
	Challenge int64
	Allowed   [][]byte
}

// fakeAnswer is the browser's answer in the fake's terms.
type fakeAnswer struct {
	ID        []byte
	Challenge int64
	Handle    uuid.UUID
	Count     uint32
	Refuse    bool // as a browser on another origin
}

// wireAnswer is a fakeAnswer as JSON: the id and rawId in base64url, as a
// browser writes them.
type wireAnswer struct {
	ID        string    `json:"id"`
	RawID     string    `json:"rawId"`
	Challenge int64     `json:"challenge"`
	Handle    uuid.UUID `json:"handle"`
	Count     uint32    `json:"count"`
	Refuse    bool      `json:"refuse"`
}

func (a fakeAnswer) JSON(t testing.TB) []byte {
	t.Helper()
	id := base64.RawURLEncoding.EncodeToString(a.ID)
	b, err := json.Marshal(wireAnswer{id, id, a.Challenge, a.Handle, a.Count, a.Refuse})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (rp *fakeRP) begin(s fakeSession) (passkey.Ceremony, error) {
	s.Challenge = rp.n.Add(1)
	session, _ := json.Marshal(s)
	pk, _ := json.Marshal(map[string]any{"challenge": s.Challenge})
	return passkey.Ceremony{
		Options: append(append([]byte(`{"publicKey":`), pk...), '}'), PublicKey: pk,
		Session: session, Expires: rp.now().Add(5 * time.Minute),
	}, nil
}

func (rp *fakeRP) finish(kind string, session, response []byte) (fakeSession, fakeAnswer, error) {
	var s fakeSession
	var a fakeAnswer
	if json.Unmarshal(session, &s) != nil || s.Kind != kind {
		return s, a, passkey.ErrInvalidSession
	}
	var w wireAnswer
	if json.Unmarshal(response, &w) != nil {
		return s, a, passkey.ErrMalformedResponse
	}
	id, err := base64.RawURLEncoding.DecodeString(w.RawID)
	if err != nil {
		return s, a, passkey.ErrMalformedResponse
	}
	a = fakeAnswer{id, w.Challenge, w.Handle, w.Count, w.Refuse}
	if a.Challenge != s.Challenge {
		return s, a, passkey.ErrChallenge
	}
	if a.Refuse {
		return s, a, passkey.ErrOrigin
	}
	return s, a, nil
}

func (rp *fakeRP) BeginRegistration(u passkey.User) (passkey.Ceremony, error) {
	if u.ID == uuid.Nil || u.Name == "" {
		return passkey.Ceremony{}, passkey.ErrInvalidUser
	}
	return rp.begin(fakeSession{Kind: "reg", User: u.ID})
}

func (rp *fakeRP) FinishRegistration(userID uuid.UUID, session, response []byte) (passkey.Credential, error) {
	s, a, err := rp.finish("reg", session, response)
	if err != nil {
		return passkey.Credential{}, err
	}
	if s.User != userID {
		return passkey.Credential{}, passkey.ErrWrongUser
	}
	return passkey.Credential{ID: a.ID, PublicKey: []byte("key"), Transports: []string{"internal"}}, nil
}

func (rp *fakeRP) BeginLogin() (passkey.Ceremony, error) { return rp.begin(fakeSession{Kind: "login"}) }

func (rp *fakeRP) BeginLoginFor(u passkey.User) (passkey.Ceremony, error) {
	if len(u.Credentials) == 0 {
		return passkey.Ceremony{}, passkey.ErrNoCredentials
	}
	s := fakeSession{Kind: "for", User: u.ID}
	for _, c := range u.Credentials {
		s.Allowed = append(s.Allowed, c.ID)
	}
	return rp.begin(s)
}

func (rp *fakeRP) assert(ctx context.Context, a fakeAnswer, userID uuid.UUID, lookup passkey.Lookup) (passkey.Assertion, error) {
	owner, creds, err := lookup(ctx, a.ID, userID)
	if errors.Is(err, passkey.ErrUnknownCredential) {
		return passkey.Assertion{}, passkey.ErrUnknownCredential
	}
	if err != nil {
		return passkey.Assertion{}, err
	}
	if owner != userID {
		return passkey.Assertion{}, passkey.ErrWrongUser
	}
	i := slices.IndexFunc(creds, func(c passkey.Credential) bool { return bytes.Equal(c.ID, a.ID) })
	if i < 0 {
		return passkey.Assertion{}, passkey.ErrUnknownCredential
	}
	if stored := creds[i].SignCount; a.Count <= stored && (a.Count != 0 || stored != 0) {
		return passkey.Assertion{}, &passkey.CloneError{UserID: owner, CredentialID: a.ID, Stored: stored, Received: a.Count}
	}
	return passkey.Assertion{UserID: owner, CredentialID: a.ID, SignCount: a.Count, UserVerified: true}, nil
}

func (rp *fakeRP) FinishLogin(ctx context.Context, session, response []byte, lookup passkey.Lookup) (passkey.Assertion, error) {
	_, a, err := rp.finish("login", session, response)
	if err != nil {
		return passkey.Assertion{}, err
	}
	return rp.assert(ctx, a, a.Handle, lookup)
}

func (rp *fakeRP) FinishLoginFor(ctx context.Context, userID uuid.UUID, session, response []byte, lookup passkey.Lookup) (passkey.Assertion, error) {
	s, a, err := rp.finish("for", session, response)
	if err != nil {
		return passkey.Assertion{}, err
	}
	if s.User != userID {
		return passkey.Assertion{}, passkey.ErrWrongUser
	}
	as, err := rp.assert(ctx, a, userID, lookup)
	if err == nil && !slices.ContainsFunc(s.Allowed, func(id []byte) bool { return bytes.Equal(id, a.ID) }) {
		return passkey.Assertion{}, passkey.ErrUnknownCredential
	}
	return as, err
}

// pkFixture is a tfFixture whose Manager has passkeys on the fake.
type pkFixture struct {
	*tfFixture
	rp *fakeRP
}

func newPKFixture(t testing.TB, change func(*user.ManagerOptions[*user.User])) *pkFixture {
	t.Helper()
	f := newTFFixture(t)
	rp := &fakeRP{now: f.clock.Now}
	f.opts.Passkeys = rp
	if change != nil {
		change(&f.opts)
	}
	m, err := user.NewManager(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	return &pkFixture{tfFixture: f, rp: rp}
}

// challenge reads the fake's challenge out of options, or out of their
// "publicKey" member alone.
func challenge(t testing.TB, options []byte) int64 {
	t.Helper()
	var o struct {
		PublicKey *struct{ Challenge int64 } `json:"publicKey"`
		Challenge int64
	}
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatal(err)
	}
	if o.PublicKey != nil {
		return o.PublicKey.Challenge
	}
	return o.Challenge
}

// register registers a passkey with credential id cred for u.
func (f *pkFixture) register(t testing.TB, u *user.User, cred string) user.Passkey {
	t.Helper()
	options, err := f.m.BeginPasskeyRegistration(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.m.FinishPasskeyRegistration(t.Context(), u, fakeAnswer{ID: []byte(cred), Challenge: challenge(t, options)}.JSON(t), "")
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration: %v", err)
	}
	return p
}

// signIn runs a passwordless sign-in answered with a, challenge filled in.
func (f *pkFixture) signIn(t testing.TB, a fakeAnswer) (*user.User, error) {
	t.Helper()
	l, err := f.m.BeginPasskeyLogin(t.Context(), "jwt")
	if err != nil {
		t.Fatal(err)
	}
	if a.Challenge == 0 {
		a.Challenge = challenge(t, l.PublicKey)
	}
	return f.m.FinishPasskeyLogin(t.Context(), l.Ticket, "jwt", a.JSON(t))
}

func TestPasskeyRegistrationRules(t *testing.T) {
	f := newPKFixture(t, nil)
	ctx := t.Context()
	arthur := f.newUser(t, "king.arthur@camelot.bt")
	lancelot := f.newUser(t, "lancelot@camelot.bt")

	t.Run("single use", func(t *testing.T) {
		options, _ := f.m.BeginPasskeyRegistration(ctx, arthur)
		answer := fakeAnswer{ID: []byte("one"), Challenge: challenge(t, options)}.JSON(t)
		p, err := f.m.FinishPasskeyRegistration(ctx, arthur, answer, "  MacBook ")
		if err != nil || p.Name != "MacBook" || p.UserID != arthur.ID || !p.CreatedAt.Equal(f.clock.Now()) {
			t.Fatalf("FinishPasskeyRegistration = %+v, %v", p, err)
		}
		if _, err := f.m.FinishPasskeyRegistration(ctx, arthur, answer, ""); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("the same answer twice = %v", err)
		}
	})
	t.Run("bound to its user", func(t *testing.T) {
		options, _ := f.m.BeginPasskeyRegistration(ctx, arthur)
		answer := fakeAnswer{ID: []byte("two"), Challenge: challenge(t, options)}.JSON(t)
		if _, err := f.m.FinishPasskeyRegistration(ctx, lancelot, answer, ""); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("finished by another user = %v", err)
		}
		// Lancelot's attempt did not spend Arthur's registration.
		if _, err := f.m.FinishPasskeyRegistration(ctx, arthur, answer, ""); err != nil {
			t.Fatalf("finished by its user = %v", err)
		}
	})
	t.Run("a newer begin replaces it", func(t *testing.T) {
		old, _ := f.m.BeginPasskeyRegistration(ctx, arthur)
		newer, _ := f.m.BeginPasskeyRegistration(ctx, arthur)
		if _, err := f.m.FinishPasskeyRegistration(ctx, arthur, fakeAnswer{ID: []byte("three"), Challenge: challenge(t, old)}.JSON(t), ""); !errors.Is(err, passkey.ErrChallenge) {
			t.Fatalf("the older ceremony = %v", err)
		}
		// The refusal spent the newer one too: one pending registration.
		if _, err := f.m.FinishPasskeyRegistration(ctx, arthur, fakeAnswer{ID: []byte("three"), Challenge: challenge(t, newer)}.JSON(t), ""); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("after a refusal = %v", err)
		}
	})
	t.Run("expires", func(t *testing.T) {
		options, _ := f.m.BeginPasskeyRegistration(ctx, arthur)
		f.clock.Advance(5 * time.Minute)
		if _, err := f.m.FinishPasskeyRegistration(ctx, arthur, fakeAnswer{ID: []byte("four"), Challenge: challenge(t, options)}.JSON(t), ""); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("expired = %v", err)
		}
	})
	t.Run("a credential id is registered once, by anyone", func(t *testing.T) {
		options, _ := f.m.BeginPasskeyRegistration(ctx, lancelot)
		if _, err := f.m.FinishPasskeyRegistration(ctx, lancelot, fakeAnswer{ID: []byte("one"), Challenge: challenge(t, options)}.JSON(t), ""); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("Arthur's credential for Lancelot = %v", err)
		}
	})
	t.Run("a bad name changes nothing", func(t *testing.T) {
		options, _ := f.m.BeginPasskeyRegistration(ctx, lancelot)
		answer := fakeAnswer{ID: []byte("five"), Challenge: challenge(t, options)}.JSON(t)
		if _, err := f.m.FinishPasskeyRegistration(ctx, lancelot, answer, "bad\x00name"); !errors.Is(err, user.ErrInvalidPasskeyName) {
			t.Fatalf("bad name = %v", err)
		}
		if p, err := f.m.FinishPasskeyRegistration(ctx, lancelot, answer, ""); err != nil || p.Name != user.DefaultPasskeyName {
			t.Fatalf("after the bad name = %+v, %v", p, err)
		}
	})
	t.Run("at most MaxPasskeys", func(t *testing.T) {
		gawain := f.newUser(t, "gawain@camelot.bt")
		for i := range user.MaxPasskeys {
			f.register(t, gawain, fmt.Sprintf("gawain-%d", i))
		}
		if _, err := f.m.BeginPasskeyRegistration(ctx, gawain); !errors.Is(err, user.ErrTooManyPasskeys) {
			t.Fatalf("BeginPasskeyRegistration past the limit = %v", err)
		}
	})
	t.Run("existing passkeys are excluded", func(t *testing.T) {
		list, _ := f.m.Passkeys(ctx, arthur)
		if len(list) != 2 {
			t.Fatalf("Arthur has %d passkeys, want 2", len(list))
		}
	})
}

func TestNormalizePasskeyName(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "MacBook", "MacBook", true},
		{"trimmed", "\t YubiKey 5 ", "YubiKey 5", true},
		{"empty is the default", "   ", user.DefaultPasskeyName, true},
		{"unicode", "Téléphone d'Arthur 📱", "Téléphone d'Arthur 📱", true},
		{"longest", strings.Repeat("é", user.MaxPasskeyNameLength), strings.Repeat("é", user.MaxPasskeyNameLength), true},
		{"too long", strings.Repeat("é", user.MaxPasskeyNameLength+1), "", false},
		{"control", "a\x07b", "", false},
		{"newline inside", "a\nb", "", false},
		{"zero width", "Mac\u200bBook", "", false},
		{"bidi override", "\u202eMacBook", "", false},
		{"invalid UTF-8", "Mac\xffBook", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := user.NormalizePasskeyName(tc.in)
			if tc.ok != (err == nil) || got != tc.want {
				t.Fatalf("NormalizePasskeyName(%q) = %q, %v", tc.in, got, err)
			}
			if err != nil && (!errors.Is(err, user.ErrInvalidPasskeyName) || strings.Contains(err.Error(), tc.in)) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestPasskeySignInRules(t *testing.T) {
	f := newPKFixture(t, nil)
	ctx := t.Context()
	arthur := f.newUser(t, "king.arthur@camelot.bt")
	lancelot := f.newUser(t, "lancelot@camelot.bt")
	f.register(t, arthur, "arthur-key")
	f.register(t, lancelot, "lancelot-key")

	u, err := f.signIn(t, fakeAnswer{ID: []byte("arthur-key"), Handle: arthur.ID, Count: 1})
	if err != nil || u.ID != arthur.ID {
		t.Fatalf("sign-in = %v, %v", u, err)
	}
	p, _ := f.store.PasskeyByCredentialID(ctx, []byte("arthur-key"))
	if p.SignCount != 1 || !p.LastUsedAt.Equal(f.clock.Now()) {
		t.Fatalf("recorded %+v", p)
	}
	for _, tc := range []struct {
		name   string
		answer fakeAnswer
		change func()
		want   error
	}{
		{"refused by the relying party", fakeAnswer{ID: []byte("arthur-key"), Handle: arthur.ID, Count: 2, Refuse: true}, nil, passkey.ErrOrigin},
		{"another user's credential", fakeAnswer{ID: []byte("lancelot-key"), Handle: arthur.ID, Count: 2}, nil, passkey.ErrWrongUser},
		{"unknown credential", fakeAnswer{ID: []byte("merlin-key"), Handle: arthur.ID, Count: 2}, nil, passkey.ErrUnknownCredential},
		{"counter backwards", fakeAnswer{ID: []byte("arthur-key"), Handle: arthur.ID, Count: 1}, nil, passkey.ErrPossibleClone},
		{"inactive user", fakeAnswer{ID: []byte("arthur-key"), Handle: arthur.ID, Count: 2}, func() {
			f.store.Update(ctx, arthur.ID, func(u *user.User) error { u.IsActive = false; return nil })
		}, user.ErrInvalidCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.change != nil {
				tc.change()
			}
			_, err := f.signIn(t, tc.answer)
			if !errors.Is(err, tc.want) {
				t.Fatalf("sign-in = %v, want %v", err, tc.want)
			}
			if !errors.Is(tc.want, user.ErrInvalidCredentials) && !errors.Is(err, user.ErrPasskeyRefused) {
				t.Fatalf("sign-in = %v, not ErrPasskeyRefused", err)
			}
			if p, _ := f.store.PasskeyByCredentialID(ctx, []byte("arthur-key")); p.SignCount != 1 {
				t.Fatalf("a refused sign-in recorded counter %d", p.SignCount)
			}
		})
	}
	t.Run("tickets", func(t *testing.T) {
		l, _ := f.m.BeginPasskeyLogin(ctx, "jwt")
		answer := fakeAnswer{ID: []byte("lancelot-key"), Handle: lancelot.ID, Count: 1, Challenge: challenge(t, l.PublicKey)}.JSON(t)
		if _, err := f.m.FinishPasskeyLogin(ctx, l.Ticket, "cookie", answer); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("another backend = %v", err)
		}
		if _, err := f.m.FinishPasskeyLogin(ctx, l.Ticket, "jwt", answer); err != nil {
			t.Fatalf("the ticket's backend = %v (the other backend must not spend it)", err)
		}
		if _, err := f.m.FinishPasskeyLogin(ctx, l.Ticket, "jwt", answer); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("the ticket twice = %v", err)
		}
		login, _ := f.m.IssueLoginTicket(ctx, lancelot, "jwt")
		if _, err := f.m.FinishPasskeyLogin(ctx, login, "jwt", answer); !errors.Is(err, user.ErrPasskeyRefused) {
			t.Fatalf("a login ticket = %v", err)
		}
		if _, err := f.m.LoginTicketOwner(ctx, login, "jwt"); err != nil {
			t.Fatalf("the login ticket was spent by the wrong route: %v", err)
		}
	})
	t.Run("concurrent sign-ins with one counter", func(t *testing.T) {
		// Two ceremonies answered with the same counter: exactly one is
		// recorded (RecordPasskeyUse's compare-and-set).
		var wg sync.WaitGroup
		var ok atomic.Int64
		tickets := make([]user.PasskeyLogin, 8)
		for i := range tickets {
			tickets[i], _ = f.m.BeginPasskeyLogin(ctx, "jwt")
		}
		for _, l := range tickets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answer := fakeAnswer{ID: []byte("lancelot-key"), Handle: lancelot.ID, Count: 50, Challenge: challenge(t, l.PublicKey)}.JSON(t)
				if _, err := f.m.FinishPasskeyLogin(ctx, l.Ticket, "jwt", answer); err == nil {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d sign-ins with one counter passed, want 1", ok.Load())
		}
	})
}

func TestPasskeyOwner(t *testing.T) {
	f := newPKFixture(t, nil)
	arthur := f.newUser(t, "king.arthur@camelot.bt")
	f.register(t, arthur, "arthur-key")
	if u, err := f.m.PasskeyOwner(t.Context(), fakeAnswer{ID: []byte("arthur-key")}.JSON(t)); err != nil || u.ID != arthur.ID {
		t.Fatalf("PasskeyOwner = %v, %v", u, err)
	}
	for _, answer := range [][]byte{fakeAnswer{ID: []byte("nobody")}.JSON(t), []byte(`{}`), []byte(`x`)} {
		if _, err := f.m.PasskeyOwner(t.Context(), answer); !errors.Is(err, user.ErrNotFound) {
			t.Fatalf("PasskeyOwner(%s) = %v", answer, err)
		}
	}
}

func TestPasskeyFactorRules(t *testing.T) {
	f := newPKFixture(t, nil)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	if got := f.factors(t, u); got != nil {
		t.Fatalf("SecondFactors of a new user = %v", got)
	}
	p := f.register(t, u, "key-1")
	if got := f.factors(t, u); !slices.Equal(got, []string{user.MethodPasskey}) {
		t.Fatalf("SecondFactors with a passkey = %v", got)
	}
	if err := f.m.CheckSignIn(ctx, u, user.SignInPassword); !errorsAsSecondFactor(err, user.MethodPasskey) {
		t.Fatalf("CheckSignIn(password) = %v", err)
	}
	if err := f.m.CheckSignIn(ctx, u, user.SignInPasskey); err != nil {
		t.Fatalf("CheckSignIn(passkey) = %v: a passkey is two factors", err)
	}
	codes, err := f.m.RegenerateRecoveryCodes(ctx, u, tfPassword)
	if err != nil || len(codes) != 10 {
		t.Fatalf("RegenerateRecoveryCodes for a passkey-only user = %d, %v", len(codes), err)
	}
	if st, _ := f.m.TwoFactorStatus(ctx, u); st != (user.TwoFactorStatus{RecoveryCodesLeft: 10, Passkeys: 1}) || !st.Any() {
		t.Fatalf("TwoFactorStatus = %+v", st)
	}
	if got := f.factors(t, u); !slices.Equal(got, []string{user.MethodRecoveryCode, user.MethodPasskey}) {
		t.Fatalf("SecondFactors = %v", got)
	}
	// A recovery code completes a passkey-only user's second step.
	tk := f.ticket(t, u)
	if _, err := f.m.CompleteLoginTicket(ctx, tk, "jwt", codes[0]); err != nil {
		t.Fatalf("CompleteLoginTicket with a recovery code = %v", err)
	}
	if err := f.m.DeletePasskey(ctx, u, p.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.m.TwoFactorStatus(ctx, u); st != (user.TwoFactorStatus{}) {
		t.Fatalf("TwoFactorStatus after the last passkey = %+v", st)
	}
	if n, _ := f.store.CountRecoveryCodes(ctx, u.ID); n != 0 {
		t.Fatalf("%d recovery codes outlived the last factor", n)
	}
	if err := f.m.DeletePasskey(ctx, u, p.ID); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("deleting it again = %v", err)
	}
}

// errorsAsSecondFactor reports whether err asks for a second step by
// exactly methods.
func errorsAsSecondFactor(err error, methods ...string) bool {
	sf, ok := errors.AsType[*user.SecondFactorRequiredError](err)
	return ok && slices.Equal(sf.Methods, methods)
}

// TestPasskeysTurnedOff: a Manager without a relying party counts no
// passkey (and pays no lookup for one), so its users sign in as before;
// TOTP off and passkeys on asks for the passkey only.
func TestPasskeysTurnedOff(t *testing.T) {
	on := newPKFixture(t, nil)
	ctx := t.Context()
	u := on.newUser(t, "king.arthur@camelot.bt")
	on.register(t, u, "key-1")
	on.enrol(t, u)

	opts := on.opts
	opts.Passkeys = nil
	off, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := off.CheckSignIn(ctx, u, user.SignInPassword); !errorsAsSecondFactor(err, user.MethodTOTP, user.MethodRecoveryCode) {
		t.Fatalf("passkeys off: CheckSignIn = %v", err)
	}
	if err := off.PasskeysReady(); !errors.Is(err, user.ErrPasskeysUnsupported) {
		t.Fatalf("PasskeysReady = %v", err)
	}
	if _, err := off.BeginPasskeyLogin(ctx, "jwt"); !errors.Is(err, user.ErrPasskeysUnsupported) {
		t.Fatalf("BeginPasskeyLogin = %v", err)
	}

	opts = on.opts
	opts.SealKeys, opts.RecoveryCodeKey, opts.TOTPIssuer = nil, nil, ""
	noTOTP, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := noTOTP.CheckSignIn(ctx, u, user.SignInPassword); !errorsAsSecondFactor(err, user.MethodPasskey) {
		t.Fatalf("TOTP off: CheckSignIn = %v", err)
	}
}

// TestRemoveTwoFactorRemovesPasskeys: the administrator's reset takes the
// passkeys too, even through a Manager without a relying party (the
// command's).
func TestRemoveTwoFactorRemovesPasskeys(t *testing.T) {
	on := newPKFixture(t, nil)
	ctx := t.Context()
	u := on.newUser(t, "king.arthur@camelot.bt")
	on.register(t, u, "key-1")
	on.register(t, u, "key-2")
	opts := on.opts
	opts.Passkeys = nil
	cli, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.RemoveTwoFactor(ctx, u); err != nil {
		t.Fatalf("RemoveTwoFactor = %v", err)
	}
	if n, _ := on.store.CountPasskeys(ctx, u.ID); n != 0 {
		t.Fatalf("%d passkeys left", n)
	}
	if err := cli.RemoveTwoFactor(ctx, u); !errors.Is(err, user.ErrTwoFactorNotEnabled) {
		t.Fatalf("RemoveTwoFactor with nothing left = %v", err)
	}
}

func TestPasskeySecondStepRules(t *testing.T) {
	f := newPKFixture(t, nil)
	ctx := t.Context()
	arthur := f.newUser(t, "king.arthur@camelot.bt")
	lancelot := f.newUser(t, "lancelot@camelot.bt")
	f.register(t, arthur, "arthur-key")
	f.register(t, lancelot, "lancelot-key")
	tk := f.ticket(t, arthur)

	begin := func() int64 {
		t.Helper()
		pk, err := f.m.BeginPasskeySecondStep(ctx, tk, "jwt")
		if err != nil {
			t.Fatalf("BeginPasskeySecondStep = %v", err)
		}
		return challenge(t, pk)
	}
	for _, tc := range []struct {
		name   string
		answer func() fakeAnswer
	}{
		{"another user's credential", func() fakeAnswer {
			return fakeAnswer{ID: []byte("lancelot-key"), Count: 1, Challenge: begin()}
		}},
		{"refused", func() fakeAnswer {
			return fakeAnswer{ID: []byte("arthur-key"), Count: 1, Refuse: true, Challenge: begin()}
		}},
		{"no ceremony", func() fakeAnswer { return fakeAnswer{ID: []byte("arthur-key"), Count: 1, Challenge: 99} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.m.CompleteLoginTicketPasskey(ctx, tk, "jwt", tc.answer().JSON(t)); !errors.Is(err, user.ErrBadCode) {
				t.Fatalf("CompleteLoginTicketPasskey = %v", err)
			}
		})
	}
	u, err := f.m.CompleteLoginTicketPasskey(ctx, tk, "jwt", fakeAnswer{ID: []byte("arthur-key"), Count: 1, Challenge: begin()}.JSON(t))
	if err != nil || u.ID != arthur.ID {
		t.Fatalf("CompleteLoginTicketPasskey = %v, %v", u, err)
	}
	if _, err := f.m.BeginPasskeySecondStep(ctx, tk, "jwt"); !errors.Is(err, user.ErrBadTicket) {
		t.Fatalf("a used ticket = %v", err)
	}
	// Out of tries: the ticket dies with its last wrong answer.
	tk = f.ticket(t, arthur)
	for i := range user.TicketTries {
		_, err := f.m.CompleteLoginTicketPasskey(ctx, tk, "jwt", fakeAnswer{ID: []byte("arthur-key"), Count: 9, Challenge: 99}.JSON(t))
		if !errors.Is(err, user.ErrBadCode) {
			t.Fatalf("try %d = %v", i, err)
		}
	}
	if _, err := f.m.BeginPasskeySecondStep(ctx, tk, "jwt"); !errors.Is(err, user.ErrBadTicket) {
		t.Fatalf("a ticket out of tries = %v", err)
	}
}
