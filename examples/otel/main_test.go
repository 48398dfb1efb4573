package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/usersauth/usersauth/internal/readmetest"
)

// TestSpansNamedAfterRoutes: every request gets one span, named after the
// library's route or the host's; a user's id never names a span.
func TestSpansNamedAfterRoutes(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	_, mux, err := newMux([]byte("a-secret-of-at-least-32-bytes-for-the-test"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h := traced(mux, tp)
	serve := func(method, path, contentType, body string) int {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	serve("POST", "/auth/register", "application/json", `{"email":"king.arthur@camelot.bt","password":"guinevere"}`)
	serve("POST", "/auth/jwt/login", "application/x-www-form-urlencoded", url.Values{"username": {"king.arthur@camelot.bt"}, "password": {"guinevere"}}.Encode())
	serve("GET", "/users/4fd3477b-eccf-4ee3-8f7d-68ad72261476", "", "")
	serve("GET", "/hello", "", "")
	serve("GET", "/auth/no-such-route", "", "")
	if code := serve("GET", "/hello", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("GET /hello without a token: %d", code)
	}

	want := []string{
		"POST /auth/register",
		"POST /auth/jwt/login",
		"GET /users/{id}",
		"GET /hello",
		"GET /auth/", // the catch-all answering 404
		"GET /hello",
	}
	ended := spans.Ended()
	if len(ended) != len(want) {
		t.Fatalf("%d spans, want %d", len(ended), len(want))
	}
	for i, s := range ended {
		if s.Name() != want[i] {
			t.Errorf("span %d: %q, want %q", i, s.Name(), want[i])
		}
	}
}

// TestReadmeShowsThisExample: the README's tracing section is this file's
// traced.
func TestReadmeShowsThisExample(t *testing.T) {
	if err := readmetest.Shown("../../README.md", "examples/otel", "main.go", "traced"); err != nil {
		t.Fatal(err)
	}
}
