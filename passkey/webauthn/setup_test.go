package webauthn_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

const (
	testRPID   = "camelot.bt"
	testOrigin = "https://login.camelot.bt"
)

// start is the fixed time the tests' clocks begin at.
var start = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newRP returns a relying party for testRPID and testOrigin on a clock of
// its own, after change, if any, adjusted the config.
func newRP(t testing.TB, change func(*webauthn.Config)) (*webauthn.RelyingParty, *clock) {
	t.Helper()
	clk := &clock{t: start}
	cfg := webauthn.Config{RPID: testRPID, RPName: "Camelot", Origins: []string{testOrigin}, Now: clk.Now}
	if change != nil {
		change(&cfg)
	}
	rp, err := webauthn.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return rp, clk
}

// honest is the ceremony an honest browser on testOrigin carries out.
var honest = passkeytest.Ceremony{Origin: testOrigin}

// keyring is the test's credential store: Lookup finds a credential by id
// and returns its owner's credentials, as the domain will.
type keyring struct {
	mu    sync.Mutex
	owner map[string]uuid.UUID
	creds map[uuid.UUID][]passkey.Credential
	calls int
	fail  error // returned by Lookup when set
}

func newKeyring() *keyring {
	return &keyring{owner: map[string]uuid.UUID{}, creds: map[uuid.UUID][]passkey.Credential{}}
}

func (k *keyring) add(userID uuid.UUID, c passkey.Credential) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.owner[string(c.ID)] = userID
	k.creds[userID] = append(k.creds[userID], c)
}

// record stores the counter and backup state of a verified assertion.
func (k *keyring) record(a passkey.Assertion) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, c := range k.creds[a.UserID] {
		if bytes.Equal(c.ID, a.CredentialID) {
			k.creds[a.UserID][i].SignCount, k.creds[a.UserID][i].BackupState = a.SignCount, a.BackupState
		}
	}
}

func (k *keyring) of(userID uuid.UUID) []passkey.Credential {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]passkey.Credential(nil), k.creds[userID]...)
}

func (k *keyring) Lookup(_ context.Context, credentialID []byte, _ uuid.UUID) (uuid.UUID, []passkey.Credential, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	if k.fail != nil {
		return uuid.Nil, nil, k.fail
	}
	owner, ok := k.owner[string(credentialID)]
	if !ok {
		return uuid.Nil, nil, passkey.ErrUnknownCredential
	}
	return owner, append([]passkey.Credential(nil), k.creds[owner]...), nil
}

// fixture is a relying party with users who each registered a passkey on
// one software authenticator.
type fixture struct {
	rp      *webauthn.RelyingParty
	clock   *clock
	auth    *passkeytest.Authenticator
	keys    *keyring
	arthur  passkey.User
	merlin  passkey.User
	arthurC passkey.Credential
	merlinC passkey.Credential
}

func newFixture(t testing.TB, change func(*webauthn.Config)) *fixture {
	t.Helper()
	rp, clk := newRP(t, change)
	f := &fixture{rp: rp, clock: clk, auth: passkeytest.New(), keys: newKeyring()}
	f.arthur = passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}
	f.merlin = passkey.User{ID: uuid.New(), Name: "merlin@camelot.bt"}
	f.arthurC = f.register(t, f.arthur, honest)
	f.merlinC = f.register(t, f.merlin, honest)
	return f
}

// register runs a registration ceremony for u and stores the credential.
func (f *fixture) register(t testing.TB, u passkey.User, c passkeytest.Ceremony) passkey.Credential {
	t.Helper()
	u.Credentials = f.keys.of(u.ID)
	cer, err := f.rp.BeginRegistration(u)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	answer, err := f.auth.Create(cer.Options, c)
	if err != nil {
		t.Fatalf("authenticator Create: %v", err)
	}
	cred, err := f.rp.FinishRegistration(u.ID, cer.Session, answer)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	f.keys.add(u.ID, cred)
	return cred
}

// login runs a passwordless sign-in with c and returns FinishLogin's
// answer; a verified assertion is recorded.
func (f *fixture) login(t testing.TB, c passkeytest.Ceremony) (passkey.Assertion, error) {
	t.Helper()
	cer, err := f.rp.BeginLogin()
	if err != nil {
		t.Fatalf("BeginLogin: %v", err)
	}
	answer, err := f.auth.Get(cer.Options, c)
	if err != nil {
		t.Fatalf("authenticator Get: %v", err)
	}
	a, err := f.rp.FinishLogin(t.Context(), cer.Session, answer, f.keys.Lookup)
	if err == nil {
		f.keys.record(a)
	}
	return a, err
}

// secondFactor runs a sign-in of u with one of its credentials.
func (f *fixture) secondFactor(t testing.TB, u passkey.User, c passkeytest.Ceremony) (passkey.Assertion, error) {
	t.Helper()
	u.Credentials = f.keys.of(u.ID)
	cer, err := f.rp.BeginLoginFor(u)
	if err != nil {
		t.Fatalf("BeginLoginFor: %v", err)
	}
	answer, err := f.auth.Get(cer.Options, c)
	if err != nil {
		t.Fatalf("authenticator Get: %v", err)
	}
	a, err := f.rp.FinishLoginFor(t.Context(), u.ID, cer.Session, answer, f.keys.Lookup)
	if err == nil {
		f.keys.record(a)
	}
	return a, err
}

// with returns the honest ceremony changed by change.
func with(change func(*passkeytest.Ceremony)) passkeytest.Ceremony {
	c := honest
	change(&c)
	return c
}

func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// editJSON decodes a JSON object, lets change edit it, and encodes it.
func editJSON(t testing.TB, b []byte, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var b64 = base64.RawURLEncoding

func u32(n uint32) *uint32 { return &n }
