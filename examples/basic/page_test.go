package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/usersauth/usersauth/internal/browsertest"
)

// pageStatus waits for the page's action to end and returns its status
// line: its state ("ok" or "error") and text.
func pageStatus(t *testing.T, ctx context.Context) (state, text string) {
	t.Helper()
	state, err := chromedp.Run(ctx, chromedp.Poll[string](
		`["ok", "error"].includes(document.getElementById("status").dataset.state) && document.getElementById("status").dataset.state`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		browsertest.Fatal(t, "waiting for the page", err)
	}
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
	if err != nil {
		browsertest.Fatal(t, "reading the status", err)
	}
	return state, text
}

// submit fills the inputs (id, value pairs), clicks the button with id and
// returns the status once the page's action ended.
func submit(t *testing.T, ctx context.Context, button string, inputs ...string) (state, text string) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Evaluate[chromedp.Void](`document.getElementById("status").dataset.state = "idle"`),
	}
	for i := 0; i+1 < len(inputs); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.CSS("#"+inputs[i]), inputs[i+1]))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("#"+button)))
	if err := chromedp.Do(ctx, steps...); err != nil {
		browsertest.Fatal(t, "pressing #"+button, err)
	}
	return pageStatus(t, ctx)
}

func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#"+id)))
	if err != nil {
		browsertest.Fatal(t, "reading #"+id, err)
	}
	return s
}

// crossOriginForm is a page of another origin that posts a form to the
// example's logout as soon as it loads: the classic cross-site request
// forgery, with the browser attaching the session cookie (the two origins
// are one site, localhost, so SameSite=Lax lets the cookie go).
const crossOriginForm = `<!doctype html><form id="f" method="post" action="TARGET"></form>
<script>document.getElementById("f").submit()</script>`

// TestPageInChromium drives examples/basic's page in headless Chromium
// against the example server: register, sign in with the cookie backend,
// see the profile, change the e-mail, then a forged cross-origin logout
// that the library refuses (403, the session lives on), then sign out. It
// saves screenshots as artefacts of the run.
func TestPageInChromium(t *testing.T) {
	_, base := startServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	// localhost, not 127.0.0.1: the session cookie is Secure, which
	// browsers accept over plain http on localhost only.
	origin := "http://localhost:" + port
	ctx := browsertest.Start(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		browsertest.Fatal(t, "opening the page", err)
	}
	if state, msg := pageStatus(t, ctx); state != "ok" || msg != "Not signed in." {
		t.Fatalf("the page opened with %s: %q", state, msg)
	}

	const email, password = "king.arthur@camelot.bt", "guinevere"
	if state, msg := submit(t, ctx, "register", "register-email", email, "register-password", password); state != "ok" || msg != "Registered "+email+": sign in below." {
		t.Fatalf("registering: %s: %q", state, msg)
	}
	if state, msg := submit(t, ctx, "register", "register-email", email, "register-password", password); state != "error" || msg != "REGISTER_USER_ALREADY_EXISTS" {
		t.Fatalf("registering twice: %s: %q", state, msg)
	}
	if state, msg := submit(t, ctx, "login", "login-email", email, "login-password", "excalibur"); state != "error" || msg != "LOGIN_BAD_CREDENTIALS" {
		t.Fatalf("a wrong password: %s: %q", state, msg)
	}
	if state, msg := submit(t, ctx, "login", "login-email", email, "login-password", password); state != "ok" || msg != "Signed in as "+email+"." {
		t.Fatalf("signing in: %s: %q", state, msg)
	}
	if got := text(t, ctx, "profile-email"); got != email {
		t.Fatalf("the profile shows %q", got)
	}

	const newEmail = "arthur.pendragon@camelot.bt"
	if state, msg := submit(t, ctx, "change-email", "new-email", newEmail); state != "ok" || msg != "Your e-mail is now "+newEmail+" (to verify again)." {
		t.Fatalf("changing the e-mail: %s: %q", state, msg)
	}
	if got, verified := text(t, ctx, "profile-email"), text(t, ctx, "profile-verified"); got != newEmail || verified != "no" {
		t.Fatalf("the profile shows %q, verified %q", got, verified)
	}
	browsertest.Screenshot(t, ctx, "signed-in")

	// A page of another origin posts to logout with the session cookie:
	// refused by the cross-origin check.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(strings.Replace(crossOriginForm, "TARGET", origin+"/auth/cookie/logout", 1)))
	}))
	t.Cleanup(attacker.Close)
	_, attackerPort, _ := net.SplitHostPort(attacker.Listener.Addr().String())
	if err := chromedp.Do(ctx, chromedp.Navigate("http://localhost:"+attackerPort+"/")); err != nil {
		browsertest.Fatal(t, "opening the other origin's page", err)
	}
	answer, err := chromedp.Run(ctx, chromedp.Poll[string](
		`location.pathname === "/auth/cookie/logout" && document.readyState === "complete" && document.body.innerText`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		browsertest.Fatal(t, "waiting for the forged logout's answer", err)
	}
	if strings.TrimSpace(answer) != `{"detail":"Forbidden"}` {
		t.Fatalf("the forged logout was answered %q", answer)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		browsertest.Fatal(t, "opening the page again", err)
	}
	if state, msg := pageStatus(t, ctx); state != "ok" || msg != "Signed in as "+newEmail+"." {
		t.Fatalf("after the forged logout: %s: %q", state, msg)
	}

	if state, msg := submit(t, ctx, "logout"); state != "ok" || msg != "Signed out." {
		t.Fatalf("signing out: %s: %q", state, msg)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		browsertest.Fatal(t, "opening the page again", err)
	}
	if state, msg := pageStatus(t, ctx); state != "ok" || msg != "Not signed in." {
		t.Fatalf("after signing out: %s: %q", state, msg)
	}
	browsertest.Screenshot(t, ctx, "signed-out")
}

// TestPageHeaders: the page goes out with a policy that runs its own
// script and style only, and keeps it out of frames.
func TestPageHeaders(t *testing.T) {
	_, base := startServer(t)
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'sha256-", "style-src 'sha256-", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%d %v", res.StatusCode, res.Header)
	}
	if _, err := inlineHash([]byte("<script>a</script><script>b</script>"), "script"); err == nil {
		t.Error("two scripts were hashed as one")
	}
}
