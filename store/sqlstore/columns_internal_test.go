package sqlstore

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"unsafe"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// TestBaseFields holds baseFields to user.Base: every field of Base has
// exactly one column, id first, of a type both read paths and the writes
// handle, so a field added to Base without its column fails here.
func TestBaseFields(t *testing.T) {
	var b user.Base
	base := uintptr(unsafe.Pointer(&b))
	owner := make(map[uintptr]string)
	for _, c := range baseFields {
		p := c.field(&b)
		switch p.(type) {
		case *uuid.UUID, *string, *bool, *int64:
		default:
			t.Errorf("column %s: field type %T, which the direct path does not decode", c.name, p)
		}
		off := reflect.ValueOf(p).Pointer() - base
		if other, ok := owner[off]; ok {
			t.Errorf("columns %s and %s hold the same field", other, c.name)
		}
		owner[off] = c.name
	}
	if baseFields[0].name != "id" {
		t.Errorf("first column %s, want id (the updates' $1)", baseFields[0].name)
	}
	typ := reflect.TypeFor[user.Base]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if _, ok := owner[f.Offset]; !ok {
			t.Errorf("user.Base.%s has no column in baseFields", f.Name)
		}
	}
	if len(baseFields) != typ.NumField() {
		t.Errorf("%d columns for %d fields of user.Base", len(baseFields), typ.NumField())
	}
}

// TestWriteQueriesMatchArgs: the insert and the updates number their
// placeholders 1 to the count of their arguments, each once.
func TestWriteQueriesMatchArgs(t *testing.T) {
	args := len(writeArgs(&user.Base{Email: "a@b.c"}))
	placeholder := regexp.MustCompile(`\$(\d+)`)
	for _, tc := range []struct {
		name  string
		query string
		want  int // arguments: writeArgs, and extra but for updateBase
	}{
		{"insert", insertQuery(), args + 1},
		{"update", updateQuery(true), args + 1},
		{"updateBase", updateQuery(false), args},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, m := range placeholder.FindAllStringSubmatch(tc.query, -1) {
				n, _ := strconv.Atoi(m[1])
				got = append(got, n)
			}
			slices.Sort(got)
			want := make([]int, tc.want)
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(got, want) {
				t.Errorf("placeholders %v, want 1 to %d once each: %s", got, tc.want, tc.query)
			}
		})
	}
}
