//go:build ignore

// gen writes passwords.txt, the list package commonpw embeds, from the
// password counts github.com/trustelem/zxcvbn ships in data/passwords.txt:
// every password there, lower-cased, sorted bytewise, one per line. Run it
// with go generate after changing the module's version in go.mod.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

const module = "github.com/trustelem/zxcvbn"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		return fmt.Errorf("go list -m %s: %w", module, err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "data", "passwords.txt"))
	if err != nil {
		return err
	}
	var list []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			list = append(list, strings.ToLower(f[0]))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	slices.Sort(list)
	list = slices.Compact(list)
	return os.WriteFile("passwords.txt", []byte(strings.Join(list, "\n")+"\n"), 0o644)
}
