package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goTool finds the go command that runs the tests.
func goTool(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the example with")
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// process is the example server running as a separate program.
type process struct {
	cmd  *exec.Cmd
	base string
}

var listening = regexp.MustCompile(`addr=http://(\S+)`)

func startProcess(t *testing.T, bin, dir string) *process {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "usersauth.db"))
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "USERSAUTH_SECRET=", "USERSAUTH_DB=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		return &process{cmd: cmd, base: "http://" + a}
	case <-time.After(60 * time.Second):
		t.Fatal("the example server did not start")
		return nil
	}
}

// TestUserSurvivesSIGKILL kills the server without warning right after a 201
// and starts it again on the same database: the user is there, and the token
// issued before the crash still works (the secret was kept beside the data).
func TestUserSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example binary")
	}
	bin := filepath.Join(t.TempDir(), "basic")
	build := exec.Command(goTool(t), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	client := &http.Client{Timeout: 30 * time.Second}

	p := startProcess(t, bin, dir)
	x := exchange{t: t, base: p.base, client: client}
	resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
	wantStatus(t, "register", resp, body, http.StatusCreated)
	h, form := multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
	resp, body = x.do("POST", "/auth/jwt/login", h, form)
	wantStatus(t, "login", resp, body, http.StatusOK)
	token := regexp.MustCompile(`"access_token":"([^"]+)"`).FindStringSubmatch(string(body))[1]
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	p.cmd.Wait()

	p = startProcess(t, bin, dir)
	x = exchange{t: t, base: p.base, client: client}
	resp, body = x.do("GET", "/users/me", jsonHeader(token), nil)
	wantStatus(t, "token from before the crash", resp, body, http.StatusOK)
	h, form = multipartForm(t, "username", "king.arthur@camelot.bt", "password", "guinevere")
	resp, body = x.do("POST", "/auth/jwt/login", h, form)
	wantStatus(t, "login after the crash", resp, body, http.StatusOK)
	resp, body = x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"King.Arthur@camelot.bt","password":"guinevere"}`))
	wantStatus(t, "register again after the crash", resp, body, http.StatusBadRequest)
}
