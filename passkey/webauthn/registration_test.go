package webauthn_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

func TestFinishRegistration(t *testing.T) {
	rp, _ := newRP(t, nil)
	auth := passkeytest.New()
	u := passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}
	c, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := auth.Create(c.Options, with(func(c *passkeytest.Ceremony) { c.BackupEligible, c.BackupState = true, true }))
	if err != nil {
		t.Fatal(err)
	}
	cred, err := rp.FinishRegistration(u.ID, c.Session, answer)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	made := auth.Credentials()[0]
	if !bytes.Equal(cred.ID, made.ID) || cred.SignCount != 0 || cred.AAGUID != uuid.UUID(passkeytest.AAGUID) ||
		len(cred.Transports) != 1 || cred.Transports[0] != "internal" || !cred.UserVerified ||
		!cred.BackupEligible || !cred.BackupState || cred.AttestationFormat != "none" || len(cred.PublicKey) < 64 {
		t.Fatalf("credential = %+v", cred)
	}
	if !bytes.Equal(made.UserHandle, u.ID[:]) {
		t.Errorf("user handle = %x, want the 16 bytes of the user id", made.UserHandle)
	}
}

func TestFinishRegistrationTransportsFiltered(t *testing.T) {
	rp, _ := newRP(t, nil)
	u := passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}
	c, _ := rp.BeginRegistration(u)
	answer, err := passkeytest.New().Create(c.Options, honest)
	if err != nil {
		t.Fatal(err)
	}
	answer = editJSON(t, answer, func(m map[string]any) {
		m["response"].(map[string]any)["transports"] = []string{"usb", "<script>", "usb", "hybrid"}
	})
	cred, err := rp.FinishRegistration(u.ID, c.Session, answer)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cred.Transports, ",") != "usb,hybrid" {
		t.Fatalf("Transports = %q, want the known ones once", cred.Transports)
	}
}

// TestFinishRegistrationRefusals makes one thing wrong per case and checks
// the sentinel; each answer is otherwise what an honest browser sends.
func TestFinishRegistrationRefusals(t *testing.T) {
	arthur := passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}
	for _, tc := range []struct {
		name string
		// run returns FinishRegistration's error for a ceremony begun with
		// rp for arthur.
		run  func(t *testing.T, rp *webauthn.RelyingParty, clk *clock) error
		want error
		cfg  func(*webauthn.Config)
	}{
		{name: "WrongOrigin", want: passkey.ErrOrigin, run: answerWith(with(func(c *passkeytest.Ceremony) { c.Origin = "https://camelot.bt.evil.example" }))},
		{name: "OriginOfOtherPort", want: passkey.ErrOrigin, run: answerWith(with(func(c *passkeytest.Ceremony) { c.Origin = testOrigin + ":8443" }))},
		{name: "OriginOfOtherScheme", want: passkey.ErrOrigin, run: answerWith(with(func(c *passkeytest.Ceremony) { c.Origin = "http://login.camelot.bt" }))},
		{name: "CrossOriginFrame", want: passkey.ErrOrigin, run: answerWith(with(func(c *passkeytest.Ceremony) { c.CrossOrigin = true }))},
		{name: "TopOrigin", want: passkey.ErrOrigin, run: answerWith(with(func(c *passkeytest.Ceremony) { c.CrossOrigin, c.TopOrigin = true, "https://mordred.bt" }))},
		{name: "WrongRelyingParty", want: passkey.ErrRelyingParty, run: answerWith(with(func(c *passkeytest.Ceremony) { c.RPID = "mordred.bt" }))},
		{name: "ParentRelyingParty", want: passkey.ErrRelyingParty, run: answerWith(with(func(c *passkeytest.Ceremony) { c.RPID = "bt" }))},
		{name: "OtherChallenge", want: passkey.ErrChallenge, run: answerWith(with(func(c *passkeytest.Ceremony) { c.Challenge = bytes.Repeat([]byte{7}, 32) }))},
		{name: "WrongType", want: passkey.ErrMalformedResponse, run: answerWith(with(func(c *passkeytest.Ceremony) { c.Type = "webauthn.get" }))},
		{name: "NoUserPresence", want: passkey.ErrUserPresence, run: answerWith(with(func(c *passkeytest.Ceremony) { c.NoUserPresence = true }))},
		{name: "NoUserVerificationRequired", want: passkey.ErrUserVerification, run: answerWith(with(func(c *passkeytest.Ceremony) { c.NoUserVerification = true })),
			cfg: func(c *webauthn.Config) { c.UserVerification = webauthn.UserVerificationRequired }},
		{name: "BackupStateWithoutEligibility", want: passkey.ErrRefused, run: answerWith(with(func(c *passkeytest.Ceremony) { c.BackupState = true }))},
		{name: "ReplayedChallenge", want: passkey.ErrChallenge, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			// An answer to one ceremony, given with the session of the next.
			first, _ := rp.BeginRegistration(arthur)
			answer, err := passkeytest.New().Create(first.Options, honest)
			if err != nil {
				t.Fatal(err)
			}
			second, _ := rp.BeginRegistration(arthur)
			return finish(rp, arthur.ID, second.Session, answer)
		}},
		{name: "Expired", want: passkey.ErrExpired, run: func(t *testing.T, rp *webauthn.RelyingParty, clk *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			clk.Advance(webauthn.DefaultTimeout)
			return finish(rp, arthur.ID, c.Session, answer)
		}},
		{name: "SessionOfAnotherUser", want: passkey.ErrWrongUser, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, uuid.New(), c.Session, answer)
		}},
		{name: "SessionOfALogin", want: passkey.ErrInvalidSession, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			_, answer := begunAndAnswered(t, rp, arthur, honest)
			login, _ := rp.BeginLogin()
			return finish(rp, arthur.ID, login.Session, answer)
		}},
		{name: "SessionTruncated", want: passkey.ErrInvalidSession, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, c.Session[:len(c.Session)-1], answer)
		}},
		{name: "SessionEmpty", want: passkey.ErrInvalidSession, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			_, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, nil, answer)
		}},
		{name: "SessionUnknownField", want: passkey.ErrInvalidSession, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, editJSON(t, c.Session, func(m map[string]any) { m["x"] = 1 }), answer)
		}},
		{name: "SessionShortChallenge", want: passkey.ErrInvalidSession, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, editJSON(t, c.Session, func(m map[string]any) { m["data"].(map[string]any)["challenge"] = "" }), answer)
		}},
		{name: "SessionOtherVersion", want: passkey.ErrInvalidSession, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, editJSON(t, c.Session, func(m map[string]any) { m["v"] = 2 }), answer)
		}},
		{name: "AnswerNotJSON", want: passkey.ErrMalformedResponse, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, _ := rp.BeginRegistration(arthur)
			return finish(rp, arthur.ID, c.Session, []byte("{"))
		}},
		{name: "AnswerTooLarge", want: passkey.ErrMalformedResponse, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			pad := editJSON(t, answer, func(m map[string]any) { m["padding"] = strings.Repeat("x", passkey.MaxResponseSize) })
			return finish(rp, arthur.ID, c.Session, pad)
		}},
		{name: "AnswerIsAnAssertion", want: passkey.ErrMalformedResponse, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, _ := rp.BeginRegistration(arthur)
			auth := passkeytest.New()
			if _, err := auth.Create(c.Options, honest); err != nil {
				t.Fatal(err)
			}
			login, _ := rp.BeginLogin()
			assertion, err := auth.Get(login.Options, honest)
			if err != nil {
				t.Fatal(err)
			}
			return finish(rp, arthur.ID, c.Session, assertion)
		}},
		{name: "IDNotRawID", want: passkey.ErrMalformedResponse, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, c.Session, editJSON(t, answer, func(m map[string]any) {
				m["id"], m["rawId"] = "AAAA", "AAAA"
			}))
		}},
		{name: "AttestationNotCBOR", want: passkey.ErrMalformedResponse, run: func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
			c, answer := begunAndAnswered(t, rp, arthur, honest)
			return finish(rp, arthur.ID, c.Session, editJSON(t, answer, func(m map[string]any) {
				m["response"].(map[string]any)["attestationObject"] = b64.EncodeToString([]byte("not cbor"))
			}))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp, clk := newRP(t, tc.cfg)
			err := tc.run(t, rp, clk)
			wantErr(t, "FinishRegistration", err, tc.want)
		})
	}
}

// answerWith returns a case that answers a registration of a new user with
// ceremony c.
func answerWith(c passkeytest.Ceremony) func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
	return func(t *testing.T, rp *webauthn.RelyingParty, _ *clock) error {
		u := passkey.User{ID: uuid.New(), Name: "gawain@camelot.bt"}
		begun, answer := begunAndAnswered(t, rp, u, c)
		return finish(rp, u.ID, begun.Session, answer)
	}
}

func begunAndAnswered(t *testing.T, rp *webauthn.RelyingParty, u passkey.User, c passkeytest.Ceremony) (passkey.Ceremony, []byte) {
	t.Helper()
	begun, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := passkeytest.New().Create(begun.Options, c)
	if err != nil {
		t.Fatal(err)
	}
	return begun, answer
}

func finish(rp *webauthn.RelyingParty, userID uuid.UUID, session, answer []byte) error {
	_, err := rp.FinishRegistration(userID, session, answer)
	return err
}

// TestExpiryBoundary: a challenge is good until just before Expires.
func TestExpiryBoundary(t *testing.T) {
	rp, clk := newRP(t, nil)
	u := passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}
	c, answer := begunAndAnswered(t, rp, u, honest)
	clk.Advance(webauthn.DefaultTimeout - time.Millisecond)
	if err := finish(rp, u.ID, c.Session, answer); err != nil {
		t.Fatalf("a millisecond before expiry: %v", err)
	}
}
