package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
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
// otherwise as a quoted Go string literal whose other characters are
// escaped.
func display(s string) string {
	if printable(s) {
		return s
	}
	return escape(s, true)
}

// sanitize escapes the characters of s that are not printable, without
// quoting it, for a message made of several parts.
func sanitize(s string) string {
	if printable(s) {
		return s
	}
	return escape(s, false)
}

// escape writes the characters of s that are not printable, and invalid
// UTF-8, as Go escapes; quoted, it also escapes quotes and backslashes and
// adds the quotes, so that strconv.Unquote gives s back.
func escape(s string, quoted bool) string {
	var b strings.Builder
	if quoted {
		b.WriteByte('"')
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case quoted && (r == '"' || r == '\\'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case printableRune(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	if quoted {
		b.WriteByte('"')
	}
	return b.String()
}

// printable reports whether s is valid UTF-8 of printable characters only.
func printable(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !printableRune(r) {
			return false
		}
		i += size
	}
	return true
}

// printableRune reports whether r shows as itself: a graphic character
// other than a space, or the ASCII space. Spaces other than it (no-break,
// ideographic) would make two addresses look alike.
func printableRune(r rune) bool {
	return r == ' ' || unicode.IsGraphic(r) && !unicode.IsSpace(r)
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
		if printableRune(r) {
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
