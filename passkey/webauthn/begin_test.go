package webauthn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

// counterReader yields 0, 1, 2... so challenges are predictable.
type counterReader struct{ n byte }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// creationJSON is PublicKeyCredentialCreationOptionsJSON, the members the
// tests check.
type creationJSON struct {
	PublicKey struct {
		RP struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rp"`
		User struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
		Challenge string `json:"challenge"`
		Params    []struct {
			Type string `json:"type"`
			Alg  int    `json:"alg"`
		} `json:"pubKeyCredParams"`
		Timeout int `json:"timeout"`
		Exclude []struct {
			Type       string   `json:"type"`
			ID         string   `json:"id"`
			Transports []string `json:"transports"`
		} `json:"excludeCredentials"`
		Selection struct {
			RequireResidentKey *bool  `json:"requireResidentKey"`
			ResidentKey        string `json:"residentKey"`
			UserVerification   string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Attestation string `json:"attestation"`
	} `json:"publicKey"`
}

type requestJSON struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		Timeout   int    `json:"timeout"`
		RPID      string `json:"rpId"`
		Allow     []struct {
			Type       string   `json:"type"`
			ID         string   `json:"id"`
			Transports []string `json:"transports"`
		} `json:"allowCredentials"`
		UserVerification string `json:"userVerification"`
	} `json:"publicKey"`
}

func decodeStrict(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("options %s: %v", b, err)
	}
}

func TestBeginRegistrationOptions(t *testing.T) {
	rp, _ := newRP(t, func(c *webauthn.Config) { c.Rand = &counterReader{} })
	u := passkey.User{
		ID: uuid.MustParse("5e0c2a1b-7d3f-4e8a-9b6c-0d1e2f3a4b5c"), Name: "king.arthur@camelot.bt",
		Credentials: []passkey.Credential{
			{ID: []byte{1, 2, 3}, Transports: []string{"usb", "nfc", "telepathy"}},
			{ID: []byte{4, 5}},
		},
	}
	c, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	var o creationJSON
	decodeStrict(t, c.Options, &o)
	pk := o.PublicKey
	for _, check := range []struct {
		name      string
		got, want any
	}{
		{"rp.id", pk.RP.ID, testRPID},
		{"rp.name", pk.RP.Name, "Camelot"},
		{"user.id", pk.User.ID, b64.EncodeToString(u.ID[:])},
		{"user.name", pk.User.Name, u.Name},
		{"user.displayName", pk.User.DisplayName, u.Name},
		{"challenge", pk.Challenge, b64.EncodeToString(counting(32))},
		{"timeout", pk.Timeout, int(webauthn.DefaultTimeout / time.Millisecond)},
		{"requireResidentKey", pk.Selection.RequireResidentKey != nil && *pk.Selection.RequireResidentKey, true},
		{"residentKey", pk.Selection.ResidentKey, "required"},
		{"userVerification", pk.Selection.UserVerification, "preferred"},
		{"attestation", pk.Attestation, "none"},
		{"excluded", len(pk.Exclude), 2},
		{"excluded[0].id", pk.Exclude[0].ID, b64.EncodeToString([]byte{1, 2, 3})},
		{"excluded[0].transports", slices.Equal(pk.Exclude[0].Transports, []string{"usb", "nfc"}), true},
		{"excluded[1].id", pk.Exclude[1].ID, b64.EncodeToString([]byte{4, 5})},
		{"excluded[1].type", pk.Exclude[1].Type, "public-key"},
	} {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
		}
	}
	var algs []int
	for _, p := range pk.Params {
		algs = append(algs, p.Alg)
	}
	if !slices.Equal(algs, []int{-8, -7, -257}) {
		t.Errorf("pubKeyCredParams algorithms = %v, want Ed25519, ES256, RS256", algs)
	}
	if want := append(append([]byte(`{"publicKey":`), c.PublicKey...), '}'); !bytes.Equal(c.Options, want) {
		t.Errorf("Options is not {\"publicKey\": PublicKey}:\n%s\n%s", c.Options, c.PublicKey)
	}
	if !c.Expires.Equal(start.Add(webauthn.DefaultTimeout)) {
		t.Errorf("Expires = %v, want %v", c.Expires, start.Add(webauthn.DefaultTimeout))
	}
	if len(c.Session) == 0 || bytes.Contains(c.Session, []byte(u.Name)) {
		t.Errorf("session data %s: empty, or holds the user's name", c.Session)
	}
}

// counting returns 0, 1, ..., n-1.
func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestBeginRegistrationDisplayName(t *testing.T) {
	rp, _ := newRP(t, nil)
	c, err := rp.BeginRegistration(passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt", DisplayName: "Arthur Pendragon"})
	if err != nil {
		t.Fatal(err)
	}
	var o creationJSON
	decodeStrict(t, c.Options, &o)
	if o.PublicKey.User.DisplayName != "Arthur Pendragon" || o.PublicKey.Exclude != nil {
		t.Fatalf("user %+v, excluded %+v", o.PublicKey.User, o.PublicKey.Exclude)
	}
}

func TestBeginLoginOptions(t *testing.T) {
	rp, _ := newRP(t, func(c *webauthn.Config) {
		c.Rand = &counterReader{}
		c.UserVerification = webauthn.UserVerificationRequired
		c.Timeout = 2 * time.Minute
	})
	t.Run("Discoverable", func(t *testing.T) {
		c, err := rp.BeginLogin()
		if err != nil {
			t.Fatal(err)
		}
		var o requestJSON
		decodeStrict(t, c.Options, &o)
		pk := o.PublicKey
		if pk.RPID != testRPID || pk.Allow != nil || pk.UserVerification != "required" || pk.Timeout != 120000 || len(pk.Challenge) != 43 {
			t.Fatalf("options %s", c.Options)
		}
		if !c.Expires.Equal(start.Add(2 * time.Minute)) {
			t.Errorf("Expires = %v", c.Expires)
		}
	})
	t.Run("ForUser", func(t *testing.T) {
		u := passkey.User{ID: uuid.New(), Credentials: []passkey.Credential{
			{ID: []byte{9, 9}, Transports: []string{"internal", "hybrid", "internal"}},
			{ID: []byte{7}},
		}}
		c, err := rp.BeginLoginFor(u)
		if err != nil {
			t.Fatal(err)
		}
		var o requestJSON
		decodeStrict(t, c.Options, &o)
		pk := o.PublicKey
		if pk.RPID != testRPID || len(pk.Allow) != 2 || pk.Allow[0].ID != b64.EncodeToString([]byte{9, 9}) ||
			pk.Allow[1].ID != b64.EncodeToString([]byte{7}) || pk.Allow[1].Transports != nil {
			t.Fatalf("options %s", c.Options)
		}
	})
	t.Run("ChallengesDiffer", func(t *testing.T) {
		a, _ := rp.BeginLogin()
		b, _ := rp.BeginLogin()
		var oa, ob requestJSON
		decodeStrict(t, a.Options, &oa)
		decodeStrict(t, b.Options, &ob)
		if oa.PublicKey.Challenge == ob.PublicKey.Challenge {
			t.Fatal("two ceremonies got one challenge")
		}
	})
}

func TestBeginRefusals(t *testing.T) {
	rp, _ := newRP(t, nil)
	broken, _ := newRP(t, func(c *webauthn.Config) { c.Rand = io.LimitReader(&counterReader{}, 10) })
	for _, tc := range []struct {
		name  string
		begin func() (passkey.Ceremony, error)
		want  error
	}{
		{"RegistrationNoID", func() (passkey.Ceremony, error) { return rp.BeginRegistration(passkey.User{Name: "a@camelot.bt"}) }, passkey.ErrInvalidUser},
		{"RegistrationNoName", func() (passkey.Ceremony, error) { return rp.BeginRegistration(passkey.User{ID: uuid.New()}) }, passkey.ErrInvalidUser},
		{"LoginForNoID", func() (passkey.Ceremony, error) {
			return rp.BeginLoginFor(passkey.User{Credentials: []passkey.Credential{{ID: []byte{1}}}})
		}, passkey.ErrInvalidUser},
		{"LoginForNoCredentials", func() (passkey.Ceremony, error) { return rp.BeginLoginFor(passkey.User{ID: uuid.New()}) }, passkey.ErrNoCredentials},
		{"RandomnessFails", func() (passkey.Ceremony, error) { return broken.BeginLogin() }, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.begin()
			if !errors.Is(err, tc.want) || c.Session != nil {
				t.Fatalf("= %+v, %v; want %v", c, err, tc.want)
			}
		})
	}
}
