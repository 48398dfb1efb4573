package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/user"
)

// arthur is the user of most passkey tests: registered, signed in with his
// password (token), with one passkey of p.dev (credential).
type arthur struct {
	id         uuid.UUID
	token      string
	passkeyID  uuid.UUID
	credential []byte
}

const (
	arthurEmail    = "king.arthur@camelot.bt"
	arthurPassword = "guinevere"
)

func withArthur(p *pkApp) arthur {
	p.t.Helper()
	a := arthur{id: p.register(arthurEmail, arthurPassword)}
	a.token = p.token(arthurEmail, arthurPassword)
	a.passkeyID, a.credential = p.addPasskey(a.token, "MacBook")
	return a
}

// TestPasskeyRegistration: a signed-in user registers passkeys, lists them
// and deletes them; the answers have the contract's shapes, a pending
// registration is single-use, a bad name changes nothing, and only the
// caller's passkeys can be deleted.
func TestPasskeyRegistration(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	a := withArthur(p)

	list := p.mustDo(newReq("GET", "/users/me/passkeys").Bearer(a.token), http.StatusOK)
	var got []map[string]any
	if err := json.Unmarshal(list.Body, &got); err != nil || len(got) != 1 {
		t.Fatalf("list: %s", list.Body)
	}
	if got[0]["id"] != a.passkeyID.String() || got[0]["name"] != "MacBook" || got[0]["last_used_at"] != nil {
		t.Fatalf("listed %v", got[0])
	}
	if _, ok := got[0]["last_used_at"]; !ok || len(got[0]) != 4 {
		t.Fatalf("listed members %v, want id, name, created_at, last_used_at", got[0])
	}
	if created, err := time.Parse(time.RFC3339Nano, got[0]["created_at"].(string)); err != nil || !created.Equal(sessionsStart) {
		t.Fatalf("created_at %v (%v), want %v", got[0]["created_at"], err, sessionsStart)
	}

	t.Run("answer of a registration", func(t *testing.T) {
		second := passkeytest.New()
		answer, err := second.Create(p.beginRegistration(a.token), honestBrowser)
		if err != nil {
			t.Fatal(err)
		}
		res := p.finishRegistration(a.token, answer, nil)
		if res.Status != http.StatusCreated {
			t.Fatalf("finish: %d %s", res.Status, res.Body)
		}
		m := res.JSON(t)
		if len(m) != 3 || m["name"] != user.DefaultPasskeyName || m["created_at"] == nil || m["id"] == nil {
			t.Fatalf("answer %s, want {id, name, created_at} with the default name", res.Body)
		}
		// The same answer again: the registration was spent.
		wantCode(t, p.finishRegistration(a.token, answer, nil), http.StatusBadRequest, "REGISTER_PASSKEY_FAILED")
	})

	t.Run("existing passkeys are excluded", func(t *testing.T) {
		options := p.beginRegistration(a.token)
		if !bytes.Contains(options, []byte(base64.RawURLEncoding.EncodeToString(a.credential))) {
			t.Fatalf("options %s do not exclude the registered credential", options)
		}
		// The authenticator holding it refuses, as a browser does.
		if _, err := p.dev.Create(options, honestBrowser); err == nil {
			t.Fatal("the device registered a second passkey for one account")
		}
	})

	t.Run("a bad name is 422 and changes nothing", func(t *testing.T) {
		dev := passkeytest.New()
		answer, err := dev.Create(p.beginRegistration(a.token), honestBrowser)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{strings.Repeat("x", user.MaxPasskeyNameLength+1), "Mac\u200bBook", "line\nbreak"} {
			res := p.finishRegistration(a.token, answer, &name)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"loc":["body","name"]`) {
				t.Fatalf("name %q: %d %s", name, res.Status, res.Body)
			}
		}
		name := "  YubiKey  "
		res := p.finishRegistration(a.token, answer, &name)
		if res.Status != http.StatusCreated || res.JSON(t)["name"] != "YubiKey" {
			t.Fatalf("after the 422s: %d %s", res.Status, res.Body)
		}
	})

	t.Run("malformed bodies are 422", func(t *testing.T) {
		for _, body := range []string{`{}`, `{"credential": "abc"}`, `{"credential": null}`, `{"credential": {}, "name": 5}`, `[]`} {
			res := p.do(newReq("POST", "/users/me/passkeys/finish").Bearer(a.token).JSON(body))
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", body, res.Status, res.Body)
			}
		}
		if res := p.do(newReq("POST", "/users/me/passkeys/begin").Bearer(a.token).JSON(`{`)); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("begin with malformed JSON: %d", res.Status)
		}
	})

	t.Run("at most MaxPasskeys", func(t *testing.T) {
		p.register("gawain@camelot.bt", "green-knight")
		token := p.token("gawain@camelot.bt", "green-knight")
		for range user.MaxPasskeys {
			answer, err := passkeytest.New().Create(p.beginRegistration(token), honestBrowser)
			if err != nil {
				t.Fatal(err)
			}
			if res := p.finishRegistration(token, answer, nil); res.Status != http.StatusCreated {
				t.Fatalf("registration: %d %s", res.Status, res.Body)
			}
		}
		wantCode(t, p.do(newReq("POST", "/users/me/passkeys/begin").Bearer(token)), http.StatusBadRequest, "REGISTER_PASSKEY_LIMIT")
	})

	t.Run("signed in only", func(t *testing.T) {
		for _, r := range []*req{
			newReq("POST", "/users/me/passkeys/begin"),
			newReq("POST", "/users/me/passkeys/finish").JSON(`{"credential": {}}`),
			newReq("GET", "/users/me/passkeys"),
			newReq("DELETE", "/users/me/passkeys/"+a.passkeyID.String()),
		} {
			if res := p.do(r); res.Status != http.StatusUnauthorized {
				t.Fatalf("%s %s without a token: %d", r.Method, r.Path, res.Status)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		lancelot := p.register("lancelot@camelot.bt", "du-lac-1234")
		other := p.token("lancelot@camelot.bt", "du-lac-1234")
		_ = lancelot
		for _, id := range []string{a.passkeyID.String(), uuid.NewString(), "not-a-uuid"} {
			wantCode(t, p.do(newReq("DELETE", "/users/me/passkeys/"+id).Bearer(other)), http.StatusNotFound, "Not Found")
		}
		p.mustDo(newReq("DELETE", "/users/me/passkeys/"+a.passkeyID.String()).Bearer(a.token), http.StatusNoContent)
		wantCode(t, p.do(newReq("DELETE", "/users/me/passkeys/"+a.passkeyID.String()).Bearer(a.token)), http.StatusNotFound, "Not Found")
	})
}

// TestPasskeySignIn: a passkey signs in without a password, answered as
// each backend's login, and the use is recorded.
func TestPasskeySignIn(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	a := withArthur(p)
	logins := p.logins

	res := p.signIn(honestBrowser)
	if res.Status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.Status, res.Body)
	}
	m := res.JSON(t)
	if m["token_type"] != "bearer" || p.me(m["access_token"].(string)) != http.StatusOK {
		t.Fatalf("sign-in answered %s", res.Body)
	}
	if p.logins != logins+1 {
		t.Fatalf("AfterLogin ran %d times, want once", p.logins-logins)
	}
	p.clock.Advance(time.Minute)
	if res := p.signIn(honestBrowser); res.Status != http.StatusOK {
		t.Fatalf("second sign-in: %d %s", res.Status, res.Body)
	}
	list := p.mustDo(newReq("GET", "/users/me/passkeys").Bearer(a.token), http.StatusOK)
	var got []struct {
		LastUsedAt time.Time `json:"last_used_at"`
	}
	json.Unmarshal(list.Body, &got)
	if len(got) != 1 || !got[0].LastUsedAt.Equal(sessionsStart.Add(time.Minute)) {
		t.Fatalf("listed %s, want last_used_at %v", list.Body, sessionsStart.Add(time.Minute))
	}
	stored, _ := p.users.(user.PasskeyStore).PasskeyByCredentialID(t.Context(), a.credential)
	if stored.SignCount != 2 {
		t.Fatalf("stored counter %d after two sign-ins, want 2", stored.SignCount)
	}

	t.Run("cookie backend", func(t *testing.T) {
		ticket, options := p.beginSignIn("cookie")
		answer, err := p.dev.Get(options, honestBrowser)
		if err != nil {
			t.Fatal(err)
		}
		res := p.finishSignIn("cookie", ticket, answer)
		if res.Status != http.StatusNoContent || res.Cookie("fastapiusersauth") == nil {
			t.Fatalf("cookie sign-in: %d %v", res.Status, res.Header)
		}
		if p.meCookie(res.Cookie("fastapiusersauth").Value) != http.StatusOK {
			t.Fatal("the cookie does not authenticate")
		}
	})

	t.Run("begin answers", func(t *testing.T) {
		res := p.mustDo(newReq("POST", "/auth/bearer/passkey/begin").JSON(`{}`), http.StatusOK)
		m := res.JSON(t)
		pk, ok := m["publicKey"].(map[string]any)
		if len(m) != 2 || !ok || pk["rpId"] != pkRPID || pk["allowCredentials"] != nil && len(pk["allowCredentials"].([]any)) != 0 {
			t.Fatalf("begin answered %s", res.Body)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Fatal("begin's answer may be cached")
		}
	})
}

// TestPasskeySignInRefusals: each way a passwordless sign-in must fail
// answers 400 LOGIN_PASSKEY_FAILED, issues no token, spends the ticket,
// and logs the reason but nothing the browser sent.
func TestPasskeySignInRefusals(t *testing.T) {
	type attempt struct {
		ticket string
		answer []byte
	}
	// honest begins a sign-in and answers it with c.
	honest := func(p *pkApp, c passkeytest.Ceremony) attempt {
		ticket, options := p.beginSignIn("bearer")
		answer, err := p.dev.Get(options, c)
		if err != nil {
			p.t.Fatal(err)
		}
		return attempt{ticket, answer}
	}
	lancelotCredential := func(p *pkApp) []byte {
		p.register("lancelot@camelot.bt", "du-lac-1234")
		_, cred := p.addPasskey(p.token("lancelot@camelot.bt", "du-lac-1234"), "Phone")
		return cred
	}
	for _, tc := range []struct {
		name   string
		try    func(p *pkApp, a arthur) attempt
		reason string // in the log line
	}{
		{"wrong origin", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.Origin = "https://camelot.bt.mordred.example" }))
		}, "passkey: origin not allowed"},
		{"origin of a subdomain not configured", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.Origin = "https://evil.camelot.bt" }))
		}, "passkey: origin not allowed"},
		{"cross-origin frame", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.CrossOrigin, c.TopOrigin = true, "https://mordred.example" }))
		}, "passkey: origin not allowed"},
		{"wrong relying party", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.RPID = "mordred.example" }))
		}, "passkey: relying party mismatch"},
		{"replayed ticket", func(p *pkApp, a arthur) attempt {
			at := honest(p, honestBrowser)
			p.mustDo(newReq("POST", "/auth/bearer/passkey/finish").JSON(mustJSON(p.t, map[string]any{"ticket": at.ticket, "credential": json.RawMessage(at.answer)})), http.StatusOK)
			return at
		}, "no such challenge"},
		{"replayed answer on a new ticket", func(p *pkApp, a arthur) attempt {
			old := honest(p, honestBrowser)
			p.mustDo(newReq("POST", "/auth/bearer/passkey/finish").JSON(mustJSON(p.t, map[string]any{"ticket": old.ticket, "credential": json.RawMessage(old.answer)})), http.StatusOK)
			ticket, _ := p.beginSignIn("bearer")
			return attempt{ticket, old.answer}
		}, "passkey: challenge mismatch"},
		{"answer to another challenge", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.Challenge = bytes.Repeat([]byte{1}, 32) }))
		}, "passkey: challenge mismatch"},
		{"expired challenge", func(p *pkApp, a arthur) attempt {
			at := honest(p, honestBrowser)
			p.clock.Advance(passkeyTimeout)
			return at
		}, "no such challenge"},
		{"tampered signature", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.CorruptSignature = true }))
		}, "passkey: invalid signature"},
		{"tampered client data", func(p *pkApp, a arthur) attempt {
			at := honest(p, honestBrowser)
			at.answer = withClientData(p.t, at.answer, func(cd map[string]any) {
				cd["other_keys_can_be_added_here"] = "do not compare clientDataJSON against a template"
			})
			return at
		}, "passkey: invalid signature"},
		{"counter goes backwards", func(p *pkApp, a arthur) attempt {
			p.mustDo(newReq("POST", "/auth/bearer/passkey/finish").JSON(mustJSON(p.t, func() map[string]any {
				at := honest(p, browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(7) }))
				return map[string]any{"ticket": at.ticket, "credential": json.RawMessage(at.answer)}
			}())), http.StatusOK)
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(3) }))
		}, "possible cloned authenticator"},
		{"counter stands still", func(p *pkApp, a arthur) attempt {
			p.mustDo(newReq("POST", "/auth/bearer/passkey/finish").JSON(mustJSON(p.t, func() map[string]any {
				at := honest(p, browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(7) }))
				return map[string]any{"ticket": at.ticket, "credential": json.RawMessage(at.answer)}
			}())), http.StatusOK)
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(7) }))
		}, "possible cloned authenticator"},
		{"another user's credential under this user's handle", func(p *pkApp, a arthur) attempt {
			cred := lancelotCredential(p)
			at := honest(p, browserWith(func(c *passkeytest.Ceremony) { c.Credential = cred }))
			at.answer = editAnswer(p.t, at.answer, func(m map[string]any) {
				m["response"].(map[string]any)["userHandle"] = base64.RawURLEncoding.EncodeToString(a.id[:])
			})
			return at
		}, "passkey: credential of another user"},
		{"no user handle", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.OmitUserHandle = true }))
		}, "passkey: no user handle"},
		{"deleted passkey", func(p *pkApp, a arthur) attempt {
			p.mustDo(newReq("DELETE", "/users/me/passkeys/"+a.passkeyID.String()).Bearer(a.token), http.StatusNoContent)
			return honest(p, honestBrowser)
		}, "passkey: unknown credential"},
		{"no user presence", func(p *pkApp, a arthur) attempt {
			return honest(p, browserWith(func(c *passkeytest.Ceremony) { c.NoUserPresence = true }))
		}, "passkey: user presence not confirmed"},
		{"a registration's answer", func(p *pkApp, a arthur) attempt {
			ticket, _ := p.beginSignIn("bearer")
			answer, err := passkeytest.New().Create(p.beginRegistration(a.token), honestBrowser)
			if err != nil {
				p.t.Fatal(err)
			}
			return attempt{ticket, answer}
		}, "passkey: malformed response"},
		{"malformed credential", func(p *pkApp, a arthur) attempt {
			ticket, _ := p.beginSignIn("bearer")
			return attempt{ticket, []byte(`{"id":"AQID","rawId":"AQID","type":"public-key","response":{}}`)}
		}, "passkey: malformed response"},
		{"ticket of another backend", func(p *pkApp, a arthur) attempt {
			ticket, options := p.beginSignIn("cookie")
			answer, _ := p.dev.Get(options, honestBrowser)
			return attempt{ticket, answer}
		}, "no such challenge"},
		{"a login ticket", func(p *pkApp, a arthur) attempt {
			ticket, _ := p.ticket(arthurEmail, arthurPassword)
			_, options := p.beginSignIn("bearer")
			answer, _ := p.dev.Get(options, honestBrowser)
			return attempt{ticket, answer}
		}, "no such challenge"},
		{"not a ticket", func(p *pkApp, a arthur) attempt {
			at := honest(p, honestBrowser)
			return attempt{"Excalibur", at.answer}
		}, "no such challenge"},
		{"inactive user", func(p *pkApp, a arthur) attempt {
			p.set(a.id, func(b *user.Base) { b.IsActive = false })
			return honest(p, honestBrowser)
		}, "reason=inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPasskeyApp(t, jwtKind, nil)
			a := withArthur(p)
			at := tc.try(p, a)
			logins := p.logins
			before := len(p.logText())
			res := p.finishSignIn("bearer", at.ticket, at.answer)
			wantCode(t, res, http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
			if p.logins != logins || res.Header.Get("Set-Cookie") != "" {
				t.Fatal("a refused sign-in logged in")
			}
			logged := p.logText()[before:]
			if !strings.Contains(logged, tc.reason) {
				t.Fatalf("log %q does not say %q", logged, tc.reason)
			}
			var sent struct {
				Response map[string]string `json:"response"`
			}
			json.Unmarshal(at.answer, &sent)
			for member, v := range sent.Response {
				if len(v) > 8 && strings.Contains(logged, v) {
					t.Fatalf("the log quotes the browser's %s", member)
				}
			}
		})
	}
}

// TestPasskeyTicketSingleUse: a refused answer spends the sign-in's
// ticket, so an attacker who sees a ticket cannot try it twice; a new
// ceremony then signs in.
func TestPasskeyTicketSingleUse(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	withArthur(p)
	ticket, options := p.beginSignIn("bearer")
	bad, _ := p.dev.Get(options, browserWith(func(c *passkeytest.Ceremony) { c.Origin = "https://mordred.example" }))
	wantCode(t, p.finishSignIn("bearer", ticket, bad), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
	good, _ := p.dev.Get(options, honestBrowser)
	wantCode(t, p.finishSignIn("bearer", ticket, good), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
	if res := p.signIn(honestBrowser); res.Status != http.StatusOK {
		t.Fatalf("a new ceremony: %d %s", res.Status, res.Body)
	}
}

// TestPasskeyCloneIsASecurityEvent: a counter that goes backwards is
// logged as a warning with the user, the credential and both counters.
func TestPasskeyCloneIsASecurityEvent(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	a := withArthur(p)
	if res := p.signIn(browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(9) })); res.Status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.Status, res.Body)
	}
	before := len(p.logText())
	wantCode(t, p.signIn(browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(4) })), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
	logged := p.logText()[before:]
	for _, want := range []string{"level=WARN", "possible cloned authenticator", "user_id=" + a.id.String(),
		"credential_id=" + base64.RawURLEncoding.EncodeToString(a.credential), "stored_count=9", "received_count=4"} {
		if !strings.Contains(logged, want) {
			t.Fatalf("log %q lacks %q", logged, want)
		}
	}
	stored, _ := p.users.(user.PasskeyStore).PasskeyByCredentialID(t.Context(), a.credential)
	if stored.SignCount != 9 {
		t.Fatalf("the refused sign-in moved the counter to %d", stored.SignCount)
	}
}

// TestPasskeySignInPolicy: CheckSignIn applies to a passkey sign-in: an
// unverified user where verification is required is told so (the passkey
// was right), and no second step follows a passkey, TOTP or not.
func TestPasskeySignInPolicy(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, func(o *usersauth.Options[*user.User]) { o.RequireVerification = true })
	id := p.register(arthurEmail, arthurPassword)
	p.set(id, func(b *user.Base) { b.IsVerified = true })
	token := p.token(arthurEmail, arthurPassword)
	p.addPasskey(token, "MacBook")
	// Now a password login needs the second step, a passkey sign-in does not.
	p.ticket(arthurEmail, arthurPassword)
	if res := p.signIn(honestBrowser); res.Status != http.StatusOK {
		t.Fatalf("passkey sign-in of a user with a second factor: %d %s", res.Status, res.Body)
	}
	p.set(id, func(b *user.Base) { b.IsVerified = false })
	wantCode(t, p.signIn(honestBrowser), http.StatusBadRequest, "LOGIN_USER_NOT_VERIFIED")
}

// TestPasskeyRegistrationRefusals: each way a registration must fail
// answers 400 REGISTER_PASSKEY_FAILED and stores nothing.
func TestPasskeyRegistrationRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(p *pkApp, token string) []byte
		reason string
	}{
		{"wrong origin", func(p *pkApp, token string) []byte {
			answer, _ := passkeytest.New().Create(p.beginRegistration(token), browserWith(func(c *passkeytest.Ceremony) { c.Origin = "https://mordred.example" }))
			return answer
		}, "passkey: origin not allowed"},
		{"wrong relying party", func(p *pkApp, token string) []byte {
			answer, _ := passkeytest.New().Create(p.beginRegistration(token), browserWith(func(c *passkeytest.Ceremony) { c.RPID = "mordred.example" }))
			return answer
		}, "passkey: relying party mismatch"},
		{"no registration begun", func(p *pkApp, token string) []byte {
			answer, _ := passkeytest.New().Create([]byte(`{"publicKey":{"rp":{"id":"`+pkRPID+`"},"user":{"id":"AAAA","name":"x"},"challenge":"AAAA","pubKeyCredParams":[{"type":"public-key","alg":-7}]}}`), honestBrowser)
			return answer
		}, "no such challenge"},
		{"replaced by a newer registration", func(p *pkApp, token string) []byte {
			answer, _ := passkeytest.New().Create(p.beginRegistration(token), honestBrowser)
			p.beginRegistration(token)
			return answer
		}, "passkey: challenge mismatch"},
		{"expired challenge", func(p *pkApp, token string) []byte {
			answer, _ := passkeytest.New().Create(p.beginRegistration(token), honestBrowser)
			p.clock.Advance(passkeyTimeout)
			return answer
		}, "no such challenge"},
		{"an assertion", func(p *pkApp, token string) []byte {
			p.beginRegistration(token)
			_, options := p.beginSignIn("bearer")
			dev := passkeytest.New()
			dev.Create(p.beginRegistration(token), honestBrowser)
			answer, _ := dev.Get(options, honestBrowser)
			return answer
		}, "passkey: malformed response"},
		{"credential of another user", func(p *pkApp, token string) []byte {
			// Lancelot registers a credential; its answer, moved to
			// Arthur's challenge (attestation "none" signs nothing of the
			// client data), names a credential id taken already.
			p.register("lancelot@camelot.bt", "du-lac-1234")
			other := p.token("lancelot@camelot.bt", "du-lac-1234")
			theirs, _ := passkeytest.New().Create(p.beginRegistration(other), honestBrowser)
			if res := p.finishRegistration(other, theirs, nil); res.Status != http.StatusCreated {
				p.t.Fatalf("Lancelot's registration: %d %s", res.Status, res.Body)
			}
			challenge := challengeOf(p.t, p.beginRegistration(token))
			return withClientData(p.t, theirs, func(cd map[string]any) { cd["challenge"] = challenge })
		}, "credential registered already"},
		{"malformed", func(p *pkApp, token string) []byte {
			p.beginRegistration(token)
			return []byte(`{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`)
		}, "passkey: malformed response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPasskeyApp(t, jwtKind, nil)
			id := p.register(arthurEmail, arthurPassword)
			token := p.token(arthurEmail, arthurPassword)
			answer := tc.answer(p, token)
			before := len(p.logText())
			wantCode(t, p.finishRegistration(token, answer, nil), http.StatusBadRequest, "REGISTER_PASSKEY_FAILED")
			if logged := p.logText()[before:]; !strings.Contains(logged, tc.reason) {
				t.Fatalf("log %q does not say %q", logged, tc.reason)
			}
			if n, _ := p.users.(user.PasskeyStore).CountPasskeys(t.Context(), id); n != 0 {
				t.Fatalf("a refused registration stored %d passkeys", n)
			}
		})
	}
}

// TestPasskeySecondStep: a user with a passkey and no TOTP is asked for it
// after the right password; the options allow that user's passkeys only;
// the answer completes the ticket, once.
func TestPasskeySecondStep(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	a := withArthur(p)
	ticket, methods := p.ticket(arthurEmail, arthurPassword)
	if !slices.Equal(methods, []any{"passkey"}) {
		t.Fatalf("methods %v, want [passkey]", methods)
	}
	// A wrong password still answers as for anyone.
	wantCode(t, p.do(newReq("POST", "/auth/bearer/login").Form("username", arthurEmail, "password", "morgana")), http.StatusBadRequest, "LOGIN_BAD_CREDENTIALS")

	options := p.secondStepOptions(ticket)
	var o struct {
		PublicKey struct {
			Allow []struct{ ID string } `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	json.Unmarshal(options, &o)
	if len(o.PublicKey.Allow) != 1 || o.PublicKey.Allow[0].ID != base64.RawURLEncoding.EncodeToString(a.credential) {
		t.Fatalf("options %s do not allow exactly the user's passkey", options)
	}
	answer, err := p.dev.Get(options, honestBrowser)
	if err != nil {
		t.Fatal(err)
	}
	res := p.secondStep(ticket, answer)
	if res.Status != http.StatusOK || p.me(res.JSON(t)["access_token"].(string)) != http.StatusOK {
		t.Fatalf("second step: %d %s", res.Status, res.Body)
	}
	// The ticket is spent.
	wantCode(t, p.secondStep(ticket, answer), http.StatusBadRequest, "LOGIN_2FA_BAD_TICKET")

	t.Run("with TOTP too", func(t *testing.T) {
		secret := enrolTOTP(t, p, a.token)
		ticket, methods := p.ticket(arthurEmail, arthurPassword)
		if !slices.Equal(methods, []any{"totp", "recovery_code", "passkey"}) {
			t.Fatalf("methods %v", methods)
		}
		answer, _ := p.dev.Get(p.secondStepOptions(ticket), honestBrowser)
		if res := p.secondStep(ticket, answer); res.Status != http.StatusOK {
			t.Fatalf("passkey beside TOTP: %d %s", res.Status, res.Body)
		}
		_ = secret
	})
}

// TestPasskeySecondStepRefusals: a passkey answer that does not complete
// the ticket is LOGIN_2FA_BAD_CODE and costs a try, as a wrong code does;
// a ticket that is not one is LOGIN_2FA_BAD_TICKET.
func TestPasskeySecondStepRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(p *pkApp, a arthur, ticket string) []byte
		reason string
	}{
		{"another user's credential", func(p *pkApp, a arthur, ticket string) []byte {
			p.register("lancelot@camelot.bt", "du-lac-1234")
			_, cred := p.addPasskey(p.token("lancelot@camelot.bt", "du-lac-1234"), "Phone")
			answer, _ := p.dev.Get(p.secondStepOptions(ticket), browserWith(func(c *passkeytest.Ceremony) { c.Credential = cred }))
			return answer
		}, "passkey: credential of another user"},
		{"no ceremony begun", func(p *pkApp, a arthur, ticket string) []byte {
			answer, _ := p.dev.Get([]byte(`{"publicKey":{"challenge":"AAAA","rpId":"`+pkRPID+`"}}`), honestBrowser)
			return answer
		}, "no such challenge"},
		{"answer of a passwordless ceremony", func(p *pkApp, a arthur, ticket string) []byte {
			p.secondStepOptions(ticket)
			_, options := p.beginSignIn("bearer")
			answer, _ := p.dev.Get(options, honestBrowser)
			return answer
		}, "passkey: challenge mismatch"},
		{"wrong origin", func(p *pkApp, a arthur, ticket string) []byte {
			answer, _ := p.dev.Get(p.secondStepOptions(ticket), browserWith(func(c *passkeytest.Ceremony) { c.Origin = "https://mordred.example" }))
			return answer
		}, "passkey: origin not allowed"},
		{"tampered signature", func(p *pkApp, a arthur, ticket string) []byte {
			answer, _ := p.dev.Get(p.secondStepOptions(ticket), browserWith(func(c *passkeytest.Ceremony) { c.CorruptSignature = true }))
			return answer
		}, "passkey: invalid signature"},
		{"replaced by a newer ceremony", func(p *pkApp, a arthur, ticket string) []byte {
			answer, _ := p.dev.Get(p.secondStepOptions(ticket), honestBrowser)
			p.secondStepOptions(ticket)
			return answer
		}, "passkey: challenge mismatch"},
		{"counter goes backwards", func(p *pkApp, a arthur, ticket string) []byte {
			if res := p.signIn(browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(5) })); res.Status != http.StatusOK {
				p.t.Fatalf("sign-in: %d", res.Status)
			}
			answer, _ := p.dev.Get(p.secondStepOptions(ticket), browserWith(func(c *passkeytest.Ceremony) { c.SignCount = u32(2) }))
			return answer
		}, "possible cloned authenticator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPasskeyApp(t, jwtKind, nil)
			a := withArthur(p)
			ticket, _ := p.ticket(arthurEmail, arthurPassword)
			answer := tc.answer(p, a, ticket)
			before := len(p.logText())
			wantCode(t, p.secondStep(ticket, answer), http.StatusBadRequest, "LOGIN_2FA_BAD_CODE")
			logged := p.logText()[before:]
			if !strings.Contains(logged, tc.reason) || !strings.Contains(logged, "tries_left=4") {
				t.Fatalf("log %q does not say %q with one try less", logged, tc.reason)
			}
			// The ticket survives: an honest answer completes it.
			answer, err := p.dev.Get(p.secondStepOptions(ticket), browserWith(func(c *passkeytest.Ceremony) { c.Credential = a.credential; c.SignCount = u32(100) }))
			if err != nil {
				t.Fatal(err)
			}
			if res := p.secondStep(ticket, answer); res.Status != http.StatusOK {
				t.Fatalf("after the refusal: %d %s", res.Status, res.Body)
			}
		})
	}

	t.Run("bad tickets", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, nil)
		withArthur(p)
		_, options := p.beginSignIn("bearer")
		answer, _ := p.dev.Get(options, honestBrowser)
		passwordless, _ := p.beginSignIn("bearer")
		for _, ticket := range []string{"Excalibur", passwordless, strings.Repeat("A", 43)} {
			wantCode(t, p.secondStep(ticket, answer), http.StatusBadRequest, "LOGIN_2FA_BAD_TICKET")
			wantCode(t, p.do(newReq("POST", "/auth/bearer/passkey/begin").JSON(mustJSON(t, map[string]string{"ticket": ticket}))), http.StatusBadRequest, "LOGIN_2FA_BAD_TICKET")
		}
		// A ticket of the bearer backend is not the cookie backend's.
		ticket, _ := p.ticket(arthurEmail, arthurPassword)
		wantCode(t, p.do(newReq("POST", "/auth/cookie/passkey/begin").JSON(mustJSON(t, map[string]string{"ticket": ticket}))), http.StatusBadRequest, "LOGIN_2FA_BAD_TICKET")
		// An expired ticket: its ceremony, begun in time, dies with it.
		answer, _ = p.dev.Get(p.secondStepOptions(ticket), honestBrowser)
		p.clock.Advance(user.TicketLifetime)
		wantCode(t, p.secondStep(ticket, answer), http.StatusBadRequest, "LOGIN_2FA_BAD_TICKET")
		wantCode(t, p.do(newReq("POST", "/auth/bearer/passkey/begin").JSON(mustJSON(t, map[string]string{"ticket": ticket}))), http.StatusBadRequest, "LOGIN_2FA_BAD_TICKET")
	})

	t.Run("a user without passkeys", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, nil)
		p.register(arthurEmail, arthurPassword)
		enrolTOTP(t, p, p.token(arthurEmail, arthurPassword))
		ticket, methods := p.ticket(arthurEmail, arthurPassword)
		if slices.Contains(methods, any("passkey")) {
			t.Fatalf("methods %v", methods)
		}
		wantCode(t, p.do(newReq("POST", "/auth/bearer/passkey/begin").JSON(mustJSON(t, map[string]string{"ticket": ticket}))), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
	})

	t.Run("bodies", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, nil)
		withArthur(p)
		for _, body := range []string{`{"ticket": "x", "credential": "y"}`, `{"credential": {}}`, `{"ticket": "", "credential": {}}`, `{"ticket": "x"}`} {
			if res := p.do(newReq("POST", "/auth/bearer/login/2fa").JSON(body)); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", body, res.Status, res.Body)
			}
		}
	})
}

// enrolTOTP turns TOTP on for the token's user and returns the secret.
func enrolTOTP(t *testing.T, p *pkApp, token string) string {
	t.Helper()
	res := p.mustDo(newReq("POST", "/users/me/2fa/totp").Bearer(token).JSON(`{"password": "`+arthurPassword+`"}`), http.StatusOK)
	secret := res.JSON(t)["secret"].(string)
	code := totpCode(t, secret, p.clock.Now())
	p.mustDo(newReq("POST", "/users/me/2fa/totp/confirm").Bearer(token).JSON(`{"code": "`+code+`"}`), http.StatusOK)
	return secret
}

// TestPasskeyFactors: GET /users/me/2fa counts passkeys; a passkey-only
// user gets recovery codes on request, which then complete the second
// step; the last passkey takes the codes with it, and the password alone
// signs in again.
func TestPasskeyFactors(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	id := p.register(arthurEmail, arthurPassword)
	token := p.token(arthurEmail, arthurPassword)
	if st := p.status(token); st["passkeys"] != 0.0 || st["totp"] != false || st["recovery_codes_left"] != 0.0 {
		t.Fatalf("status %v", st)
	}
	wantCode(t, p.do(newReq("POST", "/users/me/2fa/recovery-codes").Bearer(token).JSON(`{"password": "`+arthurPassword+`"}`)), http.StatusBadRequest, "TWO_FACTOR_NOT_ENABLED")
	first, _ := p.addPasskey(token, "MacBook")
	dev2 := passkeytest.New()
	answer, _ := dev2.Create(p.beginRegistration(token), honestBrowser)
	res := p.finishRegistration(token, answer, nil)
	second := uuid.MustParse(res.JSON(t)["id"].(string))
	if st := p.status(token); st["passkeys"] != 2.0 || st["recovery_codes_left"] != 0.0 {
		t.Fatalf("status %v", st)
	}
	res = p.mustDo(newReq("POST", "/users/me/2fa/recovery-codes").Bearer(token).JSON(`{"password": "`+arthurPassword+`"}`), http.StatusOK)
	var codes struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	json.Unmarshal(res.Body, &codes)
	if len(codes.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes %s", res.Body)
	}
	ticket, methods := p.ticket(arthurEmail, arthurPassword)
	if !slices.Equal(methods, []any{"recovery_code", "passkey"}) {
		t.Fatalf("methods %v", methods)
	}
	p.mustDo(newReq("POST", "/auth/bearer/login/2fa").JSON(mustJSON(t, map[string]string{"ticket": ticket, "code": codes.RecoveryCodes[0]})), http.StatusOK)

	p.mustDo(newReq("DELETE", "/users/me/passkeys/"+first.String()).Bearer(token), http.StatusNoContent)
	if st := p.status(token); st["passkeys"] != 1.0 || st["recovery_codes_left"] != 9.0 {
		t.Fatalf("status after one deletion %v", st)
	}
	p.mustDo(newReq("DELETE", "/users/me/passkeys/"+second.String()).Bearer(token), http.StatusNoContent)
	if st := p.status(token); st["passkeys"] != 0.0 || st["recovery_codes_left"] != 0.0 {
		t.Fatalf("status after the last deletion %v", st)
	}
	if n, _ := p.users.(user.TwoFactorStore).CountRecoveryCodes(t.Context(), id); n != 0 {
		t.Fatalf("%d recovery codes outlived the last factor", n)
	}
	// No factor left: the password alone signs in, and a new passkey does
	// not bring the old codes back.
	token = p.token(arthurEmail, arthurPassword)
	p.addPasskey(token, "Phone")
	if st := p.status(token); st["recovery_codes_left"] != 0.0 {
		t.Fatalf("status %v", st)
	}
}

// TestPasskeyKeepsRecoveryCodes: removing TOTP keeps the recovery codes
// while a passkey is left for them to back up.
func TestPasskeyKeepsRecoveryCodes(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	p.register(arthurEmail, arthurPassword)
	token := p.token(arthurEmail, arthurPassword)
	enrolTOTP(t, p, token)
	p.addPasskey(token, "MacBook")
	p.mustDo(newReq("DELETE", "/users/me/2fa/totp").Bearer(token).JSON(`{"password": "`+arthurPassword+`"}`), http.StatusNoContent)
	if st := p.status(token); st["totp"] != false || st["passkeys"] != 1.0 || st["recovery_codes_left"] != 10.0 {
		t.Fatalf("status %v", st)
	}
}

// TestPasskeyAdminReset: a superuser's DELETE /users/{id}/2fa removes the
// user's passkeys too, and their sessions end.
func TestPasskeyAdminReset(t *testing.T) {
	p := newPasskeyApp(t, kindNamed("database"), nil)
	a := withArthur(p)
	admin := p.superuser()
	p.mustDo(newReq("DELETE", "/users/"+a.id.String()+"/2fa").Bearer(admin), http.StatusNoContent)
	if n, _ := p.users.(user.PasskeyStore).CountPasskeys(t.Context(), a.id); n != 0 {
		t.Fatalf("%d passkeys left", n)
	}
	if p.me(a.token) != http.StatusUnauthorized {
		t.Fatal("the user's session outlived the reset")
	}
	wantCode(t, p.signIn(honestBrowser), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
	p.token(arthurEmail, arthurPassword) // the password alone again
}

// TestPasskeyFactorChangesEndOtherSessions: registering and deleting a
// passkey end the user's other sessions.
func TestPasskeyFactorChangesEndOtherSessions(t *testing.T) {
	p := newPasskeyApp(t, kindNamed("database"), nil)
	p.register(arthurEmail, arthurPassword)
	token := p.token(arthurEmail, arthurPassword)
	other := p.token(arthurEmail, arthurPassword)
	id, _ := p.addPasskey(token, "MacBook")
	if p.me(other) != http.StatusUnauthorized {
		t.Fatal("another session outlived the registration of a passkey")
	}
	// Signed in again, with the passkey now.
	res := p.signIn(honestBrowser)
	other = res.JSON(t)["access_token"].(string)
	token = p.signIn(honestBrowser).JSON(t)["access_token"].(string)
	p.mustDo(newReq("DELETE", "/users/me/passkeys/"+id.String()).Bearer(token), http.StatusNoContent)
	if p.me(other) != http.StatusUnauthorized {
		t.Fatal("another session outlived the deletion of a passkey")
	}
}

// TestPasskeyThrottling: passkey sign-ins count as logins, per account of
// the credential and per address; begins count per address.
func TestPasskeyThrottling(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, func(o *usersauth.Options[*user.User]) {
			o.Limits = &usersauth.Limits{LoginPerAccount: throttleRule(3)}
		})
		withArthur(p)
		for range 3 {
			wantCode(t, p.signIn(browserWith(func(c *passkeytest.Ceremony) { c.CorruptSignature = true })), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
		}
		res := p.signIn(honestBrowser)
		wantCode(t, res, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
		if res.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		// The password login of the account is locked too.
		wantCode(t, p.do(newReq("POST", "/auth/bearer/login").Form("username", arthurEmail, "password", arthurPassword)), http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
	})
	t.Run("a success clears the account", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, func(o *usersauth.Options[*user.User]) {
			o.Limits = &usersauth.Limits{LoginPerAccount: throttleRule(3)}
		})
		withArthur(p)
		for range 5 {
			wantCode(t, p.signIn(browserWith(func(c *passkeytest.Ceremony) { c.CorruptSignature = true })), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
			wantCode(t, p.signIn(browserWith(func(c *passkeytest.Ceremony) { c.CorruptSignature = true })), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
			if res := p.signIn(honestBrowser); res.Status != http.StatusOK {
				t.Fatalf("sign-in: %d %s", res.Status, res.Body)
			}
		}
	})
	t.Run("per address", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, func(o *usersauth.Options[*user.User]) {
			o.Limits = &usersauth.Limits{LoginPerAddress: throttleRule(2)}
		})
		withArthur(p)
		// Unknown credentials count against the address alone.
		for range 2 {
			ticket, _ := p.beginSignIn("bearer")
			wantCode(t, p.finishSignIn("bearer", ticket, []byte(`{"id":"AQID","rawId":"AQID"}`)), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
		}
		wantCode(t, p.signIn(honestBrowser), http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
	})
	t.Run("begin", func(t *testing.T) {
		p := newPasskeyApp(t, jwtKind, func(o *usersauth.Options[*user.User]) {
			o.Limits = &usersauth.Limits{PasskeyBegin: throttleRule(2)}
		})
		p.beginSignIn("bearer")
		p.beginSignIn("cookie")
		wantCode(t, p.do(newReq("POST", "/auth/bearer/passkey/begin")), http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
	})
}

// TestPasskeyCSRF: a cross-site request to a cookie backend's passkey
// routes is refused, as its login is.
func TestPasskeyCSRF(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, nil)
	withArthur(p)
	ticket, options := p.beginSignIn("cookie")
	answer, _ := p.dev.Get(options, honestBrowser)
	body := mustJSON(t, map[string]any{"ticket": ticket, "credential": json.RawMessage(answer)})
	for _, path := range []string{"/auth/cookie/passkey/begin", "/auth/cookie/passkey/finish"} {
		res := p.do(newReq("POST", path).JSON(body).With("Sec-Fetch-Site", "cross-site"))
		if res.Status != http.StatusForbidden {
			t.Fatalf("cross-site %s: %d %s", path, res.Status, res.Body)
		}
	}
	// The ticket was not spent by the refused request.
	if res := p.do(newReq("POST", "/auth/cookie/passkey/finish").JSON(body).With("Sec-Fetch-Site", "same-origin")); res.Status != http.StatusNoContent {
		t.Fatalf("same-origin: %d %s", res.Status, res.Body)
	}
}

// TestPasskeysSharedByInstances: a ceremony begun on one instance finishes
// on another, over one database: registration, sign-in and second step.
func TestPasskeysSharedByInstances(t *testing.T) {
	for _, k := range []kind{kindNamed("database-sqlite"), kindNamed("database-postgres")} {
		t.Run(k.name, func(t *testing.T) {
			one := newPasskeyApp(t, k, nil)
			two := &pkApp{sessionApp: newSessionApp(t, kind{name: k.name, open: func(testing.TB, func() time.Time) parts {
				return parts{users: one.users, strategy: one.strategy, refresh: one.refresh}
			}}, func(o *usersauth.Options[*user.User]) {
				o.TwoFactor = &usersauth.TwoFactor{Issuer: "Camelot"}
				o.Passkeys = one.rp
				o.Now = one.clock.Now
			}), clock: one.clock, rp: one.rp, dev: one.dev}

			one.register(arthurEmail, arthurPassword)
			token := one.token(arthurEmail, arthurPassword)
			answer, err := one.dev.Create(one.beginRegistration(token), honestBrowser)
			if err != nil {
				t.Fatal(err)
			}
			if res := two.finishRegistration(token, answer, nil); res.Status != http.StatusCreated {
				t.Fatalf("registration finished on the other instance: %d %s", res.Status, res.Body)
			}
			ticket, options := one.beginSignIn("bearer")
			answer, _ = one.dev.Get(options, honestBrowser)
			if res := two.finishSignIn("bearer", ticket, answer); res.Status != http.StatusOK {
				t.Fatalf("sign-in finished on the other instance: %d %s", res.Status, res.Body)
			}
			ticket, _ = one.ticket(arthurEmail, arthurPassword)
			answer, _ = one.dev.Get(one.secondStepOptions(ticket), honestBrowser)
			if res := two.secondStep(ticket, answer); res.Status != http.StatusOK {
				t.Fatalf("second step finished on the other instance: %d %s", res.Status, res.Body)
			}
			// Each ceremony was spent on the instance that finished it.
			wantCode(t, one.finishSignIn("bearer", ticket, answer), http.StatusBadRequest, "LOGIN_PASSKEY_FAILED")
		})
	}
}

// TestPasskeyRequireTwoFactor: a passkey satisfies RequireTwoFactor.
func TestPasskeyRequireTwoFactor(t *testing.T) {
	p := newPasskeyApp(t, jwtKind, func(o *usersauth.Options[*user.User]) {
		o.RequireTwoFactor = func(*user.User) bool { return true }
	})
	p.register(arthurEmail, arthurPassword)
	token := p.token(arthurEmail, arthurPassword)
	wantCode(t, p.do(newReq("PATCH", "/users/me").Bearer(token).JSON(`{}`)), http.StatusForbidden, "TWO_FACTOR_REQUIRED")
	p.addPasskey(token, "MacBook")
	token = p.signIn(honestBrowser).JSON(t)["access_token"].(string)
	p.mustDo(newReq("PATCH", "/users/me").Bearer(token).JSON(`{}`), http.StatusOK)
}
