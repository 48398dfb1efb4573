// Package testenv gives tests the external services they need (PostgreSQL,
// Redis) from environment variables, and decides what a test does when one is
// missing: skip on a developer's machine, fail in CI.
package testenv

import (
	"os"
	"testing"
)

// Environment variables read by the integration tests.
const (
	// PostgresVar holds a PostgreSQL URL for a database the tests may fill
	// and empty, e.g. postgres://usersauth:usersauth@127.0.0.1:5432/usersauth_test.
	PostgresVar = "USERSAUTH_TEST_POSTGRES"
	// RedisVar holds the address of a Redis server the tests may flush,
	// e.g. 127.0.0.1:6379.
	RedisVar = "USERSAUTH_TEST_REDIS"
	// CIVar, when set to 1, turns every skipped integration test into a
	// failure: in CI a missing service is a broken pipeline, not a pass.
	CIVar = "USERSAUTH_CI"
)

// Postgres returns the PostgreSQL URL for integration tests, or skips t (fails
// it in CI) when none is configured.
func Postgres(t testing.TB) string { return lookup(t, PostgresVar, "PostgreSQL") }

// Redis returns the Redis address for integration tests, or skips t (fails it
// in CI) when none is configured.
func Redis(t testing.TB) string { return lookup(t, RedisVar, "Redis") }

// InCI reports whether the tests run in CI, where skipping is failing.
func InCI() bool { return os.Getenv(CIVar) == "1" }

func lookup(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if InCI() {
		t.Fatalf("%s is not set: %s integration tests must run in CI", name, what)
	}
	t.Skipf("%s not set: skipping %s integration test", name, what)
	return ""
}
