package wire

import (
	"net/http"
	"strconv"
	"time"

	"github.com/usersauth/usersauth/user"
)

// AppendTime appends t in UTC as pydantic writes a datetime: RFC 3339 with
// microseconds, the fraction left out when it is zero.
func AppendTime(dst []byte, t time.Time) []byte {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.AppendFormat(dst, `"2006-01-02T15:04:05Z"`)
	}
	return t.AppendFormat(dst, `"2006-01-02T15:04:05.000000Z"`)
}

// appendNullable appends s as a JSON string, or null when it is empty.
func appendNullable(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return AppendString(dst, s)
}

// AppendSession appends the JSON of one session, as GET /users/me/sessions
// lists it: {"id", "backend", "created_at", "last_used_at", "expires_at",
// "ip", "user_agent", "current"}, the unknown ones null.
func AppendSession(dst []byte, s user.Session) []byte {
	dst = append(dst, `{"id":"`...)
	dst = AppendUUID(dst, s.ID)
	dst = append(dst, `","backend":`...)
	dst = appendNullable(dst, s.Backend)
	dst = append(dst, `,"created_at":`...)
	dst = AppendTime(dst, s.CreatedAt)
	dst = append(dst, `,"last_used_at":`...)
	dst = AppendTime(dst, s.LastUsedAt)
	dst = append(dst, `,"expires_at":`...)
	if s.ExpiresAt.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = AppendTime(dst, s.ExpiresAt)
	}
	dst = append(dst, `,"ip":`...)
	dst = appendNullable(dst, s.ClientAddr)
	dst = append(dst, `,"user_agent":`...)
	dst = appendNullable(dst, s.UserAgent)
	dst = append(dst, `,"current":`...)
	dst = strconv.AppendBool(dst, s.Current)
	return append(dst, '}')
}

// WriteSessions answers 200 with the JSON list of sessions.
func WriteSessions(w http.ResponseWriter, sessions []user.Session) {
	buf := make([]byte, 0, 64+256*len(sessions))
	buf = append(buf, '[')
	for i, s := range sessions {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = AppendSession(buf, s)
	}
	buf = append(buf, ']')
	WriteJSON(w, http.StatusOK, buf)
}
