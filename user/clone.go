package user

import "reflect"

// New returns a new zero user of type U, which must be a pointer to a struct
// embedding Base (for example *User). Stores use it to materialise rows.
func New[U Model]() U {
	return reflect.New(reflect.TypeFor[U]().Elem()).Interface().(U)
}

// Clone returns a shallow copy of u: a new struct with the same field values.
// Slices and maps among a host's own fields are shared with u, so stores and
// callers treat them as immutable and replace them rather than edit them.
func Clone[U Model](u U) U {
	// The ready-made type, which every store copies on every lookup,
	// without reflection.
	if p, ok := any(u).(*User); ok {
		c := *p
		return any(&c).(U)
	}
	v := reflect.ValueOf(u)
	c := reflect.New(v.Type().Elem())
	c.Elem().Set(v.Elem())
	return c.Interface().(U)
}
