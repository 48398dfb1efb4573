package integration

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/passkey/webauthn"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// The relying party of the passkey tests.
const (
	pkRPID   = "camelot.bt"
	pkOrigin = "https://login.camelot.bt"
)

// honestBrowser is a ceremony as an honest browser on pkOrigin carries it
// out.
var honestBrowser = passkeytest.Ceremony{Origin: pkOrigin}

// browserWith returns the honest ceremony changed by change.
func browserWith(change func(*passkeytest.Ceremony)) passkeytest.Ceremony {
	c := honestBrowser
	change(&c)
	return c
}

// jwtKind keeps sessions in plain JWTs, which no factor change ends: the
// passkey tests that are not about ending sessions use it.
var jwtKind = kind{"jwt", false, func(t testing.TB, now func() time.Time) parts {
	return parts{memory.New[*user.User](), backend.NewJWT(backend.JWTConfig{Secret: testSecret, Lifetime: time.Hour, Now: now}), memory.NewRefreshStore()}
}}

// pkApp is a sessionApp with TOTP and passkeys on, a relying party for
// pkOrigin on a clock the test moves (the Manager's clock too), and a
// software authenticator standing in for the user's devices.
type pkApp struct {
	*sessionApp
	clock *strategytest.Clock
	rp    *webauthn.RelyingParty
	dev   *passkeytest.Authenticator
}

func newPasskeyApp(t testing.TB, k kind, configure func(*usersauth.Options[*user.User])) *pkApp {
	t.Helper()
	clock := strategytest.NewClock(sessionsStart)
	rp, err := webauthn.New(webauthn.Config{RPID: pkRPID, RPName: "Camelot", Origins: []string{pkOrigin}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sa := newSessionApp(t, k, func(o *usersauth.Options[*user.User]) {
		o.TwoFactor = &usersauth.TwoFactor{Issuer: "Camelot"}
		o.Passkeys = rp
		o.Now = clock.Now
		if configure != nil {
			configure(o)
		}
	})
	return &pkApp{sessionApp: sa, clock: clock, rp: rp, dev: passkeytest.New()}
}

// beginRegistration asks for creation options with the bearer token.
func (p *pkApp) beginRegistration(token string) []byte {
	p.t.Helper()
	res := p.mustDo(newReq("POST", "/users/me/passkeys/begin").Bearer(token), http.StatusOK)
	if res.Header.Get("Cache-Control") != "no-store" {
		p.t.Fatalf("begin: Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	return res.Body
}

// finishRegistration sends a registration answer with an optional name.
func (p *pkApp) finishRegistration(token string, answer []byte, name *string) response {
	p.t.Helper()
	body := map[string]any{"credential": json.RawMessage(answer)}
	if name != nil {
		body["name"] = *name
	}
	return p.do(newReq("POST", "/users/me/passkeys/finish").Bearer(token).JSON(mustJSON(p.t, body)))
}

// addPasskey registers a passkey of p.dev for the token's user, as an
// honest browser does, and returns its id and credential id.
func (p *pkApp) addPasskey(token, name string) (uuid.UUID, []byte) {
	p.t.Helper()
	answer, err := p.dev.Create(p.beginRegistration(token), honestBrowser)
	if err != nil {
		p.t.Fatal(err)
	}
	res := p.finishRegistration(token, answer, &name)
	if res.Status != http.StatusCreated {
		p.t.Fatalf("finish registration: %d %s", res.Status, res.Body)
	}
	var rawID struct{ RawID string }
	json.Unmarshal(answer, &rawID)
	cred, _ := base64.RawURLEncoding.DecodeString(rawID.RawID)
	return uuid.MustParse(res.JSON(p.t)["id"].(string)), cred
}

// beginSignIn starts a passwordless sign-in on the backend and returns the
// ticket and the whole answer, which the authenticator reads as options.
func (p *pkApp) beginSignIn(backend string) (string, []byte) {
	p.t.Helper()
	res := p.mustDo(newReq("POST", "/auth/"+backend+"/passkey/begin"), http.StatusOK)
	return res.JSON(p.t)["ticket"].(string), res.Body
}

// finishSignIn sends a passwordless sign-in's answer.
func (p *pkApp) finishSignIn(backend, ticket string, answer []byte) response {
	p.t.Helper()
	return p.do(newReq("POST", "/auth/"+backend+"/passkey/finish").
		JSON(mustJSON(p.t, map[string]any{"ticket": ticket, "credential": json.RawMessage(answer)})))
}

// signIn runs a passwordless sign-in on the bearer backend with c.
func (p *pkApp) signIn(c passkeytest.Ceremony) response {
	p.t.Helper()
	ticket, options := p.beginSignIn("bearer")
	answer, err := p.dev.Get(options, c)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.finishSignIn("bearer", ticket, answer)
}

// ticket is the login ticket of a password login that answered
// LOGIN_2FA_REQUIRED, and its methods.
func (p *pkApp) ticket(email, password string) (string, []any) {
	p.t.Helper()
	res := p.mustDo(newReq("POST", "/auth/bearer/login").Form("username", email, "password", password), http.StatusBadRequest)
	d, ok := res.Detail(p.t).(map[string]any)
	if !ok || d["code"] != "LOGIN_2FA_REQUIRED" {
		p.t.Fatalf("login: %s", res.Body)
	}
	return d["ticket"].(string), d["methods"].([]any)
}

// secondStepOptions begins the passkey second step of a ticket.
func (p *pkApp) secondStepOptions(ticket string) []byte {
	p.t.Helper()
	res := p.mustDo(newReq("POST", "/auth/bearer/passkey/begin").JSON(mustJSON(p.t, map[string]string{"ticket": ticket})), http.StatusOK)
	if got := res.JSON(p.t)["ticket"]; got != ticket {
		p.t.Fatalf("begin with a ticket answered ticket %v", got)
	}
	return res.Body
}

// secondStep sends the passkey answer of a ticket's second step.
func (p *pkApp) secondStep(ticket string, answer []byte) response {
	p.t.Helper()
	return p.do(newReq("POST", "/auth/bearer/login/2fa").
		JSON(mustJSON(p.t, map[string]any{"ticket": ticket, "credential": json.RawMessage(answer)})))
}

// status is GET /users/me/2fa.
func (p *pkApp) status(token string) map[string]any {
	p.t.Helper()
	return p.mustDo(newReq("GET", "/users/me/2fa").Bearer(token), http.StatusOK).JSON(p.t)
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantCode checks an error answer's status and detail code.
func wantCode(t testing.TB, res response, status int, code string) {
	t.Helper()
	if res.Status != status || res.Detail(t) != code {
		t.Fatalf("answer %d %s, want %d %q", res.Status, res.Body, status, code)
	}
}

// editAnswer decodes a browser's JSON answer, lets change edit it, and
// encodes it again.
func editAnswer(t testing.TB, answer []byte, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(answer, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withClientData rewrites the clientDataJSON of an answer.
func withClientData(t testing.TB, answer []byte, change func(cd map[string]any)) []byte {
	t.Helper()
	return editAnswer(t, answer, func(m map[string]any) {
		resp := m["response"].(map[string]any)
		raw, err := base64.RawURLEncoding.DecodeString(resp["clientDataJSON"].(string))
		if err != nil {
			t.Fatal(err)
		}
		var cd map[string]any
		if err := json.Unmarshal(raw, &cd); err != nil {
			t.Fatal(err)
		}
		change(cd)
		b, _ := json.Marshal(cd)
		resp["clientDataJSON"] = base64.RawURLEncoding.EncodeToString(b)
	})
}

// challengeOf returns the base64url challenge of creation or request
// options.
func challengeOf(t testing.TB, options []byte) string {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("options %s: %v", options, err)
	}
	return o.PublicKey.Challenge
}

func u32(n uint32) *uint32 { return &n }

// passkeyTimeout is how long the tests' challenges live.
const passkeyTimeout = webauthn.DefaultTimeout

// throttleRule allows n events per hour.
func throttleRule(n int) throttle.Rule { return throttle.Rule{Limit: n, Window: time.Hour} }

// totpCode is the TOTP code of secret at now.
func totpCode(t testing.TB, secret string, now time.Time) string {
	t.Helper()
	code, err := totp.Code(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}
