package sqlstore

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// column is a column of "user" that holds a field of user.Base.
type column struct {
	name string
	// field returns a pointer to the field in b: a *uuid.UUID, *string,
	// *bool or *int64, the types both read paths decode.
	field func(b *user.Base) any
}

// baseFields are the columns of user.Base's fields, id first. It is the one
// place a field's column is named: the queries, the scan of database/sql
// rows, the decoding of the direct path (direct.go) and the arguments of
// every write are made from it, so a new field of user.Base is a new line
// here (and a migration adding the column).
var baseFields = [...]column{
	{"id", func(b *user.Base) any { return &b.ID }},
	{"email", func(b *user.Base) any { return &b.Email }},
	{"hashed_password", func(b *user.Base) any { return &b.HashedPassword }},
	{"is_active", func(b *user.Base) any { return &b.IsActive }},
	{"is_superuser", func(b *user.Base) any { return &b.IsSuperuser }},
	{"is_verified", func(b *user.Base) any { return &b.IsVerified }},
	{"token_epoch", func(b *user.Base) any { return &b.TokenEpoch }},
	{"kept_token", func(b *user.Base) any { return &b.KeptToken }},
	{"ended_sessions", func(b *user.Base) any { return &b.EndedSessions }},
}

// extraColumn is the column after baseFields in the selects that read the
// host's own fields (userColumns).
const extraColumn = len(baseFields)

// userColumns are the columns a user is read from, in scan order; for a
// user type without fields of its own, baseColumns, which spares the driver
// a column on the hot path.
var (
	baseColumns = columnNames()
	userColumns = baseColumns + `, extra`
)

func columnNames() string {
	names := make([]string, len(baseFields))
	for i, c := range baseFields {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// insertQuery inserts a user: the base columns, email_key and extra, with
// the arguments of insertArgs.
func insertQuery() string {
	n := len(baseFields)
	params := make([]string, n+2)
	for i := range params {
		params[i] = fmt.Sprintf("$%d", i+1)
	}
	return `INSERT INTO "user" (` + baseColumns + `, email_key, extra) VALUES (` + strings.Join(params, ", ") + `)`
}

// updateQuery writes every base column but id ($1), then email_key and, if
// withExtra, extra, with the arguments of writeArgs.
func updateQuery(withExtra bool) string {
	var set []string
	for i, c := range baseFields[1:] {
		set = append(set, fmt.Sprintf("%s = $%d", c.name, i+2))
	}
	set = append(set, fmt.Sprintf("email_key = $%d", len(baseFields)+1))
	if withExtra {
		set = append(set, fmt.Sprintf("extra = $%d", len(baseFields)+2))
	}
	return `UPDATE "user" SET ` + strings.Join(set, ", ") + ` WHERE id = $1`
}

// writeArgs returns the arguments of insertQuery and updateQuery for b: its
// fields in baseFields order, then its e-mail key; the caller appends extra.
func writeArgs(b *user.Base) []any {
	args := make([]any, 0, len(baseFields)+2)
	for _, c := range baseFields {
		switch p := c.field(b).(type) {
		case *uuid.UUID:
			args = append(args, *p)
		case *string:
			args = append(args, *p)
		case *bool:
			args = append(args, *p)
		case *int64:
			args = append(args, *p)
		default:
			// database/sql dereferences pointers; TestBaseFields keeps
			// the cases above complete.
			args = append(args, p)
		}
	}
	return append(args, user.EmailKey(b.Email))
}

// scanDest returns the destinations of a database/sql scan of b's columns,
// then extra if extra is not nil.
func scanDest(b *user.Base, extra any) []any {
	dest := make([]any, len(baseFields), len(baseFields)+1)
	for i, c := range baseFields {
		dest[i] = c.field(b)
	}
	if extra != nil {
		dest = append(dest, extra)
	}
	return dest
}
