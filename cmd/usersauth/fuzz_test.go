package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// Stored addresses are untrusted text on its way to a terminal.
var hostileStrings = []string{
	"alice@example.com", "", " ", "a b@example.com", "\x1b[2J\x1b[H", "evil\u202e@example.com", "\u200b",
	"\xff\xfe", "\r\n", "\x00", "ｆｕｌｌ@example.com", "😀@example.com", "\u00a0", "\"quoted\"", `back\slash`,
}

func FuzzDisplay(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := display(s)
		if !printable(got) {
			t.Fatalf("display(%q) = %q holds characters that are not printable", s, got)
		}
		if printable(s) {
			if got != s {
				t.Fatalf("display(%q) = %q, want it unchanged", s, got)
			}
			return
		}
		if back, err := strconv.Unquote(got); err != nil || back != s {
			t.Fatalf("display(%q) = %q does not unquote to the input (%q, %v)", s, got, back, err)
		}
		if san := sanitize(s); !printable(san) {
			t.Fatalf("sanitize(%q) = %q holds characters that are not printable", s, san)
		}
	})
}

func FuzzMarshalUser(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		u := &user.User{Base: user.Base{ID: uuid.Nil, Email: email, HashedPassword: "secret-hash", IsActive: true}}
		b, err := marshalUser(u)
		if err != nil {
			t.Fatal(err)
		}
		if !printable(string(b)) {
			t.Fatalf("marshalUser(%q) = %s holds characters that are not printable", email, b)
		}
		if bytes.Contains(b, []byte("secret-hash")) {
			t.Fatalf("marshalUser shows the hash: %s", b)
		}
		// The same value as encoding/json's own output.
		plain, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		var got, want user.Base
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("marshalUser(%q) = %s is not JSON: %v", email, b, err)
		}
		if err := json.Unmarshal(plain, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("marshalUser(%q) decodes to %+v, encoding/json's output to %+v", email, got, want)
		}
	})
}

func FuzzMessage(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s, "postgres://app:pw@db/app")
	}
	f.Add("failed to connect to `user=app`:\n\tdial: refused\n\tdial: refused", "postgres://app:s3cret@db/app")
	f.Add("cannot parse postgres://app:s3cret@db/app", "postgres://app:s3cret@db/app")
	f.Fuzz(func(t *testing.T, text, dsn string) {
		got := message(errors.New(text), dsn)
		if strings.ContainsAny(got, "\r\n") || !printable(got) {
			t.Fatalf("message(%q) = %q is not one printable line", text, got)
		}
	})
}

func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"pw\n", "pw\r\n", "pw", "", "\n", "a\nb\n", "pw\r", "\r\r\n", strings.Repeat("x", maxLine+1)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := readLineFrom(bytes.NewReader(in))
		line, _, found := bytes.Cut(in, []byte("\n"))
		switch {
		case len(line) > maxLine:
			if !errors.Is(err, errLineTooLong) {
				t.Fatalf("%d-byte line: %q, %v; want errLineTooLong", len(line), got, err)
			}
		case len(line) == 0 && !found:
			if !errors.Is(err, errNoInput) {
				t.Fatalf("empty input: %q, %v; want errNoInput", got, err)
			}
		default:
			want := strings.TrimSuffix(string(line), "\r")
			if err != nil || got != want {
				t.Fatalf("readLineFrom(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
	})
}
