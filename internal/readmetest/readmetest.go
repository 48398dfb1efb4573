// Package readmetest keeps the README's code blocks honest: a block that
// shows declarations of an example is checked against that example's
// source, by the example's own tests. Only tests import it.
package readmetest

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
)

// MarkerPrefix starts the line that stands, in the README, right before a
// Go block whose code lives in a module of its own (examples/gin, which
// the main module's type check cannot compile): "<!-- compiled in
// examples/gin -->". The main module's check skips such blocks; the named
// module's test compares them with its source (Shown).
const MarkerPrefix = "<!-- compiled in "

// Marker is the marker line of the module in dir (relative to the
// repository's root, as "examples/gin").
func Marker(dir string) string { return MarkerPrefix + dir + " -->" }

// Block is a ```go block of a Markdown file.
type Block struct {
	Line int    // of the opening fence, counted from 1
	Code string // every line between the fences, each ending in "\n"
	// CompiledIn is the module named by a marker line right before the
	// fence (blank lines between allowed), or "".
	CompiledIn string
}

// Blocks returns the ```go blocks of the Markdown file at path.
func Blocks(path string) ([]Block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		blocks []Block
		cur    *Block
		marker string
		n      int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &Block{Line: n, CompiledIn: marker}
			marker = ""
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.Code += line + "\n"
		case strings.HasPrefix(trimmed, MarkerPrefix) && strings.HasSuffix(trimmed, " -->"):
			marker = strings.TrimSuffix(strings.TrimPrefix(trimmed, MarkerPrefix), " -->")
		case trimmed != "":
			marker = "" // a marker stands right before its block
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: unterminated code block", path, cur.Line)
	}
	return blocks, nil
}

// Declarations returns the source of the named top-level declarations
// (functions, or types, variables and constants by the first name they
// declare) of the Go file at path, each with its doc comment, in the order
// given and separated by a blank line.
func Declarations(path string, names ...string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, name := range names {
		decl, doc := find(f, name)
		if decl == nil {
			return "", fmt.Errorf("%s: no top-level declaration of %s", path, name)
		}
		start := decl.Pos()
		if doc != nil {
			start = doc.Pos()
		}
		parts = append(parts, string(src[fset.Position(start).Offset:fset.Position(decl.End()).Offset]))
	}
	return strings.Join(parts, "\n\n") + "\n", nil
}

func find(f *ast.File, name string) (ast.Node, *ast.CommentGroup) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == name {
				return d, d.Doc
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.Name == name {
						return d, d.Doc
					}
				case *ast.ValueSpec:
					if len(s.Names) > 0 && s.Names[0].Name == name {
						return d, d.Doc
					}
				}
			}
		}
	}
	return nil, nil
}

// Shown checks that the Go block right after dir's marker in the README at
// readme is exactly the named declarations of the file src.
func Shown(readme, dir, src string, names ...string) error {
	want, err := Declarations(src, names...)
	if err != nil {
		return err
	}
	blocks, err := Blocks(readme)
	if err != nil {
		return err
	}
	for _, b := range blocks {
		if b.CompiledIn != dir {
			continue
		}
		if b.Code != want {
			return fmt.Errorf("%s:%d: the block after %q is not %s's %s; it should read:\n%s", readme, b.Line, Marker(dir), src, strings.Join(names, ", "), want)
		}
		return nil
	}
	return fmt.Errorf("%s: no Go block after the line %q; add one reading:\n%s", readme, Marker(dir), want)
}
