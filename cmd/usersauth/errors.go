package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// usageError is a command line that cannot run as given (exit code 2),
// found after the flags were parsed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// report prints err, if any, as one line on stderr and returns the exit
// code. Messages never hold a password, a hash or a token; the DSN's
// password is masked in case a driver quotes the DSN.
func report(ctx context.Context, stderr io.Writer, cmd, dsn string, err error) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "usersauth: interrupted")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "usersauth %s: %s\n", cmd, message(err, dsn))
	if _, ok := errors.AsType[*usageError](err); ok {
		return exitUsage
	}
	return exitFailure
}

// message is err's text on one line, without sqlstore's wrapping (the
// command names the operation), with the DSN's password masked and
// characters that could drive a terminal escaped.
func message(err error, dsn string) string {
	return sanitize(redact(oneLine(cause(err).Error()), dsn))
}

// cause drops the "sqlstore: <operation>:" wrappers around a driver's
// error. Errors of sqlstore's own that wrap nothing are kept whole.
func cause(err error) error {
	for strings.HasPrefix(err.Error(), "sqlstore: ") {
		inner := errors.Unwrap(err)
		if inner == nil {
			break
		}
		err = inner
	}
	return err
}

// oneLine joins the lines of a multi-line driver message (pgx lists each
// address it tried on a line of its own), dropping repeated lines.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	seen := map[string]bool{}
	for line := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" || seen[line] {
			continue
		}
		seen[line] = true
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteByte(' ')
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// redact masks the password of a postgres:// DSN where s quotes the DSN or
// its user:password@ part. pgx masks it itself; this guards any other path
// that might quote the DSN. (Masking the bare password everywhere would
// mangle messages when it is a common word, such as the user name.)
func redact(s, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	s = strings.ReplaceAll(s, dsn, u.Redacted())
	masked := url.UserPassword(u.User.Username(), "xxxxx").String() + "@"
	return strings.ReplaceAll(s, u.User.String()+"@", masked)
}
