package redistoken

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestValue(t *testing.T) {
	id := uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")
	created := time.Date(2026, 11, 28, 14, 45, 51, 123456789, time.UTC)
	v := encodeValue(id, created)
	if v != "4fd3477b-eccf-4ee3-8f7d-68ad72261476 1795877151123456789" {
		t.Fatalf("encodeValue = %q", v)
	}
	if gotID, gotCreated, ok := parseValue(v); !ok || gotID != id || !gotCreated.Equal(created) {
		t.Fatalf("parseValue(encodeValue) = %v, %v, %v", gotID, gotCreated, ok)
	}
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
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if gotID, _, ok := parseValue(tt.v); ok {
				t.Fatalf("parseValue(%q) = %v, ok", tt.v, gotID)
			}
		})
	}
}

// FuzzParseValue: whatever a key holds, parsing never panics, and anything
// accepted is exactly what encodeValue writes for the id and time read.
func FuzzParseValue(f *testing.F) {
	f.Add(encodeValue(uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476"), time.Unix(0, 1795877151123456789)))
	f.Add("4fd3477b-eccf-4ee3-8f7d-68ad72261476 0")
	f.Add("4FD3477B-ECCF-4EE3-8F7D-68AD72261476 01")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		id, created, ok := parseValue(v)
		if !ok {
			return
		}
		// Upper-case hex and leading zeros are accepted but not written.
		if got := encodeValue(id, created); !strings.EqualFold(strings.TrimLeft(got[37:], "0"), strings.TrimLeft(v[37:], "0")) || !strings.EqualFold(got[:36], v[:36]) {
			t.Fatalf("parseValue(%q) accepted what encodes as %q", v, got)
		}
	})
}
