// Package integration holds no code of its own: its tests run the library's
// routes end to end over every store and strategy, SQLite, PostgreSQL and
// Redis among them, through the public API as a host uses it. They live here
// rather than beside the root package so that the drivers they need never
// reach the go.sum of a host that imports only the root: a host's go mod
// tidy loads the tests of the packages it imports, and no host imports this
// one.
package integration
