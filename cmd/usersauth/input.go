package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/usersauth/usersauth/user"
)

// maxLine bounds a line read from stdin. A password the policy could accept
// is at most user.MaxPasswordBytes; anything up to maxLine reaches the
// policy, which says why it is refused.
const maxLine = 4 * user.MaxPasswordBytes

var (
	errNoInput     = errors.New("no input on stdin")
	errLineTooLong = fmt.Errorf("the line on stdin is longer than %d bytes", maxLine)
)

// readLine reads one line from r, without its "\n" or "\r\n"; a last line
// without a newline counts. Nothing else is trimmed: a password is its exact
// bytes. The read runs on its own goroutine so that a Ctrl-C (ctx ending)
// is not held up by a stdin that never ends; the abandoned read ends with
// the process.
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLineFrom(r)
		done <- result{line, err}
	}()
	select {
	case res := <-done:
		return res.line, res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// readLineFrom reads byte by byte, so that nothing after the line is taken
// from r.
func readLineFrom(r io.Reader) (string, error) {
	var (
		line []byte
		buf  [1]byte
	)
	for {
		n, err := r.Read(buf[:])
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			if len(line) == maxLine {
				return "", errLineTooLong
			}
			line = append(line, buf[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return "", errNoInput
			}
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading stdin: %w", err)
		}
	}
	return strings.TrimSuffix(string(line), "\r"), nil
}

// readNewPassword returns the password for a new account: typed twice
// without echo on a terminal, checked by check after the first entry, or
// one line of stdin otherwise (for scripts: echo pw | usersauth ...).
func readNewPassword(ctx context.Context, s *session, check func(string) error) (string, error) {
	if s.term == nil {
		pw, err := readLine(ctx, s.stdin)
		if errors.Is(err, errNoInput) {
			return "", errors.New("no password: stdin is not a terminal and holds no line (echo password | usersauth create-superuser ...)")
		}
		return pw, err
	}
	pw, err := prompt(ctx, s, "Password: ")
	if err != nil {
		return "", err
	}
	if err := check(pw); err != nil {
		return "", err
	}
	again, err := prompt(ctx, s, "Password (again): ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the passwords do not match")
	}
	return pw, nil
}

// prompt reads a password from the terminal. The prompt goes to stderr so
// that stdout holds only results.
func prompt(ctx context.Context, s *session, text string) (string, error) {
	io.WriteString(s.stderr, text)
	pw, err := s.term.ReadPassword(ctx)
	// The Enter that ended the line was not echoed either.
	io.WriteString(s.stderr, "\n")
	if errors.Is(err, io.EOF) {
		return "", errors.New("no password entered")
	}
	return pw, err
}

// confirm asks question on the terminal and reports whether the answer was
// yes.
func confirm(ctx context.Context, s *session, question string) (bool, error) {
	fmt.Fprintf(s.stderr, "%s [y/N] ", question)
	answer, err := readLine(ctx, s.term)
	if errors.Is(err, errNoInput) {
		io.WriteString(s.stderr, "\n")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
