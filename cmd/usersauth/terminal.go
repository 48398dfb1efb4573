package main

import (
	"context"
	"os"

	// The standard library has no portable way to turn off a terminal's
	// echo; x/term does it on Unix and Windows.
	"golang.org/x/term"
)

// terminal is a stdin that may be an interactive terminal. run shows
// prompts, reads passwords without echo and asks confirmations only when
// stdin implements it and IsTerminal reports true; main passes a
// *ttyInput, tests pass fakes.
type terminal interface {
	// Read reads typed input, echoed, such as a confirmation.
	Read(p []byte) (int, error)
	// IsTerminal reports whether a person is typing on stdin.
	IsTerminal() bool
	// ReadPassword reads one line without echoing it. When ctx ends first
	// it returns ctx.Err() with the terminal restored.
	ReadPassword(ctx context.Context) (string, error)
}

// ttyInput is the process's stdin as a terminal.
type ttyInput struct {
	f *os.File
}

func (t ttyInput) Read(p []byte) (int, error) { return t.f.Read(p) }

func (t ttyInput) IsTerminal() bool { return term.IsTerminal(int(t.f.Fd())) }

// ReadPassword reads a line with echo off. term.ReadPassword restores the
// terminal when it returns, but a Ctrl-C while it waits would kill the
// process with echo still off: so the read runs on its own goroutine, and
// when ctx ends (main cancels it on SIGINT and SIGTERM) the state saved
// here is restored before returning; the abandoned read ends with the
// process.
func (t ttyInput) ReadPassword(ctx context.Context) (string, error) {
	fd := int(t.f.Fd())
	saved, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	defer term.Restore(fd, saved)
	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := term.ReadPassword(fd)
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return string(r.line), r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
