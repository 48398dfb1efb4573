package passkey_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
)

var b64 = base64.RawURLEncoding

// browserAnswers returns a registration and an assertion as a browser sends
// them, made by the software authenticator from hand-written options.
func browserAnswers(t testing.TB) (created, asserted, credentialID []byte) {
	t.Helper()
	a := passkeytest.New()
	challenge := b64.EncodeToString(bytes.Repeat([]byte{7}, 32))
	created, err := a.Create([]byte(`{"publicKey":{"rp":{"id":"localhost"},"user":{"id":"`+b64.EncodeToString([]byte("0123456789abcdef"))+
		`","name":"king.arthur@camelot.bt"},"challenge":"`+challenge+`","pubKeyCredParams":[{"type":"public-key","alg":-7}]}}`),
		passkeytest.Ceremony{Origin: "http://localhost:8000"})
	if err != nil {
		t.Fatal(err)
	}
	asserted, err = a.Get([]byte(`{"publicKey":{"challenge":"`+challenge+`","rpId":"localhost"}}`), passkeytest.Ceremony{Origin: "http://localhost:8000"})
	if err != nil {
		t.Fatal(err)
	}
	return created, asserted, a.Credentials()[0].ID
}

func TestCredentialIDOf(t *testing.T) {
	created, asserted, id := browserAnswers(t)
	long := b64.EncodeToString(bytes.Repeat([]byte{1}, passkey.MaxCredentialIDSize+1))
	for _, tc := range []struct {
		name     string
		response string
		want     []byte // nil: ErrMalformedResponse
	}{
		{name: "registration", response: string(created), want: id},
		{name: "assertion", response: string(asserted), want: id},
		{name: "padded", response: `{"id":"AQID","rawId":"AQID"}`, want: []byte{1, 2, 3}},
		{name: "padding kept by a library", response: `{"id":"AQI=","rawId":"AQI="}`, want: []byte{1, 2}},
		{name: "id and rawId disagree", response: `{"id":"AQID","rawId":"AQIE"}`},
		{name: "no id", response: `{"rawId":"AQID"}`},
		{name: "no rawId", response: `{"id":"AQID"}`},
		{name: "null rawId", response: `{"id":"AQID","rawId":null}`},
		{name: "number", response: `{"id":"AQID","rawId":5}`},
		{name: "standard base64", response: `{"id":"+/8","rawId":"+/8"}`},
		{name: "empty id", response: `{"id":"","rawId":""}`},
		{name: "id too long", response: `{"id":"` + long + `","rawId":"` + long + `"}`},
		{name: "not an object", response: `["AQID"]`},
		{name: "trailing data", response: `{"id":"AQID","rawId":"AQID"} {}`},
		{name: "not JSON", response: `id=AQID`},
		{name: "empty", response: ``},
		{name: "too large", response: `{"id":"AQID","rawId":"AQID","x":"` + strings.Repeat("x", passkey.MaxResponseSize) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := passkey.CredentialIDOf([]byte(tc.response))
			if tc.want == nil {
				if !errors.Is(err, passkey.ErrMalformedResponse) || got != nil {
					t.Fatalf("CredentialIDOf = %x, %v; want ErrMalformedResponse", got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("CredentialIDOf = %x, %v; want %x", got, err, tc.want)
			}
		})
	}
}

// FuzzCredentialIDOf: any answer gives an id within the limits, or
// ErrMalformedResponse; never a panic.
func FuzzCredentialIDOf(f *testing.F) {
	created, asserted, _ := browserAnswers(f)
	f.Add(created)
	f.Add(asserted)
	f.Add([]byte(`{"id":"AQI=","rawId":"AQI="}`))
	f.Add([]byte(`{"id":null}`))
	f.Fuzz(func(t *testing.T, response []byte) {
		id, err := passkey.CredentialIDOf(response)
		if err != nil {
			if !errors.Is(err, passkey.ErrMalformedResponse) || id != nil {
				t.Fatalf("CredentialIDOf = %x, %v", id, err)
			}
			return
		}
		if len(id) == 0 || len(id) > passkey.MaxCredentialIDSize {
			t.Fatalf("CredentialIDOf gave an id of %d bytes", len(id))
		}
	})
}

// TestCloneErrorText: a CloneError's text carries none of its fields, so it
// may be logged or wrapped anywhere; the fields are for the security log.
func TestCloneErrorText(t *testing.T) {
	err := &passkey.CloneError{CredentialID: []byte("Excalibur-7f3a"), Stored: 5, Received: 4}
	if s := err.Error(); strings.Contains(s, "Excalibur") || strings.Contains(s, "5") || strings.Contains(s, "4") {
		t.Fatalf("CloneError text %q carries its fields", s)
	}
	if !errors.Is(err, passkey.ErrPossibleClone) {
		t.Fatal("a CloneError is not ErrPossibleClone")
	}
}
