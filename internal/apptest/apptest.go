// Package apptest holds what the end-to-end tests of the library's routes
// share: a request builder, recorded answers, a fast password hasher that
// counts its work, and a log sink safe for concurrent writes. Only tests
// import it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// Secret is the signing secret of test applications.
var Secret = []byte("test-secret-0123456789abcdef-0123456789")

// FastArgon2 keeps tests quick; the real parameters are exercised by the
// auth package and the benchmarks.
var FastArgon2 = auth.Argon2Params{Memory: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// CountingHasher counts the hashing work the Manager asks for, so tests can
// prove "one hash for an unknown e-mail" without measuring time.
type CountingHasher struct {
	inner                     user.PasswordHasher
	Hashes, Verifies, Dummies atomic.Int64
}

// NewFastHasher is a CountingHasher over argon2id with params.
func NewFastHasher(t testing.TB, params auth.Argon2Params) *CountingHasher {
	t.Helper()
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return &CountingHasher{inner: h}
}

func (c *CountingHasher) Hash(ctx context.Context, p string) (string, error) {
	c.Hashes.Add(1)
	return c.inner.Hash(ctx, p)
}

func (c *CountingHasher) Verify(ctx context.Context, p, e string) (bool, bool, error) {
	c.Verifies.Add(1)
	return c.inner.Verify(ctx, p, e)
}

func (c *CountingHasher) VerifyDummy(ctx context.Context, p string) error {
	c.Dummies.Add(1)
	return c.inner.VerifyDummy(ctx, p)
}

// Total is every hash and verification so far.
func (c *CountingHasher) Total() int64 { return c.Hashes.Load() + c.Verifies.Load() + c.Dummies.Load() }

// LockedWriter is a log sink safe for concurrent writes.
type LockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *LockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// String is everything written so far.
func (l *LockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// Response is a recorded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the answer as a JSON object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q (status %d): %v", r.Body, r.Status, err)
	}
	return m
}

// Detail decodes the "detail" member of an error answer.
func (r Response) Detail(t testing.TB) any {
	t.Helper()
	var m struct {
		Detail any `json:"detail"`
	}
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q (status %d): %v", r.Body, r.Status, err)
	}
	return m.Detail
}

// Cookie returns the Set-Cookie of that name in the answer, or nil.
func (r Response) Cookie(name string) *http.Cookie {
	return r.Cookies()[name]
}

// Cookies returns the answer's Set-Cookies by name.
func (r Response) Cookies() map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		out[c.Name] = c
	}
	return out
}

// Req is a request under construction.
type Req struct {
	Method, Path string
	Body         io.Reader
	Header       http.Header
	// RemoteAddr, when set, is the request's; httptest's 192.0.2.1:1234
	// otherwise.
	RemoteAddr string
}

// NewReq starts a request.
func NewReq(method, path string) *Req {
	return &Req{Method: method, Path: path, Header: http.Header{}}
}

// JSON sets a JSON body.
func (r *Req) JSON(s string) *Req {
	r.Body = strings.NewReader(s)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// Raw sets a body of any content type ("" sends none).
func (r *Req) Raw(contentType, s string) *Req {
	r.Body = strings.NewReader(s)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// Bearer sends the token in the Authorization header.
func (r *Req) Bearer(token string) *Req {
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// AuthCookie sends the token in FastAPI Users' auth cookie.
func (r *Req) AuthCookie(token string) *Req {
	r.Header.Set("Cookie", "fastapiusersauth="+token)
	return r
}

// With sets a header.
func (r *Req) With(k, v string) *Req {
	r.Header.Set(k, v)
	return r
}

// From sets the address the request comes from ("203.0.113.7:4711").
func (r *Req) From(addr string) *Req {
	r.RemoteAddr = addr
	return r
}

// Form sets a URL-encoded form body of name, value pairs.
func (r *Req) Form(fields ...string) *Req {
	v := url.Values{}
	for i := 0; i < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	r.Body = strings.NewReader(v.Encode())
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// Multipart sets a multipart form body of name, value pairs.
func (r *Req) Multipart(fields ...string) *Req {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	r.Body = &buf
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// Serve sends r to h and records the answer.
func Serve(h http.Handler, r *Req) Response {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	hr := httptest.NewRequest(r.Method, r.Path, body)
	for k, v := range r.Header {
		hr.Header[k] = v
	}
	if r.RemoteAddr != "" {
		hr.RemoteAddr = r.RemoteAddr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, hr)
	return Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// SameJSON reports whether got and want are the same JSON value.
func SameJSON(t testing.TB, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// DiscardWriter is a ResponseWriter that keeps nothing, so benchmarks
// measure the handler and not the recorder.
type DiscardWriter struct{ H http.Header }

func (d *DiscardWriter) Header() http.Header         { return d.H }
func (d *DiscardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *DiscardWriter) WriteHeader(int)             {}
