package usersauth

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLayering holds the packages to the dependency rules of the design:
// dependencies point inward, and no core package links a database driver, so
// a host pays only for the store it mounts.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/usersauth/usersauth"
	drivers := []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/redis/go-redis"}
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{mod, drivers},
		{mod + "/user", append([]string{"net/http", mod + "/store", mod + "/backend"}, drivers...)},
		{mod + "/auth", append([]string{"net/http", mod + "/user", mod + "/store", mod + "/backend"}, drivers...)},
		{mod + "/backend", append([]string{mod + "/store"}, drivers...)},
		{mod + "/store/memory", append([]string{"net/http", mod + "/backend"}, drivers...)},
		{mod + "/store/sqlstore", append([]string{"net/http", mod + "/backend"}, drivers...)},
		{mod + "/store/internal/rowread", append([]string{"net/http", mod + "/user", mod + "/backend"}, drivers...)},
		// The SQLite store links SQLite, and only SQLite.
		{mod + "/store/sqlite", []string{"net/http", mod + "/backend", "github.com/jackc/pgx", "github.com/redis/go-redis"}},
		{mod + "/backend/redistoken", []string{mod + "/store", "modernc.org/sqlite", "github.com/jackc/pgx"}},
		{mod + "/oauth", append([]string{mod + "/store"}, drivers...)},
		{mod + "/passkey", append([]string{mod + "/user", mod + "/store", mod + "/backend", mod + "/internal"}, drivers...)},
		// The software authenticator is independent of the library it
		// tests the relying party on.
		{mod + "/passkey/passkeytest", append([]string{mod + "/user", mod + "/store", mod + "/backend", mod + "/internal", "github.com/go-webauthn"}, drivers...)},
		// The browser harness drives a browser; it knows no domain.
		{mod + "/internal/browsertest", []string{mod + "/user", mod + "/store", mod + "/backend", mod + "/passkey"}},
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	testBrowserOnlyInTests(t, gobin, mod)
	for _, r := range rules {
		out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}", r.pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", r.pkg, err)
		}
		for dep := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			for _, f := range r.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", r.pkg, dep)
				}
			}
		}
	}
}

// testBrowserOnlyInTests: chromedp, through internal/browsertest, is for
// tests of packages no host imports. No package a host may import (not
// main, not internal), nor its tests, which a host's go mod tidy loads,
// depends on either.
func testBrowserOnlyInTests(t *testing.T, gobin, mod string) {
	t.Helper()
	out, err := exec.Command(gobin, "list", "-test", "-f", `{{.ImportPath}}|{{.Name}}|{{join .Deps " "}}`, mod+"/...").Output()
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
	forbidden := []string{"github.com/chromedp", mod + "/internal/browsertest"}
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
