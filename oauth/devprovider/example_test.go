package devprovider_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

// Example runs the provider on a loopback port, as a development server
// would, and reads its discovery document.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	issuer := "http://" + ln.Addr().String()
	dev, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{
			ID: "my-app", Secret: "my-app-secret",
			RedirectURIs: []string{"http://127.0.0.1:8000/auth/dev/callback"},
		}},
	})
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: dev}
	go srv.Serve(ln)
	defer srv.Close()

	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer string   `json:"issuer"`
		PKCE   []string `json:"code_challenge_methods_supported"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	fmt.Println(doc.Issuer == issuer, doc.PKCE)
	// Output: true [S256]
}
