package wire

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

func TestCursor(t *testing.T) {
	for _, key := range []string{"a", "king.arthur@camelot.bt", "élaine@camelot.bt", "a\U0010FFFF", strings.Repeat("x", user.MaxListKey)} {
		c := EncodeCursor(key)
		if got, ok := decodeCursor(c); !ok || got != key {
			t.Fatalf("decodeCursor(EncodeCursor(%q)) = %q, %v", key, got, ok)
		}
		if strings.ContainsAny(c, "+/=") {
			t.Fatalf("cursor %q is not unpadded base64url", c)
		}
	}
	for _, bad := range []string{"", "YQ==", "YQ=", "Y", "a+b", "a/b", EncodeCursor("\xff"), EncodeCursor("a\x00"), EncodeCursor(strings.Repeat("x", user.MaxListKey+1)), "YR"} {
		if got, ok := decodeCursor(bad); ok {
			t.Fatalf("decodeCursor(%q) = %q, accepted", bad, got)
		}
	}
}

func TestAppendTime(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 28, 14, 45, 51, 0, time.UTC), `"2026-11-28T14:45:51Z"`},
		{time.Date(2026, 11, 28, 14, 45, 51, 123456789, time.UTC), `"2026-11-28T14:45:51.123456Z"`},
		{time.Date(2026, 11, 28, 15, 45, 51, 100000000, time.FixedZone("CET", 3600)), `"2026-11-28T14:45:51.100000Z"`},
		{time.Date(2026, 11, 28, 14, 45, 51, 999, time.UTC), `"2026-11-28T14:45:51Z"`},
	} {
		if got := string(AppendTime(nil, tc.t)); got != tc.want {
			t.Fatalf("AppendTime(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestAppendSession(t *testing.T) {
	at := time.Date(2026, 11, 28, 14, 45, 51, 0, time.UTC)
	id := uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")
	for _, tc := range []struct {
		name string
		s    user.Session
		want string
	}{
		{"everything known", user.Session{ID: id, Backend: "jwt", CreatedAt: at, LastUsedAt: at.Add(time.Minute), ExpiresAt: at.Add(time.Hour),
			ClientAddr: "2001:db8::1", UserAgent: "Mozilla/5.0 \"x\" \u2028", Current: true},
			`{"id":"4fd3477b-eccf-4ee3-8f7d-68ad72261476","backend":"jwt","created_at":"2026-11-28T14:45:51Z","last_used_at":"2026-11-28T14:46:51Z","expires_at":"2026-11-28T15:45:51Z","ip":"2001:db8::1","user_agent":"Mozilla/5.0 \"x\" \u2028","current":true}`},
		{"nothing but times", user.Session{ID: id, CreatedAt: at, LastUsedAt: at},
			`{"id":"4fd3477b-eccf-4ee3-8f7d-68ad72261476","backend":null,"created_at":"2026-11-28T14:45:51Z","last_used_at":"2026-11-28T14:45:51Z","expires_at":null,"ip":null,"user_agent":null,"current":false}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendSession(nil, tc.s)); got != tc.want {
				t.Fatalf("AppendSession =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// FuzzReadListQuery: whatever the query string, reading it never panics
// and gives either a 422 or a query within the listing's bounds.
func FuzzReadListQuery(f *testing.F) {
	f.Add("limit=10&after=" + EncodeCursor("king.arthur@camelot.bt") + "&q=Ga")
	f.Add("limit=0&limit=101&after=%FF&q=%00")
	f.Add("q=" + strings.Repeat("%C3%A9", 300))
	f.Add("after=&q=&limit=")
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/users", nil)
		r.URL.RawQuery = raw
		q, err := ReadListQuery(r)
		if err != nil {
			p, ok := err.(*Problem)
			if !ok || p.Status != 422 {
				t.Fatalf("ReadListQuery(%q) = %v, want a 422", raw, err)
			}
			return
		}
		switch {
		case q.Limit < 1 || q.Limit > user.MaxListLimit:
			t.Fatalf("limit %d accepted", q.Limit)
		case !utf8.ValidString(q.After) || !utf8.ValidString(q.Prefix) || strings.ContainsRune(q.After+q.Prefix, 0):
			t.Fatalf("after %q or prefix %q accepted", q.After, q.Prefix)
		case len(q.After) > user.MaxListKey || utf8.RuneCountInString(q.Prefix) > MaxListQuery:
			t.Fatalf("after of %d bytes or prefix of %d characters accepted", len(q.After), len(q.Prefix))
		}
	})
}
