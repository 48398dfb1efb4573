package auth_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/usersauth/usersauth/auth"
)

func ExamplePurposeToken() {
	reset := auth.PurposeToken{
		Secret:   []byte("use-32-or-more-random-bytes-here-not-this"),
		Audience: auth.ResetPasswordAudience,
		Lifetime: time.Hour,
	}
	token, err := reset.Sign(auth.Claim{Name: "sub", Value: "4fd3477b-eccf-4ee3-8f7d-68ad72261476"})
	if err != nil {
		panic(err)
	}
	claims, err := reset.Parse(token)
	fmt.Println(claims["sub"], claims["aud"], err)

	verify := reset
	verify.Audience = auth.VerifyAudience
	_, err = verify.Parse(token)
	fmt.Println(errors.Is(err, auth.ErrTokenInvalid))
	// Output:
	// 4fd3477b-eccf-4ee3-8f7d-68ad72261476 fastapi-users:reset <nil>
	// true
}
