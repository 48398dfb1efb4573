package usersauth

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/usersauth/usersauth"

// drivers are the packages only the store adapters and the Redis
// sub-packages may link.
var drivers = []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/redis/go-redis"}

// webauthnLib is the WebAuthn library, which only passkey/webauthn links.
const webauthnLib = "github.com/go-webauthn"

// zxcvbnModule is where user/commonpw's list comes from; only the tests of
// user/commonpw/internal/upstream, which no host imports, link it.
const zxcvbnModule = "github.com/trustelem/zxcvbn"

// TestLayering holds the packages to the dependency rules of the design:
// dependencies point inward, and no core package links a database driver, so
// a host pays only for the store it mounts. For the packages a host imports
// whatever store it uses, the rule holds for their tests too: a host's go mod
// tidy loads the tests of every package it imports.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	rules := []struct {
		pkg       string
		forbidden []string
		// tests: the package's tests link no driver either.
		tests bool
	}{
		{module, append([]string{"github.com/getkin"}, drivers...), true},
		{module + "/user", append([]string{"net/http", module + "/store", module + "/backend"}, drivers...), true},
		{module + "/auth", append([]string{"net/http", module + "/user", module + "/store", module + "/backend"}, drivers...), true},
		{module + "/backend", append([]string{module + "/store"}, drivers...), false},
		{module + "/store/memory", append([]string{"net/http", module + "/backend"}, drivers...), true},
		{module + "/store/sqlstore", append([]string{"net/http", module + "/backend"}, drivers...), false},
		{module + "/store/internal/rowread", append([]string{"net/http", module + "/user", module + "/backend"}, drivers...), false},
		// The SQLite store links SQLite, and only SQLite.
		{module + "/store/sqlite", []string{"net/http", module + "/backend", "github.com/jackc/pgx", "github.com/redis/go-redis"}, false},
		{module + "/backend/redistoken", []string{module + "/store", "modernc.org/sqlite", "github.com/jackc/pgx"}, false},
		{module + "/oauth", append([]string{module + "/store", module + "/user", module + "/backend"}, drivers...), true},
		// What the root's routes need but a host never sees.
		{module + "/internal/wire", append([]string{module, module + "/store", module + "/backend"}, drivers...), true},
		{module + "/internal/oauthflow", append([]string{module, module + "/store", module + "/backend"}, drivers...), true},
		{module + "/internal/apptest", append([]string{module}, drivers...), false},
		// The OpenAPI object model knows no domain; its validator is for
		// the tests of a package no host imports.
		{module + "/internal/openapi", append([]string{module, module + "/user", module + "/store", module + "/backend", "github.com/getkin"}, drivers...), true},
		// Test-only, imported by no one: its tests link what the
		// document describes, passkey/webauthn included.
		{module + "/internal/openapitest", drivers, false},
		// The shared tests of the examples: a host's smoke test, and the
		// README's blocks compared with the examples' source.
		{module + "/internal/hosttest", append([]string{module, module + "/user", module + "/store", module + "/backend"}, drivers...), true},
		{module + "/internal/readmetest", append([]string{module, module + "/user", module + "/store", module + "/backend"}, drivers...), true},
		// The contract of passkeys links no WebAuthn library, in its tests
		// either: the root imports it, passkeys on or off.
		{module + "/passkey", append([]string{module + "/user", module + "/store", module + "/backend", module + "/internal", "github.com/go-webauthn"}, drivers...), true},
		{module + "/passkey/webauthn", append([]string{module + "/user", module + "/store", module + "/backend", module + "/internal"}, drivers...), true},
		// The software authenticator is independent of the library it
		// tests the relying party on.
		{module + "/passkey/passkeytest", append([]string{module + "/user", module + "/store", module + "/backend", module + "/internal", "github.com/go-webauthn"}, drivers...), false},
		// The browser harness drives a browser; it knows no domain.
		{module + "/internal/browsertest", []string{module + "/user", module + "/store", module + "/backend", module + "/passkey"}, false},
		// Protocol only: the rules of second factors live in user.
		{module + "/totp", append([]string{"net/http", module + "/user", module + "/store", module + "/backend"}, drivers...), true},
		// The throttling packages know nothing of users, stores, backends
		// or the routes that use them.
		{module + "/throttle", append([]string{module, module + "/user", module + "/store", module + "/backend"}, drivers...), true},
		{module + "/throttle/throttletest", append([]string{module, module + "/user", module + "/store", module + "/backend"}, drivers...), true},
		{module + "/throttle/redisthrottle", []string{module, module + "/user", module + "/store", module + "/backend", "modernc.org/sqlite", "github.com/jackc/pgx"}, false},
		// The common-password list is data a host opts into: it knows no
		// domain, and package user does not import it (TestHostGoSum). Its
		// tests leave the zxcvbn module it comes from to
		// commonpw/internal/upstream, so a host importing it does not get
		// zxcvbn in its go.sum.
		{module + "/user/commonpw", append([]string{module, module + "/user", module + "/auth", module + "/store", module + "/backend", "net/http", zxcvbnModule}, drivers...), true},
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	deps := func(pkg string, tests bool) []string {
		args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
		if tests {
			args = append(args, "-test")
		}
		out, err := exec.Command(gobin, append(args, pkg)...).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		var list []string
		for dep := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			dep, _, _ = strings.Cut(dep, " ") // "pkg [pkg.test]" for a test variant
			list = append(list, dep)
		}
		return list
	}
	testBrowserOnlyInTests(t, gobin)
	matches := func(dep, f string) bool {
		// The module's root names one package, not everything under it.
		return dep == f || (f != module && strings.HasPrefix(dep, f+"/"))
	}
	for _, r := range rules {
		for _, dep := range deps(r.pkg, false) {
			if dep == r.pkg {
				continue // a package may sit under a path it must not import
			}
			for _, f := range r.forbidden {
				if matches(dep, f) {
					t.Errorf("%s depends on %s", r.pkg, dep)
				}
			}
		}
		if !r.tests {
			continue
		}
		// Tests may use other layers (a store, a backend), never a driver,
		// nor the zxcvbn module the common-password list comes from, nor
		// the WebAuthn library, but in the package built on it: a host
		// with passkeys off must not meet it.
		heavy := append([]string{zxcvbnModule, webauthnLib}, drivers...)
		if r.pkg == module+"/passkey/webauthn" {
			heavy = append([]string{zxcvbnModule}, drivers...)
		}
		for _, dep := range deps(r.pkg, true) {
			for _, f := range heavy {
				if matches(dep, f) {
					t.Errorf("the tests of %s depend on %s: they land in the go.sum of every host that imports it", r.pkg, dep)
				}
			}
		}
	}
}

// TestHostGoSum: a host module that imports the root and store/memory
// resolves, with go mod tidy, without pgx, go-redis, modernc, go-webauthn,
// chromedp, kin-openapi or the common-password list and its zxcvbn module:
// not in its build, not in its go.sum. It runs offline, from the
// module cache the build of this module filled.
func TestHostGoSum(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy")
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/host\n\ngo 1.26\n\nrequire "+module+" v0.0.0\n\nreplace "+module+" => "+repo+"\n")
	write("main.go", `package main

import (
	"net/http"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func main() {
	secret := []byte("0123456789abcdef0123456789abcdef")
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store: memory.New[*user.User](), Secret: secret,
		Backends: []backend.Backend{{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, 3600e9)}},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
}
`)
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	run := func(args ...string) string {
		cmd := exec.Command(gobin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("mod", "tidy")
	deps := run("list", "-deps", "-test", "./...")
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, heavy := range []string{"github.com/jackc/pgx", "github.com/redis/go-redis", "modernc.org/", "github.com/go-webauthn", "github.com/chromedp", "github.com/getkin", "github.com/trustelem/zxcvbn", module + "/user/commonpw"} {
		if strings.Contains(string(sum), heavy) {
			t.Errorf("the host's go.sum holds %s:\n%s", heavy, sum)
		}
		if strings.Contains(deps, heavy) {
			t.Errorf("the host's build holds %s", heavy)
		}
	}
}

// testBrowserOnlyInTests: chromedp, through internal/browsertest, is for
// tests of packages no host imports. No package a host may import (not
// main, not internal), nor its tests, which a host's go mod tidy loads,
// depends on either.
func testBrowserOnlyInTests(t *testing.T, gobin string) {
	t.Helper()
	out, err := exec.Command(gobin, "list", "-test", "-f", `{{.ImportPath}}|{{.Name}}|{{join .Deps " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list -test: %v", err)
	}
	type entry struct{ pkg, name, deps string }
	var entries []entry
	host := map[string]bool{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "|", 3)
		if len(f) != 3 {
			t.Fatalf("go list line %q", line)
		}
		entries = append(entries, entry{f[0], f[1], f[2]})
		if !strings.ContainsAny(f[0], " ") && !strings.HasSuffix(f[0], ".test") && f[1] != "main" && !strings.Contains(f[0]+"/", "/internal/") {
			host[f[0]] = true
		}
	}
	forbidden := []string{"github.com/chromedp", module + "/internal/browsertest"}
	for _, e := range entries {
		// "p [p.test]", "p_test [p.test]" and "p.test" are p's tests.
		base, _, _ := strings.Cut(e.pkg, " ")
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".test"), "_test")
		if !host[base] {
			continue
		}
	deps:
		for dep := range strings.FieldsSeq(e.deps) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s: browser tests go in a package no host imports", e.pkg, dep)
					break deps
				}
			}
		}
	}
}
