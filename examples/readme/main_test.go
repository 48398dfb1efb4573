package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func TestHostExample(t *testing.T) {
	_, mux, err := newMux([]byte("a-secret-of-at-least-32-bytes-for-the-test"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/auth/register", "application/json", strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("register: %v %v", err, resp.Status)
	}
	resp, err = http.PostForm(srv.URL+"/auth/jwt/login", url.Values{"username": {"king.arthur@camelot.bt"}, "password": {"guinevere"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp.Status)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&login)
	req, _ := http.NewRequest("GET", srv.URL+"/hello", nil)
	req.Header.Set("Authorization", "Bearer "+login.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "Hello king.arthur@camelot.bt\n" {
		t.Fatalf("hello: %d %q", resp.StatusCode, body)
	}
	if _, _, err := newMux([]byte("short")); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

// TestReadmeShowsThisExample keeps the README honest: its host example is
// this package's code, byte for byte.
func TestReadmeShowsThisExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	code = code[strings.Index(code, "package main"):]
	if !strings.Contains(string(readme), "```go\n"+code+"```\n") {
		t.Fatal("README.md does not show examples/readme/main.go (from `package main` on) in a go code block")
	}
}

// TestServerTimeouts: the example's server bounds every phase of a
// connection, and a client that sends its headers too slowly is cut off.
func TestServerTimeouts(t *testing.T) {
	srv := newServer("127.0.0.1:0", http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	srv.ReadHeaderTimeout = 100 * time.Millisecond // the same server, quicker
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")) // and never the end of the headers
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the server kept a slow client's connection: %v", err)
	}
}

// TestShutdownWaitsForMail: the example's shutdown gives an accepted
// forgot-password's slow mail its own time, even when a client still
// sending a request uses up the HTTP server's grace; and it says so when
// that time was not enough.
func TestShutdownWaitsForMail(t *testing.T) {
	for _, tc := range []struct {
		name      string
		workGrace time.Duration
		sent      bool
	}{
		{"enough time", 10 * time.Second, true},
		{"too little time", 50 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := []byte("a-secret-of-at-least-32-bytes-for-the-test")
			var sent atomic.Bool
			started := make(chan struct{})
			ua, err := usersauth.New(usersauth.Options[*user.User]{
				Store: memory.New[*user.User](), Secret: secret,
				Backends: []backend.Backend{{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)}},
				Hooks: user.Hooks[*user.User]{AfterForgotPassword: func(ctx context.Context, u *user.User, token string) error {
					close(started)
					time.Sleep(500 * time.Millisecond) // a slow mail server
					sent.Store(true)
					return nil
				}},
			})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			ua.Mount(mux)
			srv := newServer("127.0.0.1:0", mux)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(ln)
			base := "http://" + ln.Addr().String()
			for _, step := range []struct{ path, body string }{
				{"/auth/register", `{"email":"king.arthur@camelot.bt","password":"guinevere"}`},
				{"/auth/forgot-password", `{"email":"king.arthur@camelot.bt"}`},
			} {
				resp, err := http.Post(base+step.path, "application/json", strings.NewReader(step.body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			select {
			case <-started:
			case <-time.After(30 * time.Second):
				t.Fatal("the forgot-password hook did not start")
			}
			slow, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			slow.Write([]byte("POST /auth/register HTTP/1.1\r\nHost: x\r\n"))
			time.Sleep(50 * time.Millisecond)
			err = shutdown(srv, ua, 100*time.Millisecond, tc.workGrace)
			if sent.Load() != tc.sent || (err == nil) != tc.sent {
				t.Fatalf("mail sent: %v, shutdown: %v; want sent %v", sent.Load(), err, tc.sent)
			}
		})
	}
}
