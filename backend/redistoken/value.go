package redistoken

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

// value is what a token's key holds:
//
//	<user id> <issued at> <last used> <session id> <origin>
//
// the times in Unix nanoseconds (last used 0 until first written), the ids
// in canonical form, the origin a JSON object with the keys b (backend), ip
// and ua, each left out when empty. A key written before sessions were
// recorded holds "<user id> <issued at>" only, and is read as a token that
// is its own session, of unknown origin.
type value struct {
	userID   uuid.UUID
	created  time.Time
	lastUsed time.Time // zero: never written
	session  uuid.UUID // uuid.Nil for the old form
	origin   string    // the JSON text, "" for the old form
}

// originJSON is the origin's JSON form.
type originJSON struct {
	Backend    string `json:"b,omitempty"`
	ClientAddr string `json:"ip,omitempty"`
	UserAgent  string `json:"ua,omitempty"`
}

func encodeOrigin(o auth.Origin) string {
	// A struct of strings always marshals.
	b, _ := json.Marshal(originJSON{Backend: o.Backend, ClientAddr: o.ClientAddr, UserAgent: o.UserAgent})
	return string(b)
}

// decodeOrigin reads an origin encodeOrigin wrote; anything else is an
// unknown origin, never an error: the token is valid all the same.
func decodeOrigin(s string) auth.Origin {
	var o originJSON
	if s == "" || json.Unmarshal([]byte(s), &o) != nil {
		return auth.Origin{}
	}
	return auth.Origin{Backend: o.Backend, ClientAddr: o.ClientAddr, UserAgent: o.UserAgent}.Clean()
}

func (v value) encode() string {
	b := make([]byte, 0, 36+3*21+36+len(v.origin)+4)
	b = append(b, v.userID.String()...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, v.created.UnixNano(), 10)
	b = append(b, ' ')
	if !v.lastUsed.IsZero() {
		b = strconv.AppendInt(b, v.lastUsed.UnixNano(), 10)
	} else {
		b = append(b, '0')
	}
	b = append(b, ' ')
	b = append(b, v.session.String()...)
	b = append(b, ' ')
	b = append(b, v.origin...)
	return string(b)
}

// parseValue reads what value.encode wrote, or the old two-field form, and
// nothing else: the ids in their canonical dashed form (of any case), one
// space between fields, non-negative decimal integers. The origin is not
// decoded here: reading a token does not need it.
func parseValue(s string) (value, bool) {
	const idLen = 36
	var v value
	if len(s) < idLen+2 || s[idLen] != ' ' {
		return value{}, false
	}
	id, err := uuid.Parse(s[:idLen])
	if err != nil {
		return value{}, false
	}
	v.userID = id
	rest := s[idLen+1:]
	created, rest, ok := cutNanos(rest)
	if !ok {
		return value{}, false
	}
	v.created = time.Unix(0, created)
	if rest == "" {
		return v, true // the old form
	}
	if rest[0] != ' ' {
		return value{}, false
	}
	last, rest, ok := cutNanos(rest[1:])
	if !ok || len(rest) < idLen+2 || rest[0] != ' ' || rest[idLen+1] != ' ' {
		return value{}, false
	}
	if last != 0 {
		v.lastUsed = time.Unix(0, last)
	}
	if v.session, err = uuid.Parse(rest[1 : idLen+1]); err != nil || v.session == uuid.Nil {
		return value{}, false
	}
	v.origin = rest[idLen+2:]
	if !strings.HasPrefix(v.origin, "{") {
		return value{}, false
	}
	return v, true
}

// cutNanos reads the decimal integer s starts with, up to a space or the
// end, and returns it and what follows.
func cutNanos(s string) (int64, string, bool) {
	end := strings.IndexByte(s, ' ')
	if end < 0 {
		end = len(s)
	}
	digits := s[:end]
	if digits == "" {
		return 0, "", false
	}
	for i := 0; i < len(digits); i++ {
		// ParseInt also takes a sign; encode never writes one (a negative
		// time is before 1970: never issued).
		if digits[i] < '0' || digits[i] > '9' {
			return 0, "", false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return n, s[end:], true
}
