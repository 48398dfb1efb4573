package auth_test

import (
	"bytes"
	"fmt"

	"github.com/usersauth/usersauth/auth"
)

func ExampleSealer() {
	secret := []byte("the host's Options.Secret, 32 bytes or more")
	derived, _ := auth.DeriveSealKey(secret)
	sealer, _ := auth.NewSealer([]auth.SealKey{derived}, nil)

	// Bound to its owner: the user id is the additional data.
	sealed, _ := sealer.Seal([]byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), []byte("user 42"))
	_, _, err := sealer.Open(sealed, []byte("user 43"))
	fmt.Println(err)

	// Rotation: the new key first, the old one kept until all is resealed.
	fresh := auth.SealKey{ID: "2026-07", Key: bytes.Repeat([]byte{0x42}, 32)} // from a CSPRNG in real life
	rotated, _ := auth.NewSealer([]auth.SealKey{fresh, derived}, nil)
	plain, reseal, err := rotated.Open(sealed, []byte("user 42"))
	fmt.Println(string(plain), reseal, err)

	// Output:
	// auth: sealed value does not authenticate
	// GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ true <nil>
}
