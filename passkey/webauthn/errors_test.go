package webauthn_test

import (
	"strings"
	"testing"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
)

// TestRefusalsQuoteNothing: what the browser sent never reaches an error's
// text, which a careless caller might send to the client or a log viewer.
func TestRefusalsQuoteNothing(t *testing.T) {
	const mark = "Excalibur-7f3a"
	for _, tc := range []struct {
		name string
		cer  func(f *fixture) passkeytest.Ceremony
		edit func(m map[string]any)
	}{
		{name: "Origin", cer: func(*fixture) passkeytest.Ceremony {
			return with(func(c *passkeytest.Ceremony) { c.Origin = "https://" + mark + ".example" })
		}},
		{name: "TopOrigin", cer: func(*fixture) passkeytest.Ceremony {
			return with(func(c *passkeytest.Ceremony) { c.CrossOrigin, c.TopOrigin = true, "https://"+mark+".example" })
		}},
		{name: "Type", cer: func(*fixture) passkeytest.Ceremony { return with(func(c *passkeytest.Ceremony) { c.Type = mark }) }},
		{name: "Challenge", cer: func(*fixture) passkeytest.Ceremony {
			return with(func(c *passkeytest.Ceremony) { c.Challenge = []byte(mark) })
		}},
		{name: "RelyingParty", cer: func(*fixture) passkeytest.Ceremony {
			return with(func(c *passkeytest.Ceremony) { c.RPID = mark })
		}},
		{name: "CredentialType", cer: func(*fixture) passkeytest.Ceremony { return honest }, edit: func(m map[string]any) { m["type"] = mark }},
		{name: "ClientDataNotJSON", cer: func(*fixture) passkeytest.Ceremony { return honest }, edit: func(m map[string]any) {
			m["response"].(map[string]any)["clientDataJSON"] = b64.EncodeToString([]byte(mark))
		}},
		{name: "Signature", cer: func(f *fixture) passkeytest.Ceremony {
			return with(func(c *passkeytest.Ceremony) { c.CorruptSignature = true })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			c, _ := f.rp.BeginLogin()
			answer, err := f.auth.Get(c.Options, tc.cer(f))
			if err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				answer = editJSON(t, answer, tc.edit)
			}
			_, err = f.rp.FinishLogin(t.Context(), c.Session, answer, f.keys.Lookup)
			if err == nil || !isRefusal(err) {
				t.Fatalf("FinishLogin = %v, want a refusal", err)
			}
			if strings.Contains(err.Error(), mark) || strings.Contains(err.Error(), b64.EncodeToString([]byte(mark))) {
				t.Fatalf("error %q quotes the browser's answer", err)
			}
		})
	}
	t.Run("CloneError", func(t *testing.T) {
		err := (&passkey.CloneError{CredentialID: []byte(mark), Stored: 5, Received: 4}).Error()
		if strings.Contains(err, mark) || strings.Contains(err, "5") {
			t.Fatalf("CloneError text %q carries its fields", err)
		}
	})
}
