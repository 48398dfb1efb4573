package usersauth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

var testSecret = []byte("test-secret-0123456789abcdef-0123456789")

// fastArgon2 keeps tests quick; the real parameters are exercised by the
// auth package and the benchmarks.
var fastArgon2 = auth.Argon2Params{Memory: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// countingHasher counts the hashing work the Manager asks for, so tests can
// prove "one hash for an unknown e-mail" without measuring time.
type countingHasher struct {
	inner                 user.PasswordHasher
	hashes, verifies, dum atomic.Int64
}

func (c *countingHasher) Hash(ctx context.Context, p string) (string, error) {
	c.hashes.Add(1)
	return c.inner.Hash(ctx, p)
}

func (c *countingHasher) Verify(ctx context.Context, p, e string) (bool, bool, error) {
	c.verifies.Add(1)
	return c.inner.Verify(ctx, p, e)
}

func (c *countingHasher) VerifyDummy(ctx context.Context, p string) error {
	c.dum.Add(1)
	return c.inner.VerifyDummy(ctx, p)
}

func (c *countingHasher) total() int64 { return c.hashes.Load() + c.verifies.Load() + c.dum.Load() }

func newFastHasher(t testing.TB, params auth.Argon2Params) *countingHasher {
	t.Helper()
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return &countingHasher{inner: h}
}

type testApp[U user.Model] struct {
	t         testing.TB
	ua        *UsersAuth[U]
	store     *memory.Store[U]
	hasher    *countingHasher
	handler   http.Handler
	logWriter *lockedWriter
}

func testBackends() []backend.Backend {
	return []backend.Backend{
		{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(testSecret, time.Hour)},
		{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{MaxAge: 3600}), Strategy: backend.JWT(testSecret, time.Hour)},
	}
}

// newApp builds a UsersAuth over a memory store with the jwt and cookie
// backends, mounted on a ServeMux as a host would.
func newApp[U user.Model](t testing.TB, configure func(*Options[U])) *testApp[U] {
	t.Helper()
	lw := &lockedWriter{w: &bytes.Buffer{}}
	ta := &testApp[U]{t: t, store: memory.New[U](), hasher: newFastHasher(t, fastArgon2), logWriter: lw}
	opts := Options[U]{
		Store:    ta.store,
		Secret:   testSecret,
		Backends: testBackends(),
		Hasher:   ta.hasher,
		Logger:   slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if configure != nil {
		configure(&opts)
	}
	ua, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ta.ua = ua
	mux := http.NewServeMux()
	ua.Mount(mux)
	ta.handler = mux
	return ta
}

func newUserApp(t testing.TB, configure func(*Options[*user.User])) *testApp[*user.User] {
	return newApp(t, configure)
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (ta *testApp[U]) logText() string {
	lw := ta.logWriter
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.String()
}

// response is a recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// req is a request under construction.
type req struct {
	method, path string
	body         io.Reader
	header       http.Header
}

func newReq(method, path string) *req {
	return &req{method: method, path: path, header: http.Header{}}
}

func (r *req) jsonBody(s string) *req {
	r.body = strings.NewReader(s)
	r.header.Set("Content-Type", "application/json")
	return r
}

func (r *req) rawBody(contentType, s string) *req {
	r.body = strings.NewReader(s)
	if contentType != "" {
		r.header.Set("Content-Type", contentType)
	}
	return r
}

func (r *req) bearer(token string) *req {
	r.header.Set("Authorization", "Bearer "+token)
	return r
}

func (r *req) cookie(token string) *req {
	r.header.Set("Cookie", "fastapiusersauth="+token)
	return r
}

func (r *req) with(k, v string) *req {
	r.header.Set(k, v)
	return r
}

func (r *req) form(fields ...string) *req {
	v := url.Values{}
	for i := 0; i < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	r.body = strings.NewReader(v.Encode())
	r.header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func (r *req) multipart(fields ...string) *req {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	r.body = &buf
	r.header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func (ta *testApp[U]) do(r *req) response {
	ta.t.Helper()
	hr := httptest.NewRequest(r.method, r.path, r.body)
	if r.body == nil {
		hr = httptest.NewRequest(r.method, r.path, http.NoBody)
	}
	for k, v := range r.header {
		hr.Header[k] = v
	}
	rec := httptest.NewRecorder()
	ta.handler.ServeHTTP(rec, hr)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// register creates a user through the route and returns its id.
func (ta *testApp[U]) register(email, password string) uuid.UUID {
	ta.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res := ta.do(newReq("POST", "/auth/register").jsonBody(string(body)))
	if res.status != http.StatusCreated {
		ta.t.Fatalf("register %s: %d %s", email, res.status, res.body)
	}
	return uuid.MustParse(res.json(ta.t)["id"].(string))
}

// login returns a bearer token for the user.
func (ta *testApp[U]) login(email, password string) string {
	ta.t.Helper()
	res := ta.do(newReq("POST", "/auth/jwt/login").form("username", email, "password", password))
	if res.status != http.StatusOK {
		ta.t.Fatalf("login %s: %d %s", email, res.status, res.body)
	}
	return res.json(ta.t)["access_token"].(string)
}

// set changes a stored user directly, as an administrator would in the
// database.
func (ta *testApp[U]) set(id uuid.UUID, change func(b *user.Base)) {
	ta.t.Helper()
	if _, err := ta.store.Update(context.Background(), id, func(u U) error {
		change(u.UserBase())
		return nil
	}); err != nil {
		ta.t.Fatal(err)
	}
}

func (ta *testApp[U]) get(id uuid.UUID) U {
	ta.t.Helper()
	u, err := ta.store.Get(context.Background(), id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return u
}
