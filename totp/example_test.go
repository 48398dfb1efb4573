package totp_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/usersauth/usersauth/totp"
)

func Example() {
	// crypto/rand in a service; a fixed reader here, so the output is known.
	key, err := totp.NewKey(bytes.NewReader(make([]byte, 20)), "Camelot", "king.arthur@camelot.bt")
	if err != nil {
		panic(err)
	}
	fmt.Println(key.URL)

	// What the user's app shows now, and the server's check of it.
	now := time.Unix(1234567890, 0)
	code, _ := totp.Code(key.Secret, now)
	step, err := totp.Verify(key.Secret, code, now.Add(20*time.Second))
	fmt.Println(step, err)

	// The caller stores step and accepts only greater ones from now on.
	last := step
	again, _ := totp.Verify(key.Secret, code, now.Add(25*time.Second))
	fmt.Println("reused:", again <= last)

	// Output:
	// otpauth://totp/Camelot:king.arthur@camelot.bt?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=Camelot&algorithm=SHA1&digits=6&period=30
	// 41152263 <nil>
	// reused: true
}
