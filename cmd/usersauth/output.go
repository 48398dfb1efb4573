package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/usersauth/usersauth/user"
)

// Addresses come from the database, where FastAPI Users or an older tool
// may have stored anything: before they reach a terminal, every character
// that is not graphic (escape sequences, bidi and zero-width controls) is
// escaped, so that a stored address cannot rewrite the admin's screen or
// pass for another (OWASP Injection Prevention Cheat Sheet: encode output
// for its context).

// display returns s as it is when every character is printable, and
// otherwise quoted with Go escapes.
func display(s string) string {
	if printable(s) {
		return s
	}
	return strconv.QuoteToGraphic(s)
}

// sanitize escapes the characters of s that are not printable, without
// quoting it, for a message made of several parts.
func sanitize(s string) string {
	if printable(s) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (!unicode.IsGraphic(r) || unicode.IsSpace(r)) && r != ' ' {
			return false
		}
	}
	return true
}

// The table puts the address last so that rows stream page by page with
// fixed-width columns, whatever the length of the addresses.
const (
	tableHeader = "ID                                    ACTIVE  SUPERUSER  VERIFIED  EMAIL\n"
	tableRow    = "%-36s  %-6t  %-9t  %-8t  %s\n"
)

func writeRow(w io.Writer, u *user.User) error {
	_, err := fmt.Fprintf(w, tableRow, u.ID, u.IsActive, u.IsSuperuser, u.IsVerified, display(u.Email))
	return err
}

// marshalUser returns u as FastAPI Users' UserRead JSON, compact, without
// a trailing newline. Characters that are not printable are \u-escaped
// (encoding/json leaves format characters such as bidi controls raw), so
// that JSON shown on a terminal is as safe as the table.
func marshalUser(u *user.User) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(u); err != nil {
		return nil, err
	}
	return escapeJSON(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// escapeJSON \u-escapes the runes of compact JSON that are not printable.
// Outside strings compact JSON has only printable ASCII, and encoding/json
// has escaped control characters and replaced invalid UTF-8, so every rune
// escaped here lies inside a string.
func escapeJSON(b []byte) []byte {
	if printable(string(b)) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for _, r := range string(b) {
		if printable(string(r)) {
			out = utf8.AppendRune(out, r)
			continue
		}
		if r > 0xFFFF {
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}

// printUser prints one user: its UserRead JSON with --json, else a line
// "<email> id=<id> active=<bool> superuser=<bool> verified=<bool>".
func printUser(s *session, u *user.User) error {
	if s.opts.json {
		b, err := marshalUser(u)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(s.stdout, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintf(s.stdout, "%s id=%s active=%t superuser=%t verified=%t\n",
		display(u.Email), u.ID, u.IsActive, u.IsSuperuser, u.IsVerified)
	return err
}

// note prints a remark on stderr, where it does not mix with results.
func note(s *session, format string, args ...any) {
	fmt.Fprintf(s.stderr, "usersauth: "+format+"\n", args...)
}
