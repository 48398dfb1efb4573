// Package browsertest runs tests in a real browser: Debian's headless
// Chromium, driven over the DevTools protocol with chromedp, with a virtual
// WebAuthn authenticator and screenshots saved as artefacts of the run. No
// host imports it: it is internal, and only tests use it, so chromedp stays
// out of every host's build.
//
//	ctx := browsertest.Start(t)
//	auth := browsertest.AddAuthenticator(t, ctx)
//	err := chromedp.Do(ctx, chromedp.Navigate("http://localhost:8000/"))
//	browsertest.Screenshot(t, ctx, "signed-in")
//
// A test skips when Chromium is missing, and fails instead in CI
// (USERSAUTH_CI=1), like the other integration tests (internal/testenv).
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usersauth/usersauth/internal/testenv"
)

// Environment variables read by the package.
const (
	// ChromiumVar names the browser's executable; unset means
	// /usr/bin/chromium, else chromium or chromium-browser on PATH.
	ChromiumVar = "USERSAUTH_CHROMIUM"
	// ScreenshotDirVar names the directory Screenshot writes to: an
	// absolute path outside the repository, whose files CI keeps as
	// artefacts. Unset means the test's own temporary directory.
	ScreenshotDirVar = "USERSAUTH_SCREENSHOTS"
)

// Timeout bounds one test's use of the browser, start included; a hung
// page fails the test instead of stalling the run.
const Timeout = 2 * time.Minute

// Chromium returns the path of the browser's executable, or skips t
// without one (fails it in CI).
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(ChromiumVar); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if testenv.InCI() {
		t.Fatalf("chromium not found (install Debian's chromium, or set %s): browser tests must run in CI", ChromiumVar)
	}
	t.Skipf("chromium not found (apt-get install chromium, or set %s): skipping browser test", ChromiumVar)
	return ""
}

// flags are Chromium's command line: headless, in a fresh profile, with
// every background service that would reach out to the network off (this
// machine's network is closed: such connections hang or are refused), and
// host names other than localhost unresolvable, so a page cannot reach
// anything but the test's own server.
func flags(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userDataDir),
		// The sandbox needs user namespaces a root process in a container
		// does not get.
		chromedp.Flag("no-sandbox", os.Geteuid() == 0),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost"),
		chromedp.Flag("window-size", "1000,800"),
	}
}

// Start starts a headless Chromium for t and returns the chromedp context
// of its first tab, bounded by Timeout. The browser stops and its profile
// is removed when the test ends.
func Start(t testing.TB) context.Context {
	t.Helper()
	path := Chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(flags(t.TempDir()), chromedp.ExecPath(path))...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser under the untimed context, as
	// chromedp asks; the timeout then bounds the test's actions.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	timed, cancelTimed := context.WithTimeout(ctx, Timeout)
	t.Cleanup(cancelTimed)
	return timed
}

// Fatal fails t with err, naming the deadline when the browser ran out of
// time.
func Fatal(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: the browser did not finish within %v: %v", what, Timeout, err)
	}
	t.Fatalf("%s: %v", what, err)
}
