package webauthn_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/passkeytest"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

// Example registers a passkey and signs in with it, passwordless. The
// software authenticator of passkeytest stands in for the browser.
func Example() {
	rp, err := webauthn.New(webauthn.Config{
		RPID:    "localhost",
		RPName:  "Camelot",
		Origins: []string{"http://localhost:8000"},
	})
	if err != nil {
		panic(err)
	}
	browser := passkeytest.New()
	arthur := passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"}

	// POST /users/me/passkeys/begin: keep c.Session server-side, answer c.Options.
	c, _ := rp.BeginRegistration(arthur)
	answer, _ := browser.Create(c.Options, passkeytest.Ceremony{Origin: "http://localhost:8000"})
	// POST /users/me/passkeys/finish: store the credential.
	cred, err := rp.FinishRegistration(arthur.ID, c.Session, answer)
	fmt.Println("registered:", err == nil, "counter", cred.SignCount)

	// A store with the one credential.
	lookup := func(_ context.Context, id []byte, _ uuid.UUID) (uuid.UUID, []passkey.Credential, error) {
		if string(id) != string(cred.ID) {
			return uuid.Nil, nil, passkey.ErrUnknownCredential
		}
		return arthur.ID, []passkey.Credential{cred}, nil
	}

	// POST /auth/jwt/passkey/begin, then finish.
	c, _ = rp.BeginLogin()
	answer, _ = browser.Get(c.Options, passkeytest.Ceremony{Origin: "http://localhost:8000"})
	a, err := rp.FinishLogin(context.Background(), c.Session, answer, lookup)
	fmt.Println("signed in:", err == nil, a.UserID == arthur.ID, "counter", a.SignCount)

	// The same answer from a page of another origin is refused.
	c, _ = rp.BeginLogin()
	answer, _ = browser.Get(c.Options, passkeytest.Ceremony{Origin: "http://localhost:9999"})
	_, err = rp.FinishLogin(context.Background(), c.Session, answer, lookup)
	fmt.Println(err)
	// Output:
	// registered: true counter 0
	// signed in: true true counter 1
	// passkey: origin not allowed
}
