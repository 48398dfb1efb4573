package usersauth

import (
	"context"
	"log/slog"
	"unicode/utf8"
)

// maxLoggedUserAgent bounds the user agent a log line carries, in bytes:
// the header is the client's to fill.
const maxLoggedUserAgent = 200

// requestLog is the slog.Handler of the library's logger: the host's, with
// the client address and user agent of the request a line is logged for
// (OWASP Logging Cheat Sheet: who, from where), when the context carries
// one. Never a token, a cookie or a body.
type requestLog struct {
	slog.Handler
	limiter *limiter
}

func (h requestLog) Handle(ctx context.Context, rec slog.Record) error {
	if r, ok := RequestFrom(ctx); ok {
		if addr, ok := h.limiter.clientAddr(r); ok {
			rec.AddAttrs(slog.String("client_addr", addr.String()))
		}
		if ua := r.UserAgent(); ua != "" {
			rec.AddAttrs(slog.String("user_agent", truncateUTF8(ua, maxLoggedUserAgent)))
		}
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestLog{h.Handler.WithAttrs(attrs), h.limiter}
}

func (h requestLog) WithGroup(name string) slog.Handler {
	return requestLog{h.Handler.WithGroup(name), h.limiter}
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
