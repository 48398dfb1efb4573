package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestHostExample(t *testing.T) {
	mux, err := newMux([]byte("a-secret-of-at-least-32-bytes-for-the-test"))
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
	if _, err := newMux([]byte("short")); err == nil {
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
