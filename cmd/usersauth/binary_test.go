package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildBinary builds the command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "usersauth")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// execBinary runs the built binary and returns what it printed and its
// exit code.
func execBinary(t *testing.T, bin, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// TestBinary is a smoke test of the built command: main wires run to the
// process's arguments, streams and exit code.
func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	t.Run("usage", func(t *testing.T) {
		r := execBinary(t, bin, "")
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "usage: usersauth <command>") {
			t.Errorf("%v", r)
		}
	})
	t.Run("help", func(t *testing.T) {
		if r := execBinary(t, bin, "", "help"); r.code != exitOK || !strings.Contains(r.stderr, "create-superuser") {
			t.Errorf("%v", r)
		}
	})
	t.Run("create and list", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "users.db")
		if r := execBinary(t, bin, "correct horse battery\n", "create-superuser", "--db", db, "root@example.com"); r.code != exitOK {
			t.Fatalf("create-superuser: %v", r)
		}
		r := execBinary(t, bin, "", "list", "--db", db)
		if r.code != exitOK || !strings.Contains(r.stdout, "true    true       true      root@example.com\n") {
			t.Errorf("list: %v", r)
		}
		if r := execBinary(t, bin, "", "promote", "--db", db, "nobody@example.com"); r.code != exitFailure {
			t.Errorf("promote an unknown user: %v", r)
		}
	})
}
