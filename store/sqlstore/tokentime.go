package sqlstore

import (
	"fmt"
	"time"
)

// timeArg is how the token stores write a time: a TIMESTAMP WITH TIME ZONE
// on PostgreSQL; Unix microseconds on SQLite, whose TIMESTAMP is no type at
// all and whose text forms of times compare as strings, not as instants.
// Both keep microseconds, the precision the token store contracts ask for.
func (db *DB) timeArg(t time.Time) any {
	t = t.Truncate(time.Microsecond)
	if db.dialect == SQLite {
		return t.UnixMicro()
	}
	return t
}

// scanTime reads a time written by timeArg, as UTC; NULL, in a nullable
// column, as the zero time.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("sqlstore: a token time of type %T", v)
	}
	return nil
}
