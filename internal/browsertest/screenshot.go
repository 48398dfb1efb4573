package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshot saves a PNG of the whole page of ctx's tab as
// <dir>/<test name>-<name>.png, where dir is $USERSAUTH_SCREENSHOTS or, when
// that is unset, the test's temporary directory; it logs the path and
// returns it. A relative $USERSAUTH_SCREENSHOTS is refused: it would write
// into the package's directory, inside the repository.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv(ScreenshotDirVar)
	switch {
	case dir == "":
		dir = t.TempDir()
	case !filepath.IsAbs(dir):
		t.Fatalf("%s=%q is not an absolute path: screenshots never go into the repository", ScreenshotDirVar, dir)
	default:
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("screenshot directory: %v", err)
		}
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		Fatal(t, "screenshot", err)
	}
	path := filepath.Join(dir, fileName(t.Name()+"-"+name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("saving the screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// fileName keeps letters, digits, '-' and '_' of s and turns the rest
// (subtest slashes, spaces) into '_'.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
