package readmetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const source = `package main

import "net/http"

// newRouter mounts everything.
func newRouter() http.Handler {
	return http.NewServeMux()
}

func other() {}

// limit is a constant.
const limit = 3
`

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDeclarations(t *testing.T) {
	src := write(t, "main.go", source)
	got, err := Declarations(src, "newRouter", "limit")
	if err != nil {
		t.Fatal(err)
	}
	want := "// newRouter mounts everything.\nfunc newRouter() http.Handler {\n\treturn http.NewServeMux()\n}\n\n// limit is a constant.\nconst limit = 3\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := Declarations(src, "missing"); err == nil {
		t.Fatal("a missing declaration was found")
	}
}

func TestShown(t *testing.T) {
	src := write(t, "main.go", source)
	block := "```go\nfunc other() {}\n```\n"
	for _, tc := range []struct {
		name, readme string
		ok           bool
	}{
		{"shown", "# x\n\n" + Marker("examples/x") + "\n\n" + block, true},
		{"stale", Marker("examples/x") + "\n```go\nfunc other() { panic(1) }\n```\n", false},
		{"no marker", block, false},
		{"marker of another module", Marker("examples/y") + "\n" + block, false},
		{"text between marker and block", Marker("examples/x") + "\nSome words.\n" + block, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Shown(write(t, "README.md", tc.readme), "examples/x", src, "other")
			if (err == nil) != tc.ok {
				t.Fatalf("Shown: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestBlocks(t *testing.T) {
	readme := write(t, "README.md", "text\n```go\na := 1\n```\n"+Marker("examples/gin")+"\n```go\nb := 2\n```\n```sh\nls\n```\n")
	blocks, err := Blocks(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Line != 2 || blocks[0].Code != "a := 1\n" || blocks[0].CompiledIn != "" ||
		blocks[1].CompiledIn != "examples/gin" || blocks[1].Code != "b := 2\n" {
		t.Fatalf("blocks %+v", blocks)
	}
	if _, err := Blocks(write(t, "README.md", "```go\nunterminated\n")); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Fatalf("an unterminated block: %v", err)
	}
}
