// Package passkeytest is a software WebAuthn authenticator, with the
// browser around it, for tests of relying parties: it turns the options of
// navigator.credentials.create and .get into the JSON answers a browser
// sends back, with ES256 keys, attestation "none" and authenticator data
// built byte by byte (WebAuthn Level 3 section 6.1). A Ceremony can make an
// answer wrong in each way a relying party must refuse.
//
//	a := passkeytest.New()
//	answer, err := a.Create(c.Options, passkeytest.Ceremony{Origin: "https://example.com"})
//
// It imports only the standard library, so tests of packages a host
// imports may use it.
package passkeytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Errors of the authenticator, as the browser would reject the call.
var (
	// ErrExcluded: the options exclude a credential this authenticator
	// holds for the relying party (the browser's InvalidStateError).
	ErrExcluded = errors.New("passkeytest: an excluded credential is on this authenticator")
	// ErrNoCredential: no credential of this authenticator fits the
	// options (the browser's NotAllowedError).
	ErrNoCredential = errors.New("passkeytest: no matching credential")
	// ErrUnsupported: the options offer no algorithm this authenticator
	// has (it has ES256 only), or cannot be read.
	ErrUnsupported = errors.New("passkeytest: unsupported options")
)

// AAGUID is the authenticator model id this authenticator reports.
var AAGUID = [16]byte{0x70, 0x61, 0x73, 0x73, 0x6b, 0x65, 0x79, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x00, 0x01}

// Ceremony says how one ceremony is carried out. The zero value, with
// Origin set, is what an honest browser and authenticator do; each other
// field makes the answer wrong in one way.
type Ceremony struct {
	// Origin is the origin the browser writes in clientDataJSON.
	// Required.
	Origin string
	// RPID, if set, is hashed into the authenticator data instead of the
	// relying party id of the options.
	RPID string
	// Type, if set, replaces the clientDataJSON type
	// ("webauthn.create", "webauthn.get").
	Type string
	// Challenge, if set, is signed instead of the options' challenge.
	Challenge []byte
	// CrossOrigin and TopOrigin are written in clientDataJSON as a
	// browser does for a ceremony in a cross-origin frame.
	CrossOrigin bool
	TopOrigin   string
	// NoUserPresence and NoUserVerification clear the UP and UV flags.
	NoUserPresence, NoUserVerification bool
	// BackupEligible and BackupState set the BE and BS flags: of the new
	// credential in Create, of this assertion in Get (where the stored
	// credential's own flags are used when both are false).
	BackupEligible, BackupState bool
	// Credential, in Get, is the id of the credential to sign with,
	// whatever allowCredentials says.
	Credential []byte
	// OmitUserHandle leaves userHandle out of an assertion, as a
	// credential that is not discoverable does.
	OmitUserHandle bool
	// SignCount, if not nil, is the counter of this assertion, and the
	// credential's from now on, instead of the previous one plus one.
	SignCount *uint32
	// CorruptSignature flips a bit of the assertion's signature.
	CorruptSignature bool
}

// Credential is a credential the authenticator holds.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	SignCount  uint32

	key            *ecdsa.PrivateKey
	backupEligible bool
	backupState    bool
}

// Authenticator is a software authenticator. The zero value is not usable;
// call New. It is safe for concurrent use.
type Authenticator struct {
	mu    sync.Mutex
	rand  io.Reader
	creds []*Credential
}

// New returns an authenticator with no credential, using crypto/rand.
func New() *Authenticator { return &Authenticator{rand: rand.Reader} }

// NewWithRand returns an authenticator drawing keys and credential ids
// from r.
func NewWithRand(r io.Reader) *Authenticator { return &Authenticator{rand: r} }

// Credentials returns copies of the credentials the authenticator holds, in
// the order they were made.
func (a *Authenticator) Credentials() []Credential {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Credential, 0, len(a.creds))
	for _, c := range a.creds {
		cp := *c
		cp.ID, cp.UserHandle = bytes.Clone(c.ID), bytes.Clone(c.UserHandle)
		out = append(out, cp)
	}
	return out
}

// b64 is base64url without padding, WebAuthn's encoding of binary members
// in JSON.
var b64 = base64.RawURLEncoding

// binaryJSON is a base64url member of the options.
type binaryJSON []byte

func (b *binaryJSON) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := b64.DecodeString(s)
	*b = v
	return err
}

type paramJSON struct {
	Type string `json:"type"`
	Alg  int    `json:"alg"`
}

type descriptorJSON struct {
	Type string     `json:"type"`
	ID   binaryJSON `json:"id"`
}

// creationOptions are the members of PublicKeyCredentialCreationOptionsJSON
// the authenticator reads.
type creationOptions struct {
	PublicKey struct {
		RP struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID   binaryJSON `json:"id"`
			Name string     `json:"name"`
		} `json:"user"`
		Challenge binaryJSON       `json:"challenge"`
		Params    []paramJSON      `json:"pubKeyCredParams"`
		Exclude   []descriptorJSON `json:"excludeCredentials"`
	} `json:"publicKey"`
}

// requestOptions are the members of PublicKeyCredentialRequestOptionsJSON
// the authenticator reads.
type requestOptions struct {
	PublicKey struct {
		Challenge binaryJSON       `json:"challenge"`
		RPID      string           `json:"rpId"`
		Allow     []descriptorJSON `json:"allowCredentials"`
	} `json:"publicKey"`
}

// COSE algorithm ES256 (RFC 9053).
const algES256 = -7

// Authenticator data flags (WebAuthn Level 3 section 6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

// Create answers navigator.credentials.create(options) as a browser would:
// it makes a discoverable ES256 credential for the options' relying party
// and user, and returns the RegistrationResponseJSON
// (PublicKeyCredential.toJSON()).
func (a *Authenticator) Create(options []byte, c Ceremony) ([]byte, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	pk := o.PublicKey
	if !slices.Contains(pk.Params, paramJSON{Type: "public-key", Alg: algES256}) {
		return nil, ErrUnsupported
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ex := range pk.Exclude {
		if slices.ContainsFunc(a.creds, func(cr *Credential) bool { return cr.RPID == pk.RP.ID && bytes.Equal(cr.ID, ex.ID) }) {
			return nil, ErrExcluded
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), a.rand)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := io.ReadFull(a.rand, id); err != nil {
		return nil, err
	}
	cred := &Credential{
		ID: id, RPID: pk.RP.ID, UserHandle: bytes.Clone(pk.User.ID), key: key,
		backupEligible: c.BackupEligible, backupState: c.BackupState,
	}
	// A new credential with the user handle of an existing one for the
	// same relying party replaces it, as authenticators do with
	// discoverable credentials.
	a.creds = slices.DeleteFunc(a.creds, func(cr *Credential) bool {
		return cr.RPID == cred.RPID && bytes.Equal(cr.UserHandle, cred.UserHandle)
	})
	a.creds = append(a.creds, cred)

	clientData := clientDataJSON(cmpOr(c.Type, "webauthn.create"), cmpOr(c.Challenge, pk.Challenge), c)
	authData := authenticatorData(cmpOr(c.RPID, pk.RP.ID), flags(c, c.BackupEligible, c.BackupState)|flagAT, 0)
	authData = append(authData, AAGUID[:]...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(id)))
	authData = append(authData, id...)
	authData = append(authData, coseKey(&key.PublicKey)...)

	att := cborMap(nil, 3)
	att = cborText(att, "fmt")
	att = cborText(att, "none")
	att = cborText(att, "attStmt")
	att = cborMap(att, 0)
	att = cborText(att, "authData")
	att = cborBytes(att, authData)

	return json.Marshal(map[string]any{
		"id":                      b64.EncodeToString(id),
		"rawId":                   b64.EncodeToString(id),
		"type":                    "public-key",
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// Get answers navigator.credentials.get(options) as a browser would: it
// signs with Ceremony.Credential, or else the first credential of the
// options' relying party that allowCredentials names (any, when it is
// empty), and returns the AuthenticationResponseJSON.
func (a *Authenticator) Get(options []byte, c Ceremony) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	pk := o.PublicKey
	a.mu.Lock()
	defer a.mu.Unlock()
	var cred *Credential
	for _, cr := range a.creds {
		switch {
		case c.Credential != nil:
			if bytes.Equal(cr.ID, c.Credential) {
				cred = cr
			}
		case cr.RPID != pk.RPID:
		case len(pk.Allow) == 0 || slices.ContainsFunc(pk.Allow, func(d descriptorJSON) bool { return bytes.Equal(d.ID, cr.ID) }):
			cred = cr
		}
		if cred != nil {
			break
		}
	}
	if cred == nil {
		return nil, ErrNoCredential
	}
	if c.SignCount != nil {
		cred.SignCount = *c.SignCount
	} else {
		cred.SignCount++
	}
	be, bs := cred.backupEligible, cred.backupState
	if c.BackupEligible || c.BackupState {
		be, bs = c.BackupEligible, c.BackupState
	}
	clientData := clientDataJSON(cmpOr(c.Type, "webauthn.get"), cmpOr(c.Challenge, pk.Challenge), c)
	authData := authenticatorData(cmpOr(c.RPID, pk.RPID), flags(c, be, bs), cred.SignCount)
	digest := sha256.Sum256(clientData)
	signed := sha256.Sum256(append(bytes.Clone(authData), digest[:]...))
	sig, err := ecdsa.SignASN1(a.rand, cred.key, signed[:])
	if err != nil {
		return nil, err
	}
	if c.CorruptSignature {
		sig[len(sig)-1] ^= 0x01
	}
	response := map[string]any{
		"clientDataJSON":    b64.EncodeToString(clientData),
		"authenticatorData": b64.EncodeToString(authData),
		"signature":         b64.EncodeToString(sig),
	}
	if !c.OmitUserHandle {
		response["userHandle"] = b64.EncodeToString(cred.UserHandle)
	}
	return json.Marshal(map[string]any{
		"id":                      b64.EncodeToString(cred.ID),
		"rawId":                   b64.EncodeToString(cred.ID),
		"type":                    "public-key",
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
		"response":                response,
	})
}

// clientDataJSON is the CollectedClientData the browser signs over
// (WebAuthn Level 3 section 5.8.1), members in the order browsers write
// them.
func clientDataJSON(typ string, challenge []byte, c Ceremony) []byte {
	type collected struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
		TopOrigin   string `json:"topOrigin,omitempty"`
	}
	b, _ := json.Marshal(collected{typ, b64.EncodeToString(challenge), c.Origin, c.CrossOrigin, c.TopOrigin})
	return b
}

// authenticatorData is the fixed part of the authenticator data: rpIdHash,
// flags, signCount.
func authenticatorData(rpID string, flags byte, signCount uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	b := append(h[:], flags)
	return binary.BigEndian.AppendUint32(b, signCount)
}

func flags(c Ceremony, backupEligible, backupState bool) byte {
	var f byte
	if !c.NoUserPresence {
		f |= flagUP
	}
	if !c.NoUserVerification {
		f |= flagUV
	}
	if backupEligible {
		f |= flagBE
	}
	if backupState {
		f |= flagBS
	}
	return f
}

// coseKey is the COSE_Key of an ES256 public key (RFC 9053 section 7.1.1):
// kty EC2, alg ES256, crv P-256, x, y.
func coseKey(pub *ecdsa.PublicKey) []byte {
	raw, _ := pub.Bytes() // 0x04 || x || y
	b := cborMap(nil, 5)
	b = cborInt(cborInt(b, 1), 2)
	b = cborInt(cborInt(b, 3), algES256)
	b = cborInt(cborInt(b, -1), 1)
	b = cborBytes(cborInt(b, -2), raw[1:33])
	b = cborBytes(cborInt(b, -3), raw[33:65])
	return b
}

// cmpOr returns v unless it is the zero value, else def.
func cmpOr[T ~string | ~[]byte](v, def T) T {
	if len(v) != 0 {
		return v
	}
	return def
}
