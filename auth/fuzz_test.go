package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/usersauth/usersauth/auth"
)

// FuzzVerify: any password against any stored string never panics, fails
// only as ErrMalformedHash, and verifies alike through a Slot. The limits are tiny so that whatever
// parses is cheap to verify.
func FuzzVerify(f *testing.F) {
	h, err := auth.NewPasswordHasher(auth.HasherOptions{
		Params: auth.Argon2Params{Memory: 8, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 16},
		Limits: auth.Limits{MaxMemory: 64, MaxIterations: 2, MaxParallelism: 2, MaxSaltLength: 32, MaxKeyLength: 32, MaxBcryptCost: 4},
	})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	own, err := h.Hash(ctx, "guinevere")
	if err != nil {
		f.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	argon2i := "$argon2i$v=19$m=16,t=2,p=2$MDEyMzQ1Njc4OWFiY2RlZg$" + b64(argon2.Key([]byte("guinevere"), salt, 2, 16, 2, 16))
	bc, err := bcrypt.GenerateFromPassword([]byte("guinevere"), bcrypt.MinCost)
	if err != nil {
		f.Fatal(err)
	}
	for _, enc := range []string{own, argon2i, string(bc), owaspHash, bcryptHash, "", "$argon2d$v=19$m=16,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add("guinevere", enc)
		f.Add("", enc)
		f.Add(strings.Repeat("é", 40), enc)
	}
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, rehash, err := h.Verify(ctx, password, encoded)
		// A Slot verifies exactly as the hasher does.
		s, serr := h.Acquire(ctx)
		if serr != nil {
			t.Fatal(serr)
		}
		sok, srehash, serr := s.Verify(password, encoded)
		s.Release()
		if sok != ok || srehash != rehash || (serr == nil) != (err == nil) {
			t.Fatalf("Slot.Verify = %v, %v, %v; Verify = %v, %v, %v", sok, srehash, serr, ok, rehash, err)
		}
		if err != nil {
			if !errors.Is(err, auth.ErrMalformedHash) || ok || rehash {
				t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
			}
			return
		}
		if ok && strings.HasPrefix(encoded, "$2") && len(password) > 72 {
			t.Fatal("a password over 72 bytes matched a bcrypt hash")
		}
	})
}

// FuzzIsRandomToken checks the format test against its definition: exactly
// the strings that strict unpadded base64url decodes to 32 bytes and encodes
// back unchanged (the encoder rejects nothing the decoder skips, such as
// line breaks).
func FuzzIsRandomToken(f *testing.F) {
	f.Add("ql7IYJMuF0Qd1wcQDTTNQFFALeyzzS2T2_DaX10sUvs")
	f.Add("ql7IYJMuF0Qd1wcQDTTNQFFALeyzzS2T2_DaX10sUvt")
	f.Add("ql7IYJMuF0Qd1wcQDTTNQFFALeyzzS2T2_DaX10sUv\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		b, err := base64.RawURLEncoding.Strict().DecodeString(token)
		want := err == nil && len(b) == auth.RandomTokenBytes && base64.RawURLEncoding.EncodeToString(b) == token
		if got := auth.IsRandomToken(token); got != want {
			t.Fatalf("IsRandomToken(%q) = %v, want %v", token, got, want)
		}
	})
}
