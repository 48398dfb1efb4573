package webauthn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	gowebauthn "github.com/go-webauthn/webauthn/webauthn"

	"github.com/usersauth/usersauth/passkey"
)

// ceremonyKind tells the three ceremonies' sessions apart, so that one is
// never finished as another.
type ceremonyKind string

const (
	kindRegistration ceremonyKind = "registration"
	kindLogin        ceremonyKind = "login"      // discoverable: no user known
	kindUserLogin    ceremonyKind = "login-user" // for a known user: second factor
)

// challengeSize is the length of a challenge in bytes: 32 random bytes,
// twice the minimum of WebAuthn Level 3 section 13.4.3.
const challengeSize = 32

// sessionVersion is the version of the session encoding; a session of
// another version is refused.
const sessionVersion = 1

// maxSessionSize bounds the session data decoded: a session holds a
// challenge and, for a second factor, the user's credential ids (at most
// 1023 bytes each), far below this.
const maxSessionSize = 256 << 10

// session is the envelope of the library's session data. Expiry is kept
// here, computed with Config.Now, rather than in the library's field,
// which the library checks against the wall clock.
type session struct {
	Version int                    `json:"v"`
	Kind    ceremonyKind           `json:"kind"`
	Expires int64                  `json:"exp"` // Unix milliseconds
	Data    gowebauthn.SessionData `json:"data"`
}

// begin wraps the library's options and session into a Ceremony.
func (rp *RelyingParty) begin(kind ceremonyKind, options any, data *gowebauthn.SessionData, started time.Time) (passkey.Ceremony, error) {
	publicKey, err := json.Marshal(options)
	if err != nil {
		return passkey.Ceremony{}, fmt.Errorf("webauthn: encoding options: %w", err)
	}
	expires := started.Add(rp.timeout)
	data.Expires = time.Time{}
	s, err := json.Marshal(session{Version: sessionVersion, Kind: kind, Expires: expires.UnixMilli(), Data: *data})
	if err != nil {
		return passkey.Ceremony{}, fmt.Errorf("webauthn: encoding session: %w", err)
	}
	const prefix = `{"publicKey":`
	opts := make([]byte, 0, len(prefix)+len(publicKey)+1)
	opts = append(append(append(opts, prefix...), publicKey...), '}')
	return passkey.Ceremony{
		Options:   opts,
		PublicKey: opts[len(prefix) : len(opts)-1 : len(opts)-1],
		Session:   s,
		Expires:   time.UnixMilli(expires.UnixMilli()).UTC(),
	}, nil
}

// decodeSession reads session data of the given kind and checks it has not
// expired. A session that is not well-formed, or is of another kind, is
// ErrInvalidSession; an expired one ErrExpired.
func (rp *RelyingParty) decodeSession(b []byte, want ceremonyKind) (session, error) {
	s, err := parseSession(b)
	if err != nil {
		return session{}, err
	}
	if s.Kind != want {
		return session{}, passkey.ErrInvalidSession
	}
	if !rp.now().Before(time.UnixMilli(s.Expires)) {
		return session{}, passkey.ErrExpired
	}
	return s, nil
}

// parseSession decodes session data strictly: known fields only, one
// value, a challenge of the length Begin makes.
func parseSession(b []byte) (session, error) {
	if len(b) == 0 || len(b) > maxSessionSize {
		return session{}, passkey.ErrInvalidSession
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s session
	if err := dec.Decode(&s); err != nil {
		return session{}, passkey.ErrInvalidSession
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return session{}, passkey.ErrInvalidSession
	}
	if s.Version != sessionVersion {
		return session{}, passkey.ErrInvalidSession
	}
	switch s.Kind {
	case kindRegistration, kindLogin, kindUserLogin:
	default:
		return session{}, passkey.ErrInvalidSession
	}
	if challenge, err := base64.RawURLEncoding.DecodeString(s.Data.Challenge); err != nil || len(challenge) != challengeSize {
		return session{}, passkey.ErrInvalidSession
	}
	return s, nil
}
