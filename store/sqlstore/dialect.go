package sqlstore

import (
	"errors"
	"fmt"
)

// Dialect is the SQL dialect of a database.
type Dialect int

// The supported dialects.
const (
	// SQLite is SQLite through modernc.org/sqlite (driver name "sqlite").
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL through github.com/jackc/pgx/v5/stdlib
	// (driver name "pgx").
	Postgres
)

// ErrUnsupportedDriver is returned by Open for a driver name the package has
// no dialect for.
var ErrUnsupportedDriver = errors.New("sqlstore: unsupported driver")

// ErrUnsupportedDialect is returned by New for a Dialect value that is not
// one of the constants.
var ErrUnsupportedDialect = errors.New("sqlstore: unsupported dialect")

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// DriverName returns the database/sql driver name the dialect is used with:
// "sqlite" or "pgx".
func (d Dialect) DriverName() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "pgx"
	}
	return ""
}

func (d Dialect) valid() bool { return d == SQLite || d == Postgres }

// DialectOf returns the dialect for a database/sql driver name: "sqlite" for
// SQLite, "pgx" or "pgx/v5" for PostgreSQL. Any other name is
// ErrUnsupportedDriver.
func DialectOf(driverName string) (Dialect, error) {
	switch driverName {
	case "sqlite":
		return SQLite, nil
	case "pgx", "pgx/v5":
		return Postgres, nil
	}
	return 0, fmt.Errorf("%w %q (want \"sqlite\" or \"pgx\")", ErrUnsupportedDriver, driverName)
}
