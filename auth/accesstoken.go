package auth

import (
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Errors of the token store contract (backend.TokenStore).
var (
	// ErrTokenNotFound is returned by a token store's GetToken and
	// DeleteToken when no token has the digest.
	ErrTokenNotFound = errors.New("auth: access token not found")
	// ErrTokenExists is returned by a token store's CreateToken when a
	// token with the same digest is stored already; nothing is written then.
	ErrTokenExists = errors.New("auth: access token already exists")
)

// AccessToken is a server-side token as a token store (backend.TokenStore)
// keeps it: never the token itself, only its digest (TokenDigest), so that a
// leaked table or backup grants no session (OWASP Session Management Cheat
// Sheet). It lives here, with the other credential primitives, so that store
// adapters implement the token store without importing the HTTP side.
type AccessToken struct {
	// Digest is TokenDigest of the token: 64 lower-case hex digits.
	Digest string
	// UserID is the user the token was issued to.
	UserID uuid.UUID
	// CreatedAt is when the token was issued; its lifetime runs from here.
	CreatedAt time.Time
	// SessionID names the session the token belongs to: the refresh-token
	// family it was issued with, or TokenSessionID of its digest. A token
	// stored before sessions had ids has none (uuid.Nil) and counts as
	// TokenSessionID of its digest.
	SessionID uuid.UUID
	// ExpiresAt is when the token stops working, as the strategy computed
	// it at issue; zero for a token stored before it was recorded. The
	// strategy's lifetime decides validity: this is what a reader without
	// the strategy's configuration (an admin tool) shows.
	ExpiresAt time.Time
	// LastUsedAt is when the token was last seen on a request, written at
	// most about once a minute; zero until the first such write.
	LastUsedAt time.Time
	// Origin is where the sign-in came from.
	Origin Origin
}

// Origin is what a session recorded of the sign-in it began with, for the
// user to recognise the device: the backend that issued it and the client's
// address and user agent at that time. Every field may be empty (a session
// stored before they were recorded, a client that sent no user agent).
type Origin struct {
	// Backend is the name of the backend that issued the session.
	Backend string
	// ClientAddr is the client's IP address in its text form.
	ClientAddr string
	// UserAgent is the client's User-Agent header, cut to
	// MaxUserAgentLength bytes.
	UserAgent string
}

// MaxUserAgentLength is the longest user agent a session records, in
// bytes. Real ones are a few hundred bytes; the cap keeps a client from
// storing kilobytes per session.
const MaxUserAgentLength = 512

// TokenSessionID is the session id of an access token that is a session on
// its own (no refresh family issued with it), or was stored without one:
// the first 16 bytes of its digest. It is stable and needs no randomness of
// its own, and it reveals nothing of the token (a SHA-256 digest cannot be
// inverted). A digest that is not hex gives uuid.Nil.
func TokenSessionID(digest string) uuid.UUID {
	var id uuid.UUID
	if len(digest) < 2*len(id) {
		return uuid.Nil
	}
	for i := range id {
		hi, lo := hexValue(digest[2*i]), hexValue(digest[2*i+1])
		if hi < 0 || lo < 0 {
			return uuid.Nil
		}
		id[i] = byte(hi<<4 | lo)
	}
	return id
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// maxBackendName bounds Origin.Backend, in bytes.
const maxBackendName = 64

// Clean returns o as a store may keep it and a list may show it, whoever
// filled it in: ClientAddr an IP address in canonical form or empty;
// UserAgent and Backend valid UTF-8 without control characters (each
// replaced by U+FFFD, so that a terminal or log showing them cannot be
// driven by them), cut to MaxUserAgentLength and 64 bytes at a character
// boundary.
func (o Origin) Clean() Origin {
	if a, err := netip.ParseAddr(o.ClientAddr); err == nil {
		o.ClientAddr = a.WithZone("").Unmap().String()
	} else {
		o.ClientAddr = ""
	}
	o.UserAgent = cleanText(o.UserAgent, MaxUserAgentLength)
	o.Backend = cleanText(o.Backend, maxBackendName)
	return o
}

// cleanText replaces invalid UTF-8 and control characters (C0, DEL, C1)
// in s with U+FFFD and cuts the result to at most max bytes, at a
// character boundary. Text that needs neither is returned as it is.
func cleanText(s string, max int) string {
	clean := len(s) <= max
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
