package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/internal/readmetest"
)

// The README's Go blocks are type-checked: a full file (one with a package
// clause) as it is; any other block as a fragment of a host's code, in the
// context readmeContext declares (ua, mux, db, secret, ctx and the like),
// its import lines hoisted, its func and type declarations at top level and
// its statements in a function. Only hard errors count: a fragment may
// declare a variable it does not use, as a README excerpt does.

// readmeContext is what a fragment may use without declaring it: the
// packages a host imports, and the values a README excerpt takes as given.
const readmeContext = `
import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
	"github.com/usersauth/usersauth/user"
)

var (
	ctx          context.Context
	ua           *usersauth.UsersAuth[*user.User]
	mux          *http.ServeMux
	db           *sqlstore.DB
	rdb          *redis.Client
	secret       []byte
	backends     []backend.Backend
	opts         usersauth.Options[*user.User]
	clientID     string
	clientSecret string
	err          error
)

// send mails a message; a host's own.
func send(to, subject, link string) error { return nil }

var (
	_ = fmt.Sprint
	_ = slog.Info
	_ = url.QueryEscape
	_ = os.Getenv
	_ = time.Hour
	_ = auth.HS256
	_ = redistoken.New
	_ = oauth.GitHub
	_ = memory.New[*user.User]
	_ = sqlite.Open
	_ = netip.MustParsePrefix
	_ = throttle.Rule{}
	_ = redisthrottle.New
)
`

// readmeImports are the packages whose export data the type checker reads:
// those of readmeContext and every package a README block imports.
var readmeImports = []string{
	"context", "net/http", "net/netip", "net/url", "os", "time", "log", "errors", "fmt", "io", "log/slog",
	"github.com/usersauth/usersauth/throttle",
	"github.com/usersauth/usersauth/throttle/redisthrottle",
	"github.com/redis/go-redis/v9",
	"github.com/jackc/pgx/v5/stdlib",
	"modernc.org/sqlite",
	"github.com/usersauth/usersauth",
	"github.com/usersauth/usersauth/auth",
	"github.com/usersauth/usersauth/backend",
	"github.com/usersauth/usersauth/backend/redistoken",
	"github.com/usersauth/usersauth/oauth",
	"github.com/usersauth/usersauth/store/memory",
	"github.com/usersauth/usersauth/store/sqlite",
	"github.com/usersauth/usersauth/store/sqlstore",
	"github.com/usersauth/usersauth/user",
	"github.com/usersauth/usersauth/user/commonpw",
	"github.com/usersauth/usersauth/passkey/webauthn",
}

// exportImporter type-checks against the export data the go command builds
// (go list -export), so no package is compiled twice and nothing is
// fetched.
func exportImporter(t *testing.T, fset *token.FileSet) types.Importer {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	args := append([]string{"list", "-deps", "-export", "-json=ImportPath,Export"}, readmeImports...)
	cmd := exec.Command(gobin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q: add it to readmeImports", path)
		}
		return os.Open(file)
	})
}

// fragmentSource turns a README excerpt into a file of package readme:
// import lines hoisted beside readmeContext's, func and type declarations
// (lines from "func "/"type " at the margin to the closing "}" at the
// margin) kept at top level, every other line a statement of one function.
func fragmentSource(code string) string {
	var imports, decls, stmts strings.Builder
	lines := strings.Split(code, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "import "):
			if path := strings.Fields(line)[len(strings.Fields(line))-1]; !strings.Contains(readmeContext, "\t"+path+"\n") {
				imports.WriteString(line + "\n")
			}
		case strings.HasPrefix(line, "func ") || strings.HasPrefix(line, "type "):
			decls.WriteString(line + "\n")
			if !strings.HasSuffix(line, "{") {
				continue // a declaration on one line
			}
			for i++; i < len(lines); i++ {
				decls.WriteString(lines[i] + "\n")
				if lines[i] == "}" {
					break
				}
			}
		default:
			stmts.WriteString(line + "\n")
		}
	}
	return "package readme\n" + imports.String() + readmeContext + decls.String() +
		"\nfunc _() {\n" + stmts.String() + "\n}\n"
}

// TestReadmeGoBlocksCompile: every Go block of the README type-checks.
func TestReadmeGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list -export")
	}
	blocks, err := readmetest.Blocks("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 5 {
		t.Fatalf("found %d Go blocks in README.md", len(blocks))
	}
	fset := token.NewFileSet()
	imp := exportImporter(t, fset)
	for _, b := range blocks {
		t.Run("line"+strconv.Itoa(b.Line), func(t *testing.T) {
			if b.CompiledIn != "" {
				// Code of a module of its own (a router this module does
				// not require), whose test compares the block with it.
				if _, err := os.Stat(filepath.Join("../..", b.CompiledIn, "go.mod")); err != nil {
					t.Fatalf("README.md:%d: the block is marked as compiled in %s, which is no module: %v", b.Line, b.CompiledIn, err)
				}
				return
			}
			src := b.Code
			full := strings.HasPrefix(strings.TrimSpace(src), "package ")
			if !full {
				src = fragmentSource(src)
			}
			f, err := parser.ParseFile(fset, "README.md", src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("README.md:%d: does not parse: %v\n%s", b.Line, err, numbered(src))
			}
			var hard []string
			conf := types.Config{Importer: imp, Error: func(err error) {
				if te, ok := err.(types.Error); ok && te.Soft && !full {
					return // unused variables and imports of an excerpt
				}
				hard = append(hard, err.Error())
			}}
			conf.Check("readme", fset, []*ast.File{f}, nil)
			if len(hard) > 0 {
				t.Fatalf("README.md:%d: does not compile:\n%s\n%s", b.Line, strings.Join(hard, "\n"), numbered(src))
			}
		})
	}
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}
