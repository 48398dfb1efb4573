package sqlite_test

import (
	"context"
	"math"
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/store/storetest"
)

// columnValue turns fuzzer input into a value of one of SQLite's storage
// classes, chosen by kind.
func columnValue(kind byte, n int64, s string) any {
	switch kind % 5 {
	case 0:
		return n
	case 1:
		return s
	case 2:
		return float64(n) / 2
	case 3:
		return []byte(s)
	default:
		return math.Float64frombits(uint64(n))
	}
}

// FuzzSameAnswers stores arbitrary values, of every storage class, in the
// columns of a user and checks that the direct path answers each lookup
// exactly as database/sql does: the same user, or the same error.
func FuzzSameAnswers(f *testing.F) {
	f.Add(byte(0), int64(1), byte(0), int64(0), "x", []byte(`{}`), false)
	f.Add(byte(0), int64(2), byte(1), int64(7), "7", []byte(`{"visits":3}`), true)
	f.Add(byte(1), int64(0), byte(2), int64(5), "true", []byte(`{"display_name":"é"}`), false)
	f.Add(byte(3), int64(0), byte(3), int64(0), "\x01", []byte("\xff"), true)
	f.Add(byte(2), int64(-1), byte(4), int64(math.MaxInt64), "", []byte(`{"is_superuser":true}`), false)
	db, plain := open(f)
	ctx := context.Background()
	u := newUser("tristan@camelot.bt")
	if err := db.Users().Create(ctx, u); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, flagKind byte, flag int64, epochKind byte, epoch int64, s string, extra []byte, extraBlob bool) {
		var extraValue any = string(extra)
		if extraBlob {
			extraValue = extra
		}
		_, err := plain.SQL().ExecContext(ctx, `UPDATE "user" SET is_active = ?, is_verified = ?, token_epoch = ?, hashed_password = ?, kept_token = ?, extra = ? WHERE id = ?`,
			columnValue(flagKind, flag, s), columnValue(flagKind/5, flag, s), columnValue(epochKind, epoch, s), s, columnValue(epochKind/5, epoch, s), extraValue, u.ID.String())
		if err != nil {
			t.Skip(err) // a value the column refuses
		}
		compare(t, "Users", db.Users(), plain.Users(), u)
		compare(t, "Members", sqlstore.UsersOf[*storetest.Member](db), sqlstore.UsersOf[*storetest.Member](plain), u)
	})
}
