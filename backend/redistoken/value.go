package redistoken

import (
	"strconv"
	"time"

	"github.com/google/uuid"
)

// encodeValue is what a token's key holds: "<user id> <issued at, Unix
// nanoseconds>".
func encodeValue(id uuid.UUID, created time.Time) string {
	b := make([]byte, 0, 36+1+20)
	b = append(b, id.String()...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, created.UnixNano(), 10)
	return string(b)
}

// parseValue reads what encodeValue wrote, and nothing else: the id in its
// canonical dashed form, one space, a decimal integer.
func parseValue(v string) (id uuid.UUID, created time.Time, ok bool) {
	const idLen = 36
	if len(v) < idLen+2 || v[idLen] != ' ' {
		return uuid.Nil, time.Time{}, false
	}
	id, err := uuid.Parse(v[:idLen])
	if err != nil {
		return uuid.Nil, time.Time{}, false
	}
	digits := v[idLen+1:]
	for i := 0; i < len(digits); i++ {
		// ParseInt also takes a sign; encodeValue never writes one (a
		// negative time is before 1970: never issued).
		if digits[i] < '0' || digits[i] > '9' {
			return uuid.Nil, time.Time{}, false
		}
	}
	ns, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return uuid.Nil, time.Time{}, false
	}
	return id, time.Unix(0, ns), true
}
