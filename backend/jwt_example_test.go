package backend_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

func ExampleJWT() {
	ctx := context.Background()
	strategy := backend.JWT([]byte("use-32-or-more-random-bytes-here-not-this"), time.Hour)
	transport := backend.Bearer("auth/jwt/login")
	if err := strategy.Validate(); err != nil {
		panic(err)
	}

	// Login: issue a token and answer with it.
	u := &user.Base{ID: uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")}
	token, err := strategy.WriteToken(ctx, u)
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	if err := transport.WriteLogin(rec, token); err != nil {
		panic(err)
	}
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))

	// A later request: find the token, then the user id.
	r := httptest.NewRequest("GET", "/users/me", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	tok, ok := transport.Token(r)
	id, err := strategy.ReadToken(ctx, tok)
	fmt.Println(ok, id, err)
	// Output:
	// 200 application/json
	// true 4fd3477b-eccf-4ee3-8f7d-68ad72261476 <nil>
}

func ExampleNewJWT() {
	// In production the key comes from backend.ParsePrivateKeyPEM.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	strategy := backend.NewJWT(backend.JWTConfig{
		Algorithm:  "ES256",
		PrivateKey: key,
		Lifetime:   15 * time.Minute,
	})
	fmt.Println(strategy.Validate(), strategy.Algorithm())
	// Output: <nil> ES256
}

func ExampleCookie() {
	transport := backend.Cookie(backend.CookieOptions{Name: "__Host-session", MaxAge: 3600})
	rec := httptest.NewRecorder()
	if err := transport.WriteLogin(rec, "token"); err != nil {
		panic(err)
	}
	fmt.Println(rec.Code, rec.Header().Get("Set-Cookie"))
	// Output: 204 __Host-session=token; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax
}
