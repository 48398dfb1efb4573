package passkeytest

import (
	"encoding/hex"
	"errors"
	"testing"
)

// TestCBOR checks the encoder against the examples of RFC 8949 appendix A.
func TestCBOR(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"0", cborInt(nil, 0), "00"},
		{"23", cborInt(nil, 23), "17"},
		{"24", cborInt(nil, 24), "1818"},
		{"100", cborInt(nil, 100), "1864"},
		{"1000", cborInt(nil, 1000), "1903e8"},
		{"1000000", cborInt(nil, 1000000), "1a000f4240"},
		{"1000000000000", cborInt(nil, 1000000000000), "1b000000e8d4a51000"},
		{"-1", cborInt(nil, -1), "20"},
		{"-10", cborInt(nil, -10), "29"},
		{"-100", cborInt(nil, -100), "3863"},
		{"-1000", cborInt(nil, -1000), "3903e7"},
		{"bytes", cborBytes(nil, []byte{1, 2, 3, 4}), "4401020304"},
		{"text", cborText(nil, "IETF"), "6449455446"},
		{"emptyMap", cborMap(nil, 0), "a0"},
		{"map", cborInt(cborInt(cborInt(cborInt(cborMap(nil, 2), 1), 2), 3), 4), "a201020304"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(tc.got); got != tc.want {
				t.Fatalf("= %s, want %s", got, tc.want)
			}
		})
	}
}

const createOptions = `{"publicKey":{"rp":{"id":"camelot.bt","name":"Camelot"},"user":{"id":"AQID","name":"a"},"challenge":"AAAAAAAAAAAAAAAAAAAAAA","pubKeyCredParams":[{"type":"public-key","alg":-7}]}}`

func TestRefusals(t *testing.T) {
	a := New()
	answer, err := a.Create([]byte(createOptions), Ceremony{Origin: "https://camelot.bt"})
	if err != nil || len(answer) == 0 {
		t.Fatalf("Create = %s, %v", answer, err)
	}
	id := b64.EncodeToString(a.Credentials()[0].ID)
	for _, tc := range []struct {
		name string
		call func() ([]byte, error)
		want error
	}{
		{"Excluded", func() ([]byte, error) {
			return a.Create([]byte(`{"publicKey":{"rp":{"id":"camelot.bt"},"user":{"id":"BAU"},"challenge":"AA","pubKeyCredParams":[{"type":"public-key","alg":-7}],"excludeCredentials":[{"type":"public-key","id":"`+id+`"}]}}`), Ceremony{})
		}, ErrExcluded},
		{"NoES256", func() ([]byte, error) {
			return a.Create([]byte(`{"publicKey":{"rp":{"id":"camelot.bt"},"user":{"id":"BAU"},"challenge":"AA","pubKeyCredParams":[{"type":"public-key","alg":-8}]}}`), Ceremony{})
		}, ErrUnsupported},
		{"NotJSON", func() ([]byte, error) { return a.Get([]byte(`{`), Ceremony{}) }, ErrUnsupported},
		{"OtherRelyingParty", func() ([]byte, error) {
			return a.Get([]byte(`{"publicKey":{"challenge":"AA","rpId":"mordred.bt"}}`), Ceremony{})
		}, ErrNoCredential},
		{"NotAllowed", func() ([]byte, error) {
			return a.Get([]byte(`{"publicKey":{"challenge":"AA","rpId":"camelot.bt","allowCredentials":[{"type":"public-key","id":"AQ"}]}}`), Ceremony{})
		}, ErrNoCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.call(); !errors.Is(err, tc.want) {
				t.Fatalf("= %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("CounterIncreases", func(t *testing.T) {
		for want := uint32(1); want <= 2; want++ {
			if _, err := a.Get([]byte(`{"publicKey":{"challenge":"AA","rpId":"camelot.bt"}}`), Ceremony{}); err != nil {
				t.Fatal(err)
			}
			if got := a.Credentials()[0].SignCount; got != want {
				t.Fatalf("SignCount = %d, want %d", got, want)
			}
		}
	})
}
