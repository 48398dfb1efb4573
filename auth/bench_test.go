package auth_test

import (
	"context"
	"testing"

	"github.com/usersauth/usersauth/auth"
)

func benchHasher(b *testing.B, p auth.Argon2Params) *auth.PasswordHasher {
	b.Helper()
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: p})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkHash: one argon2id hash with OWASP parameters.
func BenchmarkHash(b *testing.B) {
	h := benchHasher(b, auth.DefaultArgon2Params())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "guinevere"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify: one login's worth of verification with OWASP argon2id.
func BenchmarkVerify(b *testing.B) {
	h := benchHasher(b, auth.DefaultArgon2Params())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "guinevere", owaspHash); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkVerifyParallel: verifications from many goroutines through the
// pool; ns/op is the inverse of the machine's login throughput.
func BenchmarkVerifyParallel(b *testing.B) {
	h := benchHasher(b, auth.DefaultArgon2Params())
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := h.Verify(ctx, "guinevere", owaspHash); err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
}

// BenchmarkVerifyFastAPIUsers: a hash with FastAPI Users' parameters
// (m=65536, t=3, p=4), what every migrated user costs until the first login.
func BenchmarkVerifyFastAPIUsers(b *testing.B) {
	h := benchHasher(b, auth.DefaultArgon2Params())
	row := fixtureHash(b, "argon2id-fu-default-ascii")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, row.password, row.Hash); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkVerifyBcrypt: a cost-12 $2b$ hash, FastAPI Users' bcrypt default.
func BenchmarkVerifyBcrypt(b *testing.B) {
	h := benchHasher(b, auth.DefaultArgon2Params())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "guinevere", bcryptHash); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkVerifyMalformed: the cost of refusing a planted hash.
func BenchmarkVerifyMalformed(b *testing.B) {
	h := benchHasher(b, auth.DefaultArgon2Params())
	const planted = "$argon2id$v=19$m=4194304,t=2,p=1$wILCLnFcRp8Y6tOSCrFdYA$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := h.Verify(ctx, "guinevere", planted); err == nil {
			b.Fatal("planted hash accepted")
		}
	}
}
