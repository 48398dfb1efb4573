package sqlstore

import (
	"context"
	"errors"
	"reflect"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/internal/rowread"
	"github.com/usersauth/usersauth/user"
)

func init() {
	rowread.Attach = func(x any, r rowread.Reader) error {
		db, ok := x.(*DB)
		switch {
		case !ok:
			return errors.New("sqlstore: attach a reader: not a *sqlstore.DB")
		case db.dialect != SQLite:
			return errors.New("sqlstore: attach a reader: not a SQLite database")
		case db.reader != nil:
			return errors.New("sqlstore: attach a reader: the database has one")
		}
		db.reader = r
		return nil
	}
}

// cacheSpace returns the rowread.Key spaces of user type t: two, for
// lookups by id and by e-mail key, starting at the number returned.
func (db *DB) cacheSpace(t reflect.Type) int {
	db.spacesMu.Lock()
	defer db.spacesMu.Unlock()
	space, ok := db.spaces[t]
	if !ok {
		if db.spaces == nil {
			db.spaces = make(map[reflect.Type]int)
		}
		space = 2 * len(db.spaces)
		db.spaces[t] = space
	}
	return space
}

// getDirect returns the user query finds for key through r: a copy of the
// one r's cache kept, or the one it reads, decoded as scan does, which the
// cache then keeps. A column whose value the direct decoding does not take
// as is (a NULL, an integer other than 0 or 1 for a flag, a float, an id
// that is not a UUID...) makes it return rowread.ErrFallback, so that
// database/sql reads the row and gives its usual answer or error; such a
// rare row is not cached.
func (s *UserStore[U]) getDirect(ctx context.Context, r rowread.Reader, query string, key rowread.Key) (U, bool, error) {
	var zero U
	v, ok, version := r.Cached(key)
	if u, isU := v.(U); ok && isU {
		return user.Clone(u), true, nil
	}
	row, err := r.QueryRow(ctx, query, keyArg(key))
	if err != nil || row == nil {
		return zero, false, err
	}
	u, err := s.scanDirect(row)
	row.Close()
	if err != nil {
		return zero, false, err
	}
	if version == 0 {
		return u, true, nil // nothing is kept
	}
	// The cache keeps u; the caller gets a copy.
	r.Keep(key, u, version)
	return user.Clone(u), true, nil
}

// keyArg is the argument of a lookup's query: the key's text, else its id
// in the form the table holds.
func keyArg(key rowread.Key) string {
	if key.Text != "" {
		return key.Text
	}
	return uuid.UUID(key.ID).String()
}

// scanDirect decodes row: the columns baseFields, then extra if U has
// fields of its own.
func (s *UserStore[U]) scanDirect(row rowread.Row) (U, error) {
	var zero U
	u := user.New[U]()
	b := u.UserBase()
	for i, c := range baseFields {
		if !decodeDirect(row, i, c.field(b)) {
			return zero, rowread.ErrFallback
		}
	}
	if s.ownFields {
		var extra []byte
		switch row.Kind(extraColumn) {
		case rowread.Text, rowread.Blob:
			extra = row.Bytes(extraColumn)
		case rowread.Null:
		default:
			return zero, rowread.ErrFallback
		}
		// The columns win over whatever extra holds.
		base := *b
		if err := decodeExtra(extra, u); err != nil {
			return zero, rowread.ErrFallback
		}
		*b = base
	}
	return u, nil
}

// decodeDirect sets the field p points to from column i of row, and
// reports whether the value was one the direct path takes as is: text for
// a UUID or a string, the integer 0 or 1 for a flag, an integer for an
// integer. database/sql reads anything else.
func decodeDirect(row rowread.Row, i int, p any) bool {
	switch p := p.(type) {
	case *uuid.UUID:
		if row.Kind(i) != rowread.Text {
			return false
		}
		id, err := uuid.ParseBytes(row.Bytes(i))
		if err != nil {
			return false
		}
		*p = id
	case *string:
		if row.Kind(i) != rowread.Text {
			return false
		}
		*p = string(row.Bytes(i))
	case *bool:
		if row.Kind(i) != rowread.Integer {
			return false
		}
		switch row.Int(i) {
		case 0:
			*p = false
		case 1:
			*p = true
		default:
			return false
		}
	case *int64:
		if row.Kind(i) != rowread.Integer {
			return false
		}
		*p = row.Int(i)
	default:
		return false
	}
	return true
}
