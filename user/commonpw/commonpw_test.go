package commonpw_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/user"
	"github.com/usersauth/usersauth/user/commonpw"
)

var _ user.PasswordList = (*commonpw.List)(nil)

// embedded returns the list file as the package embeds it.
func embedded(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("passwords.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatal("passwords.txt does not end with a newline")
	}
	return strings.Split(string(b[:len(b)-1]), "\n")
}

// TestListFile: the file is what Contains's binary search needs: sorted
// bytewise, no duplicates, lower-case, no empty line.
func TestListFile(t *testing.T) {
	lines := embedded(t)
	if !slices.IsSorted(lines) {
		t.Error("passwords.txt is not sorted")
	}
	if len(slices.Compact(slices.Clone(lines))) != len(lines) {
		t.Error("passwords.txt has duplicates")
	}
	for i, l := range lines {
		if l == "" || l != strings.ToLower(l) || strings.ContainsAny(l, "\r\t ") {
			t.Fatalf("line %d %q: empty, not lower-case or with white space", i+1, l)
		}
	}
	if n := commonpw.New().Len(); n != len(lines) || n != 47023 {
		t.Errorf("Len() = %d, file has %d lines, the doc says 47,023", n, len(lines))
	}
}

func TestContains(t *testing.T) {
	lines := embedded(t)
	l := commonpw.New()
	tests := []struct {
		name, password string
		want           bool
	}{
		{"most common", "123456", true},
		{"a word", "password", true},
		{"a name", "michael", true},
		{"upper case", "PASSWORD", true},
		{"mixed case", "IloveYou", true},
		{"first line", lines[0], true},
		{"last line", lines[len(lines)-1], true},
		{"a line with punctuation", "!qaz2wsx", true},
		{"not on the list", "correct horse battery staple", false},
		{"a prefix of entries", "excalib", false}, // excalibu and excalibur are on it
		{"an entry and more", "password!!", false},
		{"an entry with a space", "password ", false},
		{"an entry with a newline", "password\n", false},
		{"two entries with a newline", "password\niloveyou", false},
		{"before the first line", "!", false},
		{"after the last line", "\U0010FFFF", false},
		{"empty", "", false},
		{"non-ASCII", "pässwörd", false},
		{"the Kelvin sign folds to k", "\u212Ailler", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := l.Contains(tt.password); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
	var zero commonpw.List
	var nilList *commonpw.List
	if zero.Contains("password") || nilList.Contains("password") || zero.Len() != 0 || nilList.Len() != 0 {
		t.Error("the zero and nil Lists are not empty")
	}
}

// TestContainsEveryLine: each line is found, in its own case and in upper
// case, and no line with a character appended is found unless it is a line
// itself.
func TestContainsEveryLine(t *testing.T) {
	lines := embedded(t)
	have := make(map[string]bool, len(lines))
	for _, line := range lines {
		have[line] = true
	}
	l := commonpw.New()
	for _, line := range lines {
		if !l.Contains(line) || !l.Contains(strings.ToUpper(line)) {
			t.Fatalf("%q is not found", line)
		}
		if longer := line + "~"; l.Contains(longer) != have[longer] {
			t.Fatalf("Contains(%q) = %v", longer, !have[longer])
		}
	}
}

// FuzzContains: Contains agrees with a map of the lines, lower-cased
// lookups included.
func FuzzContains(f *testing.F) {
	lines := embedded(f)
	have := make(map[string]bool, len(lines))
	for _, line := range lines {
		have[line] = true
	}
	for _, s := range []string{"password", "PASSWORD", "", "\n", "password\n", lines[0], lines[len(lines)-1], "zzzzzzzzzzz", "\xff"} {
		f.Add(s)
	}
	l := commonpw.New()
	f.Fuzz(func(t *testing.T, password string) {
		if got, want := l.Contains(password), have[strings.ToLower(password)]; got != want {
			t.Fatalf("Contains(%q) = %v, want %v", password, got, want)
		}
	})
}

func BenchmarkContains(b *testing.B) {
	l := commonpw.New()
	for _, bb := range []struct{ name, password string }{
		{"hit", "trustno1"},
		{"miss", "correct horse battery staple"},
		{"upper case", "TrustNo1"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Contains(bb.password)
			}
		})
	}
}

var sink *commonpw.List

// BenchmarkNew: making a List copies nothing: its only heap is the List
// itself.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = commonpw.New()
	}
}
