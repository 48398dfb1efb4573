package openapi

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
)

type address struct {
	Street string `json:"street"`
	Zip    string `json:"zip,omitempty"`
	secret string
}

type Embedded struct {
	Level  int    `json:"level"`
	Shadow string `json:"name"` // shadowed by the outer field
}

type profile struct {
	Embedded
	Name    string     `json:"name"`
	Skipped string     `json:"-"`
	Count   int64      `json:"count,string"`
	Home    *address   `json:"home"`
	NoTag   bool       // the Go name is the JSON name
	Seen    time.Time  `json:"seen"`
	Parent  *profile   `json:"parent"`
	Tags    [2]string  `json:"tags"`
	Scores  []float64  `json:"scores"`
	Blob    []byte     `json:"blob"`
	Addr    netip.Addr `json:"addr"`
}

type custom struct{}

func (custom) MarshalJSON() ([]byte, error) { return []byte(`[1]`), nil }

func TestSchemaOf(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"string", reflect.TypeFor[string](), `{"type":"string"}`},
		{"bool", reflect.TypeFor[bool](), `{"type":"boolean"}`},
		{"int", reflect.TypeFor[int](), `{"type":"integer"}`},
		{"int64", reflect.TypeFor[int64](), `{"type":"integer","format":"int64"}`},
		{"uint", reflect.TypeFor[uint16](), `{"type":"integer","minimum":0}`},
		{"float", reflect.TypeFor[float32](), `{"type":"number"}`},
		{"pointer is nullable", reflect.TypeFor[*string](), `{"type":["string","null"]}`},
		{"pointer to pointer", reflect.TypeFor[**int](), `{"type":["integer","null"]}`},
		{"slice is nullable", reflect.TypeFor[[]string](), `{"type":["array","null"],"items":{"type":"string"}}`},
		{"bytes are base64", reflect.TypeFor[[]byte](), `{"type":["string","null"],"contentEncoding":"base64"}`},
		{"map", reflect.TypeFor[map[string]int](), `{"type":["object","null"],"additionalProperties":{"type":"integer"}}`},
		{"time", reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`},
		{"text marshaler", reflect.TypeFor[uuid.UUID](), `{"type":"string"}`},
		{"pointer to text marshaler", reflect.TypeFor[*uuid.UUID](), `{"type":["string","null"]}`},
		{"json marshaler accepts anything", reflect.TypeFor[custom](), `{}`},
		{"raw message", reflect.TypeFor[json.RawMessage](), `{}`},
		{"number", reflect.TypeFor[json.Number](), `{"type":"number"}`},
		{"interface", reflect.TypeFor[any](), `{}`},
		{"channel", reflect.TypeFor[chan int](), `{}`},
		{"struct", reflect.TypeFor[address](), `{"type":"object","properties":{"street":{"type":"string"},"zip":{"type":"string"}}}`},
		{"nested, embedded, recursive", reflect.TypeFor[profile](), `{"type":"object","properties":{` +
			`"name":{"type":"string"},"count":{"type":"string"},` +
			`"home":{"type":["object","null"],"properties":{"street":{"type":"string"},"zip":{"type":"string"}}},` +
			`"NoTag":{"type":"boolean"},"seen":{"type":"string","format":"date-time"},"parent":{"anyOf":[{},{"type":"null"}]},` +
			`"tags":{"type":"array","items":{"type":"string"}},"scores":{"type":["array","null"],"items":{"type":"number"}},` +
			`"blob":{"type":["string","null"],"contentEncoding":"base64"},"addr":{"type":"string"},` +
			`"level":{"type":"integer"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(SchemaOf(tt.typ))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("SchemaOf(%v)\n got %s\nwant %s", tt.typ, got, tt.want)
			}
		})
	}
}

func TestNullable(t *testing.T) {
	tests := []struct {
		name string
		in   *Schema
		want string
	}{
		{"typed", String(), `{"type":["string","null"]}`},
		{"already nullable", &Schema{Type: []string{"string", "null"}}, `{"type":["string","null"]}`},
		{"reference", Ref("UserRead"), `{"anyOf":[{"$ref":"#/components/schemas/UserRead"},{"type":"null"}]}`},
		{"anything", &Schema{}, `{"anyOf":[{},{"type":"null"}]}`},
		{"union", &Schema{AnyOf: []*Schema{String(), Integer()}}, `{"anyOf":[{"anyOf":[{"type":"string"},{"type":"integer"}]},{"type":"null"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := json.Marshal(tt.in)
			got, _ := json.Marshal(Nullable(tt.in))
			if string(got) != tt.want {
				t.Errorf("Nullable(%s) = %s, want %s", in, got, tt.want)
			}
		})
	}
}

func TestMapKeepsOrder(t *testing.T) {
	var m Map[int]
	m.Set("z", 1)
	m.Set("a", 2)
	m.Set("z", 3) // in place
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"z":3,"a":2}` {
		t.Errorf("got %s", got)
	}
	if v, ok := m.Get("a"); !ok || v != 2 {
		t.Errorf("Get(a) = %d, %v", v, ok)
	}
	if _, ok := m.Get("b"); ok {
		t.Error("Get(b) found a member")
	}
	var empty Map[int]
	if got, _ := json.Marshal(empty); string(got) != `{}` {
		t.Errorf("empty map: %s", got)
	}
	var html Map[*Schema]
	html.Set("<a>", &Schema{Description: "Bearer <token> & more"})
	got, err = Marshal(struct {
		M Map[*Schema] `json:"m"`
		S string       `json:"s"`
	}{html, "<b>"})
	if err != nil || string(got) != `{"m":{"<a>":{"description":"Bearer <token> & more"}},"s":"<b>"}` {
		t.Errorf("Marshal escapes: %s %v", got, err)
	}
}

func TestPathItemSet(t *testing.T) {
	var p PathItem
	for _, m := range []string{"GET", "PUT", "POST", "DELETE", "PATCH"} {
		if !p.Set(m, &Operation{OperationID: m}) {
			t.Errorf("Set(%s) refused", m)
		}
	}
	if p.Set("HEAD", &Operation{}) {
		t.Error("Set(HEAD) accepted")
	}
	got, _ := json.Marshal(p)
	want := `{"get":{"operationId":"GET","responses":{}},"put":{"operationId":"PUT","responses":{}},"post":{"operationId":"POST","responses":{}},"delete":{"operationId":"DELETE","responses":{}},"patch":{"operationId":"PATCH","responses":{}}}`
	if string(got) != want {
		t.Errorf("got %s", got)
	}
}
