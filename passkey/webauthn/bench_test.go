package webauthn_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
)

// The cost of each step on the server: a Begin is a challenge and two
// small JSON encodings; a Finish decodes the answer and verifies one ES256
// signature.

func BenchmarkBeginLogin(b *testing.B) {
	rp, _ := newRP(b, nil)
	for b.Loop() {
		if _, err := rp.BeginLogin(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFinishLogin(b *testing.B) {
	f := newFixture(b, nil)
	c, err := f.rp.BeginLogin()
	if err != nil {
		b.Fatal(err)
	}
	answer, err := f.auth.Get(c.Options, with(func(c *passkeytest.Ceremony) { c.Credential = f.arthurC.ID }))
	if err != nil {
		b.Fatal(err)
	}
	// The stored counter stays 0, so the same answer verifies each time.
	for b.Loop() {
		if _, err := f.rp.FinishLogin(b.Context(), c.Session, answer, f.keys.Lookup); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFinishRegistration(b *testing.B) {
	rp, _ := newRP(b, nil)
	u := passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}
	c, err := rp.BeginRegistration(u)
	if err != nil {
		b.Fatal(err)
	}
	answer, err := passkeytest.New().Create(c.Options, honest)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := rp.FinishRegistration(u.ID, c.Session, answer); err != nil {
			b.Fatal(err)
		}
	}
}
