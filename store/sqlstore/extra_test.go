package sqlstore

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

type knight struct {
	user.Base
	Title  string   `json:"title"`
	Quests []string `json:"quests,omitempty"`
	Secret string   `json:"-"`
}

type embedsOther struct {
	user.Base
	knightly
}

type knightly struct {
	Order string `json:"order"`
}

// rawUser marshals to something other than an object.
type rawUser struct {
	user.Base
}

func (rawUser) MarshalJSON() ([]byte, error) { return []byte(`"raw"`), nil }

func TestHasOwnFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"user.User", hasOwnFields[*user.User](), false},
		{"host fields", hasOwnFields[*knight](), true},
		{"another embedded struct", hasOwnFields[*embedsOther](), true},
		{"own MarshalJSON", hasOwnFields[*rawUser](), true},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: hasOwnFields = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestEncodeExtra(t *testing.T) {
	k := &knight{
		Base:   user.Base{ID: uuid.New(), Email: "a@camelot.bt", HashedPassword: "hash", IsActive: true},
		Title:  "Sir",
		Secret: "never stored",
	}
	for _, tc := range []struct {
		name string
		u    any
		old  string
		want string
		err  error
	}{
		{"host fields only", k, "", `{"title":"Sir"}`, nil},
		{"unknown old keys kept", k, `{"title":"Dame","order":"Round Table"}`, `{"order":"Round Table","title":"Sir"}`, nil},
		{"old base keys dropped", k, `{"email":"x@y.z","id":"0"}`, `{"title":"Sir"}`, nil},
		{"old extra not an object", k, `[1,2]`, `{"title":"Sir"}`, nil},
		{"old extra invalid", k, `{`, `{"title":"Sir"}`, nil},
		{"no own fields", &user.User{Base: k.Base}, "", emptyExtra, nil},
		{"embedded struct", &embedsOther{knightly: knightly{Order: "Grail"}}, "", `{"order":"Grail"}`, nil},
		{"not an object", &rawUser{}, "", "", errExtraNotObject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encodeExtra(tc.u, []byte(tc.old))
			if !errors.Is(err, tc.err) {
				t.Fatalf("encodeExtra error = %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Fatalf("encodeExtra = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDecodeExtra(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
		want  knight
		fails bool
	}{
		{"empty", "", knight{}, false},
		{"empty object", "{}", knight{}, false},
		{"null", "null", knight{}, false},
		{"fields", `{"title":"Sir","quests":["grail"]}`, knight{Title: "Sir", Quests: []string{"grail"}}, false},
		{"unknown keys ignored", `{"order":"x","title":"Sir"}`, knight{Title: "Sir"}, false},
		{"wrong type", `{"title":1}`, knight{}, true},
		{"not JSON", `{`, knight{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got knight
			err := decodeExtra([]byte(tc.extra), &got)
			if (err != nil) != tc.fails {
				t.Fatalf("decodeExtra(%s) error = %v, want failure %v", tc.extra, err, tc.fails)
			}
			if !tc.fails && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decodeExtra(%s) = %+v, want %+v", tc.extra, got, tc.want)
			}
		})
	}
}

// countingUser counts the calls of its UnmarshalJSON.
type countingUser struct {
	user.Base
	calls *int
}

func (u *countingUser) UnmarshalJSON([]byte) error { *u.calls++; return nil }

// TestDecodeExtraSkipsEmpty: the extra of a user without own fields set,
// which every read of such a user meets, costs no JSON decoding.
func TestDecodeExtraSkipsEmpty(t *testing.T) {
	for _, tc := range []struct {
		extra string
		calls int
	}{
		{"", 0},
		{emptyExtra, 0},
		{`{"title":"Sir"}`, 1},
	} {
		calls := 0
		if err := decodeExtra([]byte(tc.extra), &countingUser{calls: &calls}); err != nil {
			t.Fatal(err)
		}
		if calls != tc.calls {
			t.Errorf("decodeExtra(%q) decoded JSON %d times, want %d", tc.extra, calls, tc.calls)
		}
	}
}

// FuzzDecodeExtra: the extra column is data anyone with write access to the
// table can change. Whatever it holds, decoding does not panic, and what
// encodeExtra makes of the result is an object without the base keys.
func FuzzDecodeExtra(f *testing.F) {
	for _, s := range []string{"", "{}", "null", `{"title":"Sir"}`, `{"id":"x","email":1}`, `[`, `{"quests":[null,"a"]}`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, extra []byte) {
		var k knight
		if err := decodeExtra(extra, &k); err != nil {
			return
		}
		out, err := encodeExtra(&k, extra)
		if err != nil {
			t.Fatalf("encodeExtra after decoding %q: %v", extra, err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("encodeExtra = %q, not an object: %v", out, err)
		}
		for key := range m {
			if isBaseKey(key) {
				t.Fatalf("encodeExtra = %q keeps base key %q", out, key)
			}
		}
	})
}
