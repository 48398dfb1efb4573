package hosttest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// TestSmokeOnServeMux: the standard library's mux, with the library under
// /v1 through Mount, passes the smoke test the router examples run.
func TestSmokeOnServeMux(t *testing.T) {
	secret := []byte("a-secret-of-at-least-32-bytes-for-the-test")
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store: memory.New[*user.User](), Secret: secret, PathPrefix: "/v1",
		Backends: []backend.Backend{{Name: "jwt", Transport: backend.Bearer("v1/auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	mux.Handle("GET /v1/notes", ua.RequireUser(usersauth.Active)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := usersauth.UserFrom[*user.User](r.Context())
		json.NewEncoder(w).Encode(map[string]string{"owner": u.Email})
	})))
	Smoke(t, mux, Host{Prefix: "/v1", Backend: "jwt", Protected: "/v1/notes"})
}
