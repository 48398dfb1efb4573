package sqlstore

import (
	"context"
	"errors"

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

// readDirect reads the user query finds for arg through r, decoding the
// columns as scan does. A column whose value the direct decoding does not
// take as is (a NULL, an integer other than 0 or 1 for a flag, a float, an
// id that is not a UUID...) makes it return rowread.ErrFallback, so that
// database/sql reads the row and gives its usual answer or error.
func (s *UserStore[U]) readDirect(ctx context.Context, r rowread.Reader, query, arg string) (U, bool, error) {
	var zero U
	row, err := r.QueryRow(ctx, query, arg)
	if err != nil || row == nil {
		return zero, false, err
	}
	defer row.Close()
	u, err := s.scanDirect(row)
	if err != nil {
		return zero, false, err
	}
	return u, true, nil
}

// scanDirect decodes row: the columns baseColumns, then extra if U has
// fields of its own.
func (s *UserStore[U]) scanDirect(row rowread.Row) (U, error) {
	var zero U
	u := user.New[U]()
	b := u.UserBase()
	if row.Kind(0) != rowread.Text {
		return zero, rowread.ErrFallback
	}
	id, err := uuid.ParseBytes(row.Bytes(0))
	if err != nil {
		return zero, rowread.ErrFallback
	}
	b.ID = id
	if row.Kind(1) != rowread.Text || row.Kind(2) != rowread.Text {
		return zero, rowread.ErrFallback
	}
	b.Email = string(row.Bytes(1))
	b.HashedPassword = string(row.Bytes(2))
	for i, flag := range [...]*bool{&b.IsActive, &b.IsSuperuser, &b.IsVerified} {
		c := 3 + i
		if row.Kind(c) != rowread.Integer {
			return zero, rowread.ErrFallback
		}
		switch row.Int(c) {
		case 0:
			*flag = false
		case 1:
			*flag = true
		default:
			return zero, rowread.ErrFallback
		}
	}
	if row.Kind(6) != rowread.Integer {
		return zero, rowread.ErrFallback
	}
	b.TokenEpoch = row.Int(6)
	if s.ownFields {
		var extra []byte
		switch row.Kind(7) {
		case rowread.Text, rowread.Blob:
			extra = row.Bytes(7)
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
