package auth_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/usersauth/usersauth/auth"
)

func ExamplePasswordHasher() {
	// The zero options hash with OWASP's argon2id parameters in a pool of
	// GOMAXPROCS slots.
	h, err := auth.NewPasswordHasher(auth.HasherOptions{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		panic(err) // ctx ended, or the pool was saturated (auth.ErrBusy)
	}
	fmt.Println(strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$"))

	ok, needsRehash, err := h.Verify(ctx, "correct horse battery staple", encoded)
	fmt.Println(ok, needsRehash, err)

	// A hash FastAPI Users wrote verifies too, and asks to be upgraded.
	fastAPIUsers := "$argon2id$v=19$m=65536,t=3,p=4$X1sE1Ljb0WbE1OIxOHIL2g$1o1kwH8K4WOwYWSlUFCdDJqLNgYiI2gd+87aOHwlAUI"
	ok, needsRehash, err = h.Verify(ctx, "guinevere", fastAPIUsers)
	fmt.Println(ok, needsRehash, err)

	// Output:
	// true
	// true false <nil>
	// true true <nil>
}

func ExampleTokenDigest() {
	token, err := auth.RandomToken(nil) // 32 bytes from crypto/rand
	if err != nil {
		panic(err)
	}
	digest := auth.TokenDigest(token) // what the token store keeps
	fmt.Println(len(token), len(digest), auth.TokenMatchesDigest(token, digest))
	// Output: 43 64 true
}
