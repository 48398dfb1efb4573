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
	// The throttling packages know nothing of users, stores, backends or
	// the routes that use them.
	notDomain := []string{mod, mod + "/user", mod + "/store", mod + "/backend"}
	// Packages whose tests are held to the rules too: a host's go mod tidy
	// loads the tests of the packages it imports.
	testsToo := map[string]bool{mod + "/throttle": true, mod + "/throttle/throttletest": true}
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
		{mod + "/throttle", append(notDomain, drivers...)},
		{mod + "/throttle/throttletest", append(notDomain, drivers...)},
		{mod + "/throttle/redisthrottle", append(notDomain, "modernc.org/sqlite", "github.com/jackc/pgx")},
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, r := range rules {
		args := []string{"list", "-deps", "-f", "{{.ImportPath}}", r.pkg}
		if testsToo[r.pkg] {
			args = []string{"list", "-deps", "-test", "-f", "{{.ImportPath}}", r.pkg}
		}
		out, err := exec.Command(gobin, args...).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", r.pkg, err)
		}
		for dep := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			dep, _, _ = strings.Cut(dep, " ") // "pkg [pkg.test]" is pkg built for a test
			for _, f := range r.forbidden {
				// The module's root is forbidden alone, not with every package under it.
				if dep == f || f != mod && strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", r.pkg, dep)
				}
			}
		}
	}
}
