package browsertest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/browsertest"
	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

// harness is a tiny relying party: the page of testdata/passkeys.html and
// the routes it calls, on package passkey/webauthn, with everything in
// memory. Its signed-in user is fixed: the test is about the ceremonies,
// not sessions.
type harness struct {
	t    testing.TB
	rp   passkey.RelyingParty
	page []byte
	me   passkey.User

	mu         sync.Mutex
	creds      []passkey.Credential // the signed-in user's
	regSession []byte               // the pending registration, single-use
	logins     map[string][]byte    // ticket -> session, single-use
	tokens     map[string]uuid.UUID // access token -> user
	signIns    []passkey.Assertion
}

func newHarness(t testing.TB) (*harness, string) {
	t.Helper()
	page, err := os.ReadFile("testdata/passkeys.html")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t: t, page: page,
		me:     passkey.User{ID: uuid.New(), Name: "king.arthur@camelot.bt"},
		logins: map[string][]byte{}, tokens: map[string]uuid.UUID{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(h.page)
	})
	mux.HandleFunc("POST /users/me/passkeys/begin", h.registerBegin)
	mux.HandleFunc("POST /users/me/passkeys/finish", h.registerFinish)
	mux.HandleFunc("POST /auth/jwt/passkey/begin", h.loginBegin)
	mux.HandleFunc("POST /auth/jwt/passkey/finish", h.loginFinish)
	mux.HandleFunc("GET /users/me", h.usersMe)
	srv := httptest.NewServer(mux) // 127.0.0.1, a free port
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// localhost is a secure context on http, and a valid relying party id.
	origin := "http://localhost:" + port
	h.rp, err = webauthn.New(webauthn.Config{RPID: "localhost", RPName: "usersauth browser test", Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return h, origin
}

func (h *harness) registerBegin(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.me
	u.Credentials = h.creds
	c, err := h.rp.BeginRegistration(u)
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "begin registration", err)
		return
	}
	h.regSession = c.Session
	writeJSON(w, http.StatusOK, c.Options)
}

func (h *harness) registerFinish(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Credential json.RawMessage `json:"credential"`
		Name       string          `json:"name"`
	}
	if !decode(w, r, &body) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	session := h.regSession
	h.regSession = nil
	cred, err := h.rp.FinishRegistration(h.me.ID, session, body.Credential)
	if err != nil {
		h.fail(w, http.StatusBadRequest, "finish registration", err)
		return
	}
	h.creds = append(h.creds, cred)
	writeJSON(w, http.StatusCreated, map[string]any{"id": uuid.New(), "name": body.Name, "created_at": time.Now().UTC()})
}

func (h *harness) loginBegin(w http.ResponseWriter, _ *http.Request) {
	c, err := h.rp.BeginLogin()
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "begin login", err)
		return
	}
	ticket := random()
	h.mu.Lock()
	h.logins[ticket] = c.Session
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ticket": ticket, "publicKey": c.PublicKey})
}

func (h *harness) loginFinish(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Ticket     string          `json:"ticket"`
		Credential json.RawMessage `json:"credential"`
	}
	if !decode(w, r, &body) {
		return
	}
	h.mu.Lock()
	session := h.logins[body.Ticket]
	delete(h.logins, body.Ticket)
	h.mu.Unlock()
	a, err := h.rp.FinishLogin(r.Context(), session, body.Credential, h.lookup)
	if err != nil {
		h.fail(w, http.StatusBadRequest, "finish login", err)
		return
	}
	token := random()
	h.mu.Lock()
	for i := range h.creds {
		if bytes.Equal(h.creds[i].ID, a.CredentialID) {
			h.creds[i].SignCount, h.creds[i].BackupState = a.SignCount, a.BackupState
		}
	}
	h.signIns = append(h.signIns, a)
	h.tokens[token] = a.UserID
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"access_token": token, "token_type": "bearer"})
}

// lookup is the store's part: the owner of a credential, and its
// credentials.
func (h *harness) lookup(_ context.Context, credentialID []byte, _ uuid.UUID) (uuid.UUID, []passkey.Credential, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.creds {
		if bytes.Equal(c.ID, credentialID) {
			return h.me.ID, append([]passkey.Credential(nil), h.creds...), nil
		}
	}
	return uuid.Nil, nil, passkey.ErrUnknownCredential
}

func (h *harness) usersMe(w http.ResponseWriter, r *http.Request) {
	const prefix = "Bearer "
	auth := r.Header.Get("Authorization")
	h.mu.Lock()
	id, ok := h.tokens[auth[min(len(prefix), len(auth)):]]
	h.mu.Unlock()
	if len(auth) < len(prefix) || !ok || id != h.me.ID {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Unauthorized"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": h.me.ID, "email": h.me.Name})
}

// fail answers the contract's refusal; the reason goes to the test log only.
func (h *harness) fail(w http.ResponseWriter, status int, what string, err error) {
	h.t.Logf("harness: %s: %v", what, err)
	writeJSON(w, status, map[string]string{"detail": "LOGIN_PASSKEY_FAILED"})
}

func (h *harness) forget() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.creds = nil
}

func (h *harness) state() ([]passkey.Credential, []passkey.Assertion) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]passkey.Credential(nil), h.creds...), append([]passkey.Assertion(nil), h.signIns...)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, passkey.MaxResponseSize+4096)).Decode(v); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "invalid JSON"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if raw, ok := v.(json.RawMessage); ok {
		_, _ = w.Write(raw)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// press clicks the button with the id and returns the status line once the
// page's action ended, with its state: "ok" or "error".
func press(t *testing.T, ctx context.Context, id string) (state, text string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](`document.getElementById("status").dataset.state = "idle"`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS("#"+id)),
	)
	if err != nil {
		browsertest.Fatal(t, "clicking #"+id, err)
	}
	state, err = chromedp.Run(ctx, chromedp.Poll[string](
		`["ok", "error"].includes(document.getElementById("status").dataset.state) && document.getElementById("status").dataset.state`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		browsertest.Fatal(t, "waiting for #"+id, err)
	}
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
	if err != nil {
		browsertest.Fatal(t, "reading the status", err)
	}
	return state, text
}

// TestPasskeyInChromium runs the whole chain in a real browser: the page's
// JavaScript calls navigator.credentials.create and .get, Chromium's
// virtual authenticator answers, and package passkey/webauthn verifies, over HTTP.
func TestPasskeyInChromium(t *testing.T) {
	h, origin := newHarness(t)
	ctx := browsertest.Start(t)
	auth := browsertest.AddAuthenticator(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		browsertest.Fatal(t, "opening the page", err)
	}

	// Register.
	if state, text := press(t, ctx, "register"); state != "ok" || text != `Passkey "This device" added.` {
		t.Fatalf("adding a passkey: %s: %q", state, text)
	}
	stored, _ := h.state()
	held := auth.Credentials(t)
	if len(stored) != 1 || len(held) != 1 {
		t.Fatalf("%d credentials stored, %d on the authenticator; want 1 and 1", len(stored), len(held))
	}
	if !bytes.Equal(stored[0].ID, held[0].CredentialID) || !held[0].IsResidentCredential || held[0].RpID != "localhost" ||
		!bytes.Equal(held[0].UserHandle, h.me.ID[:]) || !stored[0].UserVerified {
		t.Fatalf("stored %+v; the authenticator holds %+v", stored[0], held[0])
	}
	t.Logf("registered: credential %x, attestation %q, transports %q, AAGUID %v",
		stored[0].ID, stored[0].AttestationFormat, stored[0].Transports, stored[0].AAGUID)

	// Sign in, twice: the counter follows the authenticator's.
	for n := 1; n <= 2; n++ {
		if state, text := press(t, ctx, "signin"); state != "ok" || text != "Signed in as king.arthur@camelot.bt." {
			t.Fatalf("sign-in %d: %s: %q", n, state, text)
		}
		stored, signIns := h.state()
		held := auth.Credentials(t)
		a := signIns[len(signIns)-1]
		if len(signIns) != n || a.UserID != h.me.ID || !bytes.Equal(a.CredentialID, held[0].CredentialID) || !a.UserVerified {
			t.Fatalf("sign-in %d: %+v", n, a)
		}
		if a.SignCount == 0 || float64(a.SignCount) != held[0].SignCount || stored[0].SignCount != a.SignCount {
			t.Fatalf("sign-in %d: counter %d, stored %d, authenticator %v", n, a.SignCount, stored[0].SignCount, held[0].SignCount)
		}
		if n == 2 && a.SignCount <= signIns[0].SignCount {
			t.Fatalf("the counter did not increase: %d then %d", signIns[0].SignCount, a.SignCount)
		}
	}
	browsertest.Screenshot(t, ctx, "signed-in")

	// The passkey's row is deleted: the authenticator still offers it,
	// and the sign-in is refused.
	h.forget()
	if state, text := press(t, ctx, "signin"); state != "error" || text != "LOGIN_PASSKEY_FAILED" {
		t.Fatalf("sign-in with a deleted passkey: %s: %q", state, text)
	}
	// No passkey on the device at all: the browser finds none to offer.
	auth.Clear(t)
	if state, text := press(t, ctx, "signin"); state != "error" || !strings.HasPrefix(text, "NotAllowedError") {
		t.Fatalf("sign-in without a passkey: %s: %q", state, text)
	}
	browsertest.Screenshot(t, ctx, "refused")
}
