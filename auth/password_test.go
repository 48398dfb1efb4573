package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

var _ user.PasswordHasher = (*auth.PasswordHasher)(nil)

// smallParams keep tests fast where the cost of a hash does not matter.
func smallParams() auth.Argon2Params {
	return auth.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

func newHasher(t testing.TB, opts auth.HasherOptions) *auth.PasswordHasher {
	t.Helper()
	if opts.Params == (auth.Argon2Params{}) {
		opts.Params = smallParams()
	}
	h, err := auth.NewPasswordHasher(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Real hashes from FastAPI Users (testdata/hashes.json), password "guinevere".
const (
	owaspHash  = "$argon2id$v=19$m=19456,t=2,p=1$wILCLnFcRp8Y6tOSCrFdYA$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ"
	bcryptHash = "$2b$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm."
)

func TestHashFormat(t *testing.T) {
	// A fixed salt makes the hash reproducible: argon2-cffi gives the same
	// string for the same password, salt and parameters.
	h := newHasher(t, auth.HasherOptions{
		Params: auth.DefaultArgon2Params(),
		Rand:   bytes.NewReader(bytes.Repeat([]byte{0xc0}, 16)),
	})
	got, err := h.Hash(context.Background(), "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$wMDAwMDAwMDAwMDAwMDAwA$"
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("Hash = %q, want prefix %q", got, prefix)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9+/]{43}$`).MatchString(strings.TrimPrefix(got, prefix)) {
		t.Errorf("hash part of %q is not 32 bytes of unpadded standard base64", got)
	}
	key := argon2.IDKey([]byte("guinevere"), bytes.Repeat([]byte{0xc0}, 16), 2, 19456, 1, 32)
	if want := prefix + b64(key); got != want {
		t.Errorf("Hash = %q, want %q", got, want)
	}
	ok, rehash, err := h.Verify(context.Background(), "guinevere", got)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(own hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestHashRoundTrip(t *testing.T) {
	h := newHasher(t, auth.HasherOptions{})
	tests := []struct {
		name, password string
		wrong          []string
	}{
		{"ascii", "guinevere", []string{"Guinevere", "guinevere ", " guinevere", "guinever", ""}},
		{"empty", "", []string{" ", "\x00"}},
		{"single char", "x", []string{"y", "X"}},
		// NFC as typed; NFD and NFKC spellings are other passwords (no
		// normalisation, as in FastAPI Users).
		{"non-ascii", "pässwörd ﬁ 🔑", []string{"pa\u0308sswo\u0308rd ﬁ 🔑", "pässwörd fi 🔑"}},
		{"nul byte", "a\x00b", []string{"a", "a\x00c"}},
		{"invalid utf-8", "\xff\xfe", []string{"\xff"}},
		{"long", strings.Repeat("é", 512), []string{strings.Repeat("é", 511)}},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded, err := h.Hash(ctx, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
				t.Errorf("Hash = %q: wrong parameters", encoded)
			}
			ok, rehash, err := h.Verify(ctx, tt.password, encoded)
			if err != nil || !ok || rehash {
				t.Errorf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
			}
			for _, w := range tt.wrong {
				ok, rehash, err := h.Verify(ctx, w, encoded)
				if err != nil || ok || rehash {
					t.Errorf("Verify(%q) = %v, %v, %v; want false, false, nil", w, ok, rehash, err)
				}
			}
		})
	}
	t.Run("salts differ", func(t *testing.T) {
		a, _ := h.Hash(ctx, "same")
		b, _ := h.Hash(ctx, "same")
		if a == b {
			t.Error("two hashes of one password are equal: salt not random")
		}
	})
}

func TestHashRandFailure(t *testing.T) {
	h := newHasher(t, auth.HasherOptions{Rand: bytes.NewReader(make([]byte, 3))})
	if _, err := h.Hash(context.Background(), "x"); err == nil {
		t.Fatal("Hash with a short Rand succeeded")
	}
	if s := h.Stats(); s.Hashes != 0 {
		t.Errorf("Stats().Hashes = %d after a failed salt, want 0", s.Hashes)
	}
}

func TestNeedsRehashParams(t *testing.T) {
	ctx := context.Background()
	base := smallParams()
	current := newHasher(t, auth.HasherOptions{Params: base})
	tests := []struct {
		name   string
		change func(*auth.Argon2Params)
		want   bool
	}{
		{"same", func(*auth.Argon2Params) {}, false},
		{"memory", func(p *auth.Argon2Params) { p.Memory = 128 }, true},
		{"iterations", func(p *auth.Argon2Params) { p.Iterations = 2 }, true},
		{"parallelism", func(p *auth.Argon2Params) { p.Parallelism = 2 }, true},
		{"salt length", func(p *auth.Argon2Params) { p.SaltLength = 32 }, true},
		{"key length", func(p *auth.Argon2Params) { p.KeyLength = 16 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.change(&p)
			encoded, err := newHasher(t, auth.HasherOptions{Params: p}).Hash(ctx, "pw")
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := current.Verify(ctx, "pw", encoded)
			if err != nil || !ok || rehash != tt.want {
				t.Errorf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tt.want)
			}
		})
	}
	t.Run("argon2i", func(t *testing.T) {
		key := argon2.Key([]byte("pw"), []byte("0123456789abcdef"), base.Iterations, base.Memory, base.Parallelism, base.KeyLength)
		encoded := "$argon2i$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + b64(key)
		ok, rehash, err := current.Verify(ctx, "pw", encoded)
		if err != nil || !ok || !rehash {
			t.Errorf("Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
		}
	})
}

func TestVerifyMalformed(t *testing.T) {
	const (
		salt = "wILCLnFcRp8Y6tOSCrFdYA"
		key  = "lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ"
		head = "$argon2id$v=19$m=19456,t=2,p=1$"
	)
	tests := []struct{ name, encoded, why string }{
		{"empty", "", "empty"},
		{"plain text", "guinevere", "unknown scheme"},
		{"dollar only", "$", "unknown scheme"},
		{"unknown scheme", "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "unknown scheme"},
		{"pbkdf2", "$pbkdf2-sha256$29000$N2bMOQ$ZgQOfH.C6Nbx0FRzQaFJ8LXcz+TE8jZ3GLL7JVFL7jM", "unknown scheme"},
		{"argon2d", "$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "argon2d"},
		{"upper-case variant", "$ARGON2ID$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "unknown scheme"},
		{"argon2 no variant", "$argon2$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "variant"},
		{"version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, "version"},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, "fields"},
		{"params reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key, "m=<n>"},
		{"param missing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, "m=<n>"},
		{"extra param", "$argon2id$v=19$m=19456,t=2,p=1,keyid=AA$" + salt + "$" + key, "m=<n>"},
		{"data param", "$argon2id$v=19$m=19456,t=2,p=1,data=AA$" + salt + "$" + key, "m=<n>"},
		{"space in params", "$argon2id$v=19$m=19456, t=2,p=1$" + salt + "$" + key, "m=<n>"},
		{"leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key, "m=<n>"},
		{"plus sign", "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key, "m=<n>"},
		{"negative", "$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key, "m=<n>"},
		{"empty number", "$argon2id$v=19$m=,t=2,p=1$" + salt + "$" + key, "m=<n>"},
		{"huge number", "$argon2id$v=19$m=99999999999999999999,t=2,p=1$" + salt + "$" + key, "m=<n>"},
		{"zero iterations", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, "iterations"},
		{"zero parallelism", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, "parallelism"},
		{"memory below 8p", "$argon2id$v=19$m=31,t=1,p=4$" + salt + "$" + key, "memory"},
		{"memory above limit", "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, "memory"},
		{"iterations above limit", "$argon2id$v=19$m=19456,t=17,p=1$" + salt + "$" + key, "iterations"},
		{"parallelism above limit", "$argon2id$v=19$m=19456,t=2,p=17$" + salt + "$" + key, "parallelism"},
		{"parallelism above uint8", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key, "parallelism"},
		// Above FastAPI Users' parameters, the default limits.
		{"memory above FastAPI Users'", "$argon2id$v=19$m=65537,t=1,p=1$" + salt + "$" + key, "memory out of bounds (m=65537 KiB above Limits.MaxMemory 65536)"},
		{"work above FastAPI Users'", "$argon2id$v=19$m=65536,t=4,p=4$" + salt + "$" + key, "work out of bounds (m*t=262144 above Limits.MaxWork 196608)"},
		{"parallelism above FastAPI Users'", "$argon2id$v=19$m=19456,t=2,p=5$" + salt + "$" + key, "parallelism out of bounds (p=5 above Limits.MaxParallelism 4)"},
		{"the old limits' planted hash", "$argon2id$v=19$m=262144,t=16,p=16$" + salt + "$" + key, "parallelism"},
		{"padded salt", head + salt + "==$" + key, "salt: not canonical"},
		{"padded key", head + salt + "$" + key + "=", "hash: not canonical"},
		{"url-safe base64", head + salt + "$" + strings.ReplaceAll(key, "/", "_"), "hash: not canonical"},
		{"salt trailing bits", head + "wILCLnFcRp8Y6tOSCrFdYB$" + key, "salt: not canonical"},
		{"key trailing bits", head + salt + "$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzR", "hash: not canonical"},
		{"newline in salt", head + "wILCLnFcRp8Y\n6tOSCrFdYA$" + key, "salt: not canonical"},
		{"newline at end", head + salt + "$" + key + "\n", "hash: not canonical"},
		{"salt impossible length", head + "wILCL$" + key, "salt: length"},
		{"salt too short", head + "AAAAAAAAAA$" + key, "salt: length"},                // 7 bytes
		{"salt too long", head + strings.Repeat("A", 88) + "$" + key, "salt: length"}, // 66 bytes
		{"key too short", head + salt + "$AAAA", "hash: length"},                      // 3 bytes
		{"key too long", head + salt + "$" + strings.Repeat("A", 88), "hash: length"}, // 66 bytes
		{"empty salt", head + "$" + key, "salt: length"},
		{"no key", head + salt, "fields"},
		{"empty key", head + salt + "$", "hash: length"},
		{"extra field", head + salt + "$" + key + "$" + key, "fields"},
		{"trailing dollar", head + salt + "$" + key + "$", "fields"},
		{"leading space", " " + head + salt + "$" + key, "unknown scheme"},
		{"very long", head + salt + "$" + key + strings.Repeat("A", 1<<20), "too long"},
		{"bcrypt 2x", "$2x$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "$2x$"},
		{"bcrypt 2", "$2$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "bcrypt: wrong length"},
		{"bcrypt 2c", "$2c$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "bcrypt: unknown version"},
		{"bcrypt 3", "$3b$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "unknown scheme"},
		{"bcrypt short", bcryptHash[:59], "bcrypt: wrong length"},
		{"bcrypt long", bcryptHash + ".", "bcrypt: wrong length"},
		{"bcrypt cost 3", "$2b$03$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "cost out of bounds"},
		{"bcrypt cost above limit", "$2b$16$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "cost out of bounds"},
		{"bcrypt cost above FastAPI Users'", "$2b$13$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "cost out of bounds (13 above Limits.MaxBcryptCost 12)"},
		{"bcrypt cost 31", "$2b$31$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "cost out of bounds"},
		{"bcrypt cost one digit", "$2b$9$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm..", "layout"},
		{"bcrypt cost not digits", "$2b$1a$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "two digits"},
		{"bcrypt missing separator", "$2b$12s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm..", "layout"},
		{"bcrypt salt trailing bits", "$2b$12$s/LUuMPqGSkyO.i7z.RPyvVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "bcrypt: salt"},
		{"bcrypt hash trailing bits", "$2b$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm/", "bcrypt: hash"},
		{"bcrypt bad character", "$2b$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ+xzsLAQJYNTSmEm.", "bcrypt: hash"},
		{"bcrypt upper-case prefix", "$2B$12$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", "bcrypt: unknown version"},
	}
	h := newHasher(t, auth.HasherOptions{})
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, "guinevere", tt.encoded)
			if !errors.Is(err, auth.ErrMalformedHash) || ok || rehash {
				t.Fatalf("Verify = %v, %v, %v; want false, false, ErrMalformedHash", ok, rehash, err)
			}
			if !strings.Contains(err.Error(), tt.why) {
				t.Errorf("error %q does not say %q", err, tt.why)
			}
			if tt.encoded != "" && strings.Contains(err.Error(), tt.encoded) {
				t.Errorf("error %q contains the hash", err)
			}
		})
	}
	if s := h.Stats(); s.Verifies != 0 {
		t.Errorf("Stats().Verifies = %d: malformed hashes were hashed", s.Verifies)
	}
	// The base strings themselves are well formed.
	if _, _, err := h.Verify(ctx, "guinevere", owaspHash); err != nil {
		t.Errorf("control hash: %v", err)
	}
}

// TestVerifyPlantedHashAllocatesNothing: a hash asking for 4 GiB is refused
// before any memory is taken.
func TestVerifyPlantedHashAllocatesNothing(t *testing.T) {
	h := newHasher(t, auth.HasherOptions{})
	const planted = "$argon2id$v=19$m=4194304,t=2,p=1$wILCLnFcRp8Y6tOSCrFdYA$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ok, _, err := h.Verify(context.Background(), "guinevere", planted)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, auth.ErrMalformedHash) || ok {
		t.Fatalf("Verify = %v, %v; want false, ErrMalformedHash", ok, err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("refusing the planted hash allocated %d bytes", n)
	}
	if s := h.Stats(); s.Verifies != 0 {
		t.Errorf("Stats().Verifies = %d, want 0", s.Verifies)
	}
}

func TestLimitsConfigurable(t *testing.T) {
	ctx := context.Background()
	strict := newHasher(t, auth.HasherOptions{Limits: auth.Limits{MaxMemory: 1024, MaxBcryptCost: 10}})
	for name, encoded := range map[string]string{"argon2 memory": owaspHash, "bcrypt cost": bcryptHash} {
		if _, _, err := strict.Verify(ctx, "guinevere", encoded); !errors.Is(err, auth.ErrMalformedHash) {
			t.Errorf("%s over a configured limit: err = %v, want ErrMalformedHash", name, err)
		}
	}
}

func TestBcryptLongPasswords(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, auth.HasherOptions{})
	pw72 := strings.Repeat("k", 72)
	hash72, err := bcrypt.GenerateFromPassword([]byte(pw72), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	// Go's bcrypt reads only 72 bytes when comparing; our rule must not
	// depend on it.
	libraryTruncates := bcrypt.CompareHashAndPassword(hash72, []byte(pw72+"!")) == nil
	t.Logf("x/crypto/bcrypt compares only the first 72 bytes: %v", libraryTruncates)

	tests := []struct {
		name, password string
		want           bool
	}{
		{"72 bytes", pw72, true},
		{"73 bytes, same prefix", pw72 + "!", false},
		{"1000 bytes, same prefix", pw72 + strings.Repeat("!", 928), false},
		{"71 bytes", pw72[:71], false},
		{"72 bytes of 2-byte runes", strings.Repeat("é", 36), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.Stats().Verifies
			ok, rehash, err := h.Verify(ctx, tt.password, string(hash72))
			if err != nil || ok != tt.want || !rehash {
				t.Errorf("Verify = %v, %v, %v; want %v, true, nil", ok, rehash, err, tt.want)
			}
			// A long password costs a bcrypt all the same: the answer
			// takes the usual time.
			if n := h.Stats().Verifies - before; n != 1 {
				t.Errorf("Verifies grew by %d, want 1", n)
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newHasher(t, auth.HasherOptions{})
	ctx := context.Background()
	for _, pw := range []string{"", "guinevere", strings.Repeat("x", 1024)} {
		if err := h.VerifyDummy(ctx, pw); err != nil {
			t.Fatalf("VerifyDummy: %v", err)
		}
	}
	s := h.Stats()
	if s.Verifies != 3 || s.Dummies != 3 || s.Hashes != 0 {
		t.Errorf("Stats() = %+v, want 3 verifies, all dummies, no hashes", s)
	}

	// An unknown e-mail and a known one cost the same: one verification.
	encoded, err := h.Hash(ctx, "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	before := h.Stats()
	if _, _, err := h.Verify(ctx, "wrong", encoded); err != nil {
		t.Fatal(err)
	}
	mid := h.Stats()
	if err := h.VerifyDummy(ctx, "wrong"); err != nil {
		t.Fatal(err)
	}
	after := h.Stats()
	if known, unknown := mid.Verifies-before.Verifies, after.Verifies-mid.Verifies; known != 1 || unknown != 1 {
		t.Errorf("known e-mail cost %d verifications, unknown %d; want 1 and 1", known, unknown)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := h.VerifyDummy(cancelled, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyDummy(cancelled) = %v, want context.Canceled", err)
	}
	if s := h.Stats(); s.Verifies != after.Verifies {
		t.Error("a cancelled VerifyDummy did hashing work")
	}
}

func TestNewPasswordHasherOptions(t *testing.T) {
	small := smallParams()
	with := func(f func(*auth.Argon2Params)) auth.Argon2Params { p := small; f(&p); return p }
	tests := []struct {
		name string
		opts auth.HasherOptions
		ok   bool
	}{
		{"zero value", auth.HasherOptions{}, true},
		{"fastapi users params", auth.HasherOptions{Params: auth.FastAPIUsersArgon2Params()}, true},
		{"small params", auth.HasherOptions{Params: small}, true},
		{"zero iterations", auth.HasherOptions{Params: with(func(p *auth.Argon2Params) { p.Iterations = 0 })}, false},
		{"zero parallelism", auth.HasherOptions{Params: with(func(p *auth.Argon2Params) { p.Parallelism = 0 })}, false},
		{"memory below 8p", auth.HasherOptions{Params: with(func(p *auth.Argon2Params) { p.Memory = 31; p.Parallelism = 4 })}, false},
		{"short salt", auth.HasherOptions{Params: with(func(p *auth.Argon2Params) { p.SaltLength = 8 })}, false},
		{"short key", auth.HasherOptions{Params: with(func(p *auth.Argon2Params) { p.KeyLength = 8 })}, false},
		{"params above limits", auth.HasherOptions{Params: auth.FastAPIUsersArgon2Params(), Limits: auth.Limits{MaxMemory: 19456}}, false},
		{"params above MaxWork", auth.HasherOptions{Params: auth.FastAPIUsersArgon2Params(), Limits: auth.Limits{MaxWork: 65536}}, false},
		{"work limit below 8", auth.HasherOptions{Params: small, Limits: auth.Limits{MaxWork: 7}}, false},
		{"salt above limits", auth.HasherOptions{Params: with(func(p *auth.Argon2Params) { p.SaltLength = 65 })}, false},
		{"bcrypt cost limit too low", auth.HasherOptions{Limits: auth.Limits{MaxBcryptCost: 3}}, false},
		{"bcrypt cost limit too high", auth.HasherOptions{Limits: auth.Limits{MaxBcryptCost: 32}}, false},
		{"salt limit below 8", auth.HasherOptions{Params: small, Limits: auth.Limits{MaxSaltLength: 4}}, false},
		{"negative concurrency", auth.HasherOptions{Concurrency: -1}, false},
		{"negative wait", auth.HasherOptions{MaxWait: -1}, false},
		{"negative queue", auth.HasherOptions{MaxQueue: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := auth.NewPasswordHasher(tt.opts)
			if (err == nil) != tt.ok {
				t.Fatalf("NewPasswordHasher error = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && h != nil {
				t.Error("non-nil hasher with an error")
			}
		})
	}
	h := newHasher(t, auth.HasherOptions{Params: auth.Argon2Params{}})
	if h.Params() != smallParams() {
		t.Errorf("newHasher did not apply small params")
	}
	def, _ := auth.NewPasswordHasher(auth.HasherOptions{})
	if def.Params() != auth.DefaultArgon2Params() {
		t.Errorf("zero Params = %+v, want DefaultArgon2Params", def.Params())
	}
}

func b64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }
