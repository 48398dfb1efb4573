package backend

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseKeyPEM(t *testing.T) {
	f := loadAccess(t)
	rsaKey := f.privateKey(t, "rsa_2048")
	if _, ok := rsaKey.(*rsa.PrivateKey); !ok {
		t.Fatalf("rsa_2048 parsed as %T", rsaKey)
	}
	ecKey := f.privateKey(t, "ec_p256")
	if _, ok := ecKey.(*ecdsa.PrivateKey); !ok {
		t.Fatalf("ec_p256 parsed as %T", ecKey)
	}
	for _, name := range []string{"rsa_2048", "ec_p256", "rsa_2048_other", "ec_p256_other"} {
		priv, pub := f.privateKey(t, name), f.publicKey(t, name)
		if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Errorf("%s: public key does not match the private key", name)
		}
	}

	// The other encodings openssl and Go write.
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey.(*rsa.PrivateKey))})
	if k, err := ParsePrivateKeyPEM(pkcs1); err != nil || !k.(*rsa.PrivateKey).Equal(rsaKey) {
		t.Errorf("PKCS#1 private key: %v", err)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	if k, err := ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})); err != nil || !k.(*ecdsa.PrivateKey).Equal(ecKey) {
		t.Errorf("SEC 1 private key: %v", err)
	}
	rsaPub1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaKey.Public().(*rsa.PublicKey))})
	if k, err := ParsePublicKeyPEM(rsaPub1); err != nil || !k.(*rsa.PublicKey).Equal(rsaKey.Public()) {
		t.Errorf("PKCS#1 public key: %v", err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER}))
	if err != nil {
		t.Fatal(err)
	}
	s := NewJWT(JWTConfig{Algorithm: "EdDSA", PrivateKey: k, Lifetime: time.Hour})
	if err := s.Validate(); err != nil {
		t.Fatalf("Ed25519 PEM key unusable: %v", err)
	}
}

func TestParseKeyPEMErrors(t *testing.T) {
	f := loadAccess(t)
	privPEM, pubPEM := f.Keys["rsa_2048"].Private, f.Keys["rsa_2048"].Public
	encrypted := strings.Replace(privPEM, "-----BEGIN PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n", 1)
	for _, tc := range []struct {
		name    string
		data    string
		private bool
	}{
		{"empty private", "", true},
		{"empty public", "", false},
		{"not PEM", "secret", true},
		{"public key as private", pubPEM, true},
		{"private key as public", privPEM, false},
		{"two blocks", privPEM + privPEM, true},
		{"encrypted", encrypted, true},
		{"certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", false},
		{"garbage DER private", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", true},
		{"garbage DER public", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.private {
				_, err = ParsePrivateKeyPEM([]byte(tc.data))
			} else {
				_, err = ParsePublicKeyPEM([]byte(tc.data))
			}
			if !errors.Is(err, ErrKeyPEM) {
				t.Fatalf("error %v, want ErrKeyPEM", err)
			}
			if strings.Contains(err.Error(), "MII") {
				t.Fatal("error text quotes key material")
			}
		})
	}
}
