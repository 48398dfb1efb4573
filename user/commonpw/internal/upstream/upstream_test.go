package upstream_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
)

// embedded returns package commonpw's list file, as it embeds it.
func embedded(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "passwords.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatal("passwords.txt does not end with a newline")
	}
	return strings.Split(string(b[:len(b)-1]), "\n")
}

// TestListMatchesModule: passwords.txt is gen.go's output for the zxcvbn
// module in go.mod, and holds every password of the module's frequency
// package.
func TestListMatchesModule(t *testing.T) {
	lines := embedded(t)
	have := make(map[string]bool, len(lines))
	for _, l := range lines {
		have[l] = true
	}
	for _, pw := range frequency.FrequencyLists["passwords"] {
		if !have[pw] {
			t.Errorf("%q of zxcvbn's frequency list is missing", pw)
		}
	}
	if testing.Short() {
		t.Skip("runs go list")
	}
	// go test puts its own go first on PATH.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/trustelem/zxcvbn").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "data", "passwords.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			want = append(want, strings.ToLower(f[0]))
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(lines, want) {
		t.Error("passwords.txt differs from the module's data/passwords.txt: run go generate ./user/commonpw")
	}
}
