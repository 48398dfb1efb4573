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
		// Protocol only: the rules of second factors live in user.
		{mod + "/totp", append([]string{"net/http", mod + "/user", mod + "/store", mod + "/backend"}, drivers...)},
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
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
