package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/usersauth/usersauth/auth"
)

// argon2idHash is the PHC string of password under m, t and p, with a fixed
// salt.
func argon2idHash(password string, m, t uint32, p uint8) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p, b64(salt), b64(key))
}

// TestImportedHashCost: under the default limits a stored hash may cost
// what FastAPI Users' own hashes cost and no more. A costlier one is
// refused before any hashing, however it spends its cost.
func TestImportedHashCost(t *testing.T) {
	h := newHasher(t, auth.HasherOptions{Params: auth.DefaultArgon2Params()})
	ctx := context.Background()
	t.Run("admitted", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			m, t uint32
			p    uint8
		}{
			{"FastAPI Users' defaults", 65536, 3, 4},
			// OWASP Password Storage Cheat Sheet's five argon2id
			// configurations: memory traded for passes.
			{"OWASP m=47104 t=1", 47104, 1, 1},
			{"OWASP m=19456 t=2", 19456, 2, 1},
			{"OWASP m=12288 t=3", 12288, 3, 1},
			{"OWASP m=9216 t=4", 9216, 4, 1},
			{"OWASP m=7168 t=5", 7168, 5, 1},
			{"sixteen passes over 8 MiB", 8192, 16, 1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				encoded := argon2idHash("guinevere", tt.m, tt.t, tt.p)
				before := h.Stats().Verifies
				ok, _, err := h.Verify(ctx, "guinevere", encoded)
				if err != nil || !ok {
					t.Fatalf("Verify = %v, %v; want true, nil", ok, err)
				}
				if n := h.Stats().Verifies - before; n != 1 {
					t.Errorf("Verifies grew by %d, want 1", n)
				}
			})
		}
	})
	t.Run("refused", func(t *testing.T) {
		const tail = "$MDEyMzQ1Njc4OWFiY2RlZg$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ"
		for _, tt := range []struct{ name, encoded, why string }{
			{"a fourth pass over 64 MiB", "$argon2id$v=19$m=65536,t=4,p=4" + tail, "work"},
			{"128 MiB in one pass", "$argon2id$v=19$m=131072,t=1,p=1" + tail, "memory"},
			{"eight lanes", "$argon2id$v=19$m=19456,t=2,p=8" + tail, "parallelism"},
			{"seventeen passes over 8 KiB", "$argon2id$v=19$m=8,t=17,p=1" + tail, "iterations"},
			{"256 MiB, sixteen passes, sixteen lanes", "$argon2id$v=19$m=262144,t=16,p=16" + tail, "parallelism"},
			{"bcrypt cost 13", strings.Replace(bcryptHash, "$12$", "$13$", 1), "bcrypt: cost"},
			{"bcrypt cost 15", strings.Replace(bcryptHash, "$12$", "$15$", 1), "bcrypt: cost"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before := h.Stats().Verifies
				ok, rehash, err := h.Verify(ctx, "guinevere", tt.encoded)
				if !errors.Is(err, auth.ErrMalformedHash) || ok || rehash {
					t.Fatalf("Verify = %v, %v, %v; want false, false, ErrMalformedHash", ok, rehash, err)
				}
				if !strings.Contains(err.Error(), tt.why) {
					t.Errorf("error %q does not say %q", err, tt.why)
				}
				if n := h.Stats().Verifies - before; n != 0 {
					t.Errorf("a refused hash cost %d verifications", n)
				}
			})
		}
	})
}

// TestLimitsAdmitOwnParams: a hasher whose Params cost more than FastAPI
// Users' grows the default limits to verify its own hashes, and no further.
func TestLimitsAdmitOwnParams(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name        string
		params      auth.Argon2Params
		one, beyond string
	}{
		{"five lanes", auth.Argon2Params{Memory: 40, Iterations: 1, Parallelism: 5, SaltLength: 16, KeyLength: 32},
			argon2idHash("pw", 40, 1, 5), argon2idHash("pw", 48, 1, 6)},
		{"seventeen passes", auth.Argon2Params{Memory: 8, Iterations: 17, Parallelism: 1, SaltLength: 16, KeyLength: 32},
			argon2idHash("pw", 8, 17, 1), argon2idHash("pw", 8, 18, 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHasher(t, auth.HasherOptions{Params: tt.params})
			own, err := h.Hash(ctx, "pw")
			if err != nil {
				t.Fatal(err)
			}
			for _, encoded := range []string{own, tt.one} {
				if ok, rehash, err := h.Verify(ctx, "pw", encoded); err != nil || !ok || rehash {
					t.Errorf("Verify(%.32s) = %v, %v, %v; want true, false, nil", encoded, ok, rehash, err)
				}
			}
			if _, _, err := h.Verify(ctx, "pw", tt.beyond); !errors.Is(err, auth.ErrMalformedHash) {
				t.Errorf("Verify(costlier) = %v, want ErrMalformedHash", err)
			}
		})
	}
}
