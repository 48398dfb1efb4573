package redistoken

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
)

func TestValue(t *testing.T) {
	id := uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")
	sid := uuid.MustParse("0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9")
	created := time.Date(2026, 11, 28, 14, 45, 51, 123456789, time.UTC)
	origin := encodeOrigin(auth.Origin{Backend: "redis", ClientAddr: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11) \"quoted\" ✓"})
	for _, tc := range []struct {
		name string
		v    value
		want string
	}{
		{"never used", value{userID: id, created: created, session: sid, origin: origin},
			`4fd3477b-eccf-4ee3-8f7d-68ad72261476 1795877151123456789 0 0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9 {"b":"redis","ip":"203.0.113.7","ua":"Mozilla/5.0 (X11) \"quoted\" ✓"}`},
		{"used, origin unknown", value{userID: id, created: created, lastUsed: created.Add(time.Minute), session: sid, origin: encodeOrigin(auth.Origin{})},
			`4fd3477b-eccf-4ee3-8f7d-68ad72261476 1795877151123456789 1795877211123456789 0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9 {}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.v.encode()
			if got != tc.want {
				t.Fatalf("encode =\n%s\nwant\n%s", got, tc.want)
			}
			back, ok := parseValue(got)
			if !ok || back.userID != id || !back.created.Equal(created) || !back.lastUsed.Equal(tc.v.lastUsed) || back.session != sid || back.origin != tc.v.origin {
				t.Fatalf("parseValue(encode) = %+v, %v", back, ok)
			}
		})
	}
	if o := decodeOrigin(origin); o.UserAgent != "Mozilla/5.0 (X11) \"quoted\" ✓" || o.Backend != "redis" || o.ClientAddr != "203.0.113.7" {
		t.Fatalf("decodeOrigin = %+v", o)
	}
	for _, bad := range []string{"", "{", "[]", `{"ua":7}`} {
		if o := decodeOrigin(bad); o != (auth.Origin{}) {
			t.Fatalf("decodeOrigin(%q) = %+v, want the unknown origin", bad, o)
		}
	}

	// The form written before sessions were recorded.
	legacy := id.String() + " 1795877151123456789"
	if v, ok := parseValue(legacy); !ok || v.userID != id || !v.created.Equal(created) || v.session != uuid.Nil || !v.lastUsed.IsZero() {
		t.Fatalf("parseValue(old form) = %+v, %v", v, ok)
	}

	s := sid.String()
	bad := []struct{ name, v string }{
		{"empty", ""},
		{"id and space", id.String() + " "},
		{"FastAPI Users' value", id.String()},
		{"no separator", id.String() + "1"},
		{"two spaces", id.String() + "  1"},
		{"negative", id.String() + " -1"},
		{"plus sign", id.String() + " +1"},
		{"underscore", id.String() + " 1_000"},
		{"trailing space", id.String() + " 1 "},
		{"overflow", id.String() + " 99999999999999999999"},
		{"undashed id", strings.ReplaceAll(id.String(), "-", "") + "0000 1"},
		{"braced id", "{" + id.String()[:34] + "} 1"},
		{"not hex", "zfd3477b-eccf-4ee3-8f7d-68ad72261476 1"},
		{"no origin", id.String() + " 1 0 " + s},
		{"no origin, space", id.String() + " 1 0 " + s + " "},
		{"origin not an object", id.String() + " 1 0 " + s + " x"},
		{"nil session", id.String() + " 1 0 " + uuid.Nil.String() + " {}"},
		{"bad session", id.String() + " 1 0 " + s[:35] + "x {}"},
		{"negative last use", id.String() + " 1 -1 " + s + " {}"},
		{"no last use", id.String() + " 1  " + s + " {}"},
		{"three fields", id.String() + " 1 2"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if v, ok := parseValue(tt.v); ok {
				t.Fatalf("parseValue(%q) = %+v, ok", tt.v, v)
			}
		})
	}
}

// FuzzParseValue: whatever a key holds, parsing never panics, and anything
// accepted encodes to a value that parses to the same thing.
func FuzzParseValue(f *testing.F) {
	id, sid := uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476"), uuid.MustParse("0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9")
	f.Add(value{userID: id, created: time.Unix(0, 1795877151123456789), session: sid, origin: `{"ua":"x"}`}.encode())
	f.Add("4fd3477b-eccf-4ee3-8f7d-68ad72261476 0")
	f.Add("4FD3477B-ECCF-4EE3-8F7D-68AD72261476 01 5 0A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9 {")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseValue(s)
		if !ok {
			return
		}
		if v.session == uuid.Nil && v.origin != "" {
			t.Fatalf("parseValue(%q) gave an origin without a session", s)
		}
		if v.session == uuid.Nil {
			return // the old form has no encoding of its own any more
		}
		again, ok := parseValue(v.encode())
		if !ok || again != v {
			t.Fatalf("parseValue(%q) = %+v; its encoding parses as %+v, %v", s, v, again, ok)
		}
		decodeOrigin(v.origin) // never panics
	})
}
