// Command readme is the host example shown in the README, kept here so that
// it compiles and its test runs it.
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func main() {
	mux, err := newMux([]byte(os.Getenv("USERSAUTH_SECRET"))) // at least 32 random bytes
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}

func newMux(secret []byte) (*http.ServeMux, error) {
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  memory.New[*user.User](),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	ua.Mount(mux) // /auth/register, /auth/jwt/login, /auth/jwt/logout, /users/me, /users/{id}
	hello := func(w http.ResponseWriter, r *http.Request) {
		u, _ := usersauth.UserFrom[*user.User](r.Context())
		w.Write([]byte("Hello " + u.Email + "\n"))
	}
	mux.Handle("GET /hello", ua.RequireUser(usersauth.Active)(http.HandlerFunc(hello)))
	return mux, nil
}
