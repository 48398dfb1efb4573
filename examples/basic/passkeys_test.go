package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usersauth/usersauth/internal/browsertest"
	"github.com/usersauth/usersauth/user"
)

// page drives the example's /passkeys page in a tab.
type page struct {
	t   *testing.T
	ctx context.Context
}

// press clicks the element the selector names and returns the status
// line once the page's action ended, with its state: "ok" or "error".
func (p page) press(selector string) (state, text string) {
	p.t.Helper()
	err := chromedp.Do(p.ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](`document.getElementById("status").dataset.state = "idle"`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(selector)),
	)
	if err != nil {
		browsertest.Fatal(p.t, "clicking "+selector, err)
	}
	state, err = chromedp.Run(p.ctx, chromedp.Poll[string](
		`["ok", "error"].includes(document.getElementById("status").dataset.state) && document.getElementById("status").dataset.state`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		browsertest.Fatal(p.t, "waiting for "+selector, err)
	}
	text, err = chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("#status")))
	if err != nil {
		browsertest.Fatal(p.t, "reading the status", err)
	}
	return state, text
}

// want presses and checks the outcome.
func (p page) want(selector, wantState, wantText string) {
	p.t.Helper()
	if state, text := p.press(selector); state != wantState || text != wantText {
		p.t.Fatalf("%s: %s %q, want %s %q", selector, state, text, wantState, wantText)
	}
}

// fill types into an input, replacing what it holds.
func (p page) fill(selector, value string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.SetValue(chromedp.CSS(selector), value)); err != nil {
		browsertest.Fatal(p.t, "filling "+selector, err)
	}
}

// count returns how many elements the selector matches.
func (p page) count(selector string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+selector+"`"+`).length`))
	if err != nil {
		browsertest.Fatal(p.t, "counting "+selector, err)
	}
	return n
}

// TestPasskeysInChromium runs the example server and its /passkeys page in
// headless Chromium, whose virtual authenticator stands in for the user's
// device: register a passkey, sign out, sign in with it, use it as the
// second step of a password login, delete it and see the sign-in refused.
// It saves screenshots as artefacts of the run ($USERSAUTH_SCREENSHOTS, or
// the test's temporary directory), never in the repository.
func TestPasskeysInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	a, base := startServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	// The server made passkeys for http://localhost:<its port>, a secure
	// context over plain http.
	origin := "http://localhost:" + port
	x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}
	resp, body := x.do("POST", "/auth/register", jsonHeader(""), strings.NewReader(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`))
	wantStatus(t, "register", resp, body, http.StatusCreated)

	ctx := browsertest.Start(t)
	auth := browsertest.AddAuthenticator(t, ctx)
	p := page{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/passkeys"), chromedp.WaitVisible(chromedp.CSS("#signed-out"))); err != nil {
		browsertest.Fatal(t, "opening the page", err)
	}

	// Signed in with the password alone: no factor yet.
	p.fill("#email", "king.arthur@camelot.bt")
	p.fill("#password", "guinevere")
	p.want("#password-signin", "ok", "Signed in as king.arthur@camelot.bt.")

	// Register a passkey.
	p.fill("#passkey-name", "Chromium")
	p.want("#add-passkey", "ok", `Passkey "Chromium" added.`)
	held := auth.Credentials(t)
	if len(held) != 1 || !held[0].IsResidentCredential || held[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %+v, want one discoverable credential for localhost", held)
	}
	if n := p.count("#passkeys .delete"); n != 1 {
		t.Fatalf("the page lists %d passkeys, want 1", n)
	}

	// Sign out, then in with the passkey, passwordless.
	p.want("#signout", "ok", "Signed out.")
	p.want("#passkey-signin", "ok", "Signed in as king.arthur@camelot.bt.")
	// The server keeps the authenticator's counter.
	held = auth.Credentials(t)
	stored, err := a.store.(user.PasskeyStore).PasskeyByCredentialID(t.Context(), held[0].CredentialID)
	if err != nil || stored.SignCount == 0 || float64(stored.SignCount) != held[0].SignCount {
		t.Fatalf("stored %+v (%v); the authenticator's counter is %v", stored, err, held[0].SignCount)
	}

	// The password now asks for the passkey as the second step.
	p.want("#signout", "ok", "Signed out.")
	p.fill("#email", "king.arthur@camelot.bt")
	p.fill("#password", "guinevere")
	p.want("#password-signin", "ok", "Signed in as king.arthur@camelot.bt, with a passkey as the second step.")
	browsertest.Screenshot(t, ctx, "signed-in")

	// The server says so too.
	resp, body = x.do("POST", "/auth/jwt/login", formHeader(), strings.NewReader("username=king.arthur%40camelot.bt&password=guinevere"))
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte(`"methods":["passkey"]`)) {
		t.Fatalf("password login of a user with a passkey: %d %s", resp.StatusCode, body)
	}

	// Delete it: the device still offers it, and the server refuses it.
	p.want("#passkeys .delete", "ok", `Passkey "Chromium" deleted.`)
	p.want("#signout", "ok", "Signed out.")
	p.want("#passkey-signin", "error", "LOGIN_PASSKEY_FAILED")
	browsertest.Screenshot(t, ctx, "refused")

	// Without a factor, the password alone signs in again.
	p.fill("#email", "king.arthur@camelot.bt")
	p.fill("#password", "guinevere")
	p.want("#password-signin", "ok", "Signed in as king.arthur@camelot.bt.")
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
}

// TestPasskeyOrigin: the origin passkeys are made for follows the port the
// server listens on, unless -origin names one; an origin browsers would
// not run passkeys on is refused at start.
func TestPasskeyOrigin(t *testing.T) {
	for _, tc := range []struct {
		name, flag string
		addr       net.Addr
		want       string
	}{
		{"the port listened on", "", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 43117}, "http://localhost:43117"},
		{"the flag", "https://login.camelot.bt/", &net.TCPAddr{Port: 8000}, "https://login.camelot.bt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := passkeyOrigin(tc.flag, tc.addr)
			if got != tc.want {
				t.Fatalf("passkeyOrigin = %q, want %q", got, tc.want)
			}
			rp, err := newPasskeys(got)
			if err != nil {
				t.Fatal(err)
			}
			if u, _ := url.Parse(got); rp.RPID() != u.Hostname() {
				t.Fatalf("relying party %q for %s", rp.RPID(), got)
			}
		})
	}
	for _, bad := range []string{"http://login.camelot.bt", "login.camelot.bt", "https://127.0.0.1", "ftp://localhost"} {
		if _, err := newPasskeys(bad); err == nil {
			t.Errorf("newPasskeys(%q) accepted it", bad)
		}
	}
	dir := t.TempDir()
	err := run(t.Context(), config{addr: "127.0.0.1:0", dataDir: dir, db: filepath.Join(dir, "usersauth.db"), origin: "http://camelot.bt"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "passkeys") {
		t.Fatalf("run with an http origin = %v", err)
	}
}

// TestPasskeyPage: /passkeys is the page, with a policy that allows its
// own inline script and style and nothing else.
func TestPasskeyPage(t *testing.T) {
	_, base := startServer(t)
	x := exchange{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second}}
	resp, body := x.do("GET", "/passkeys", nil, nil)
	wantStatus(t, "page", resp, body, http.StatusOK)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("navigator.credentials.create")) {
		t.Fatalf("page %s: %.80s", resp.Header.Get("Content-Type"), body)
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Count(csp, "'sha256-") != 2 || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
}
