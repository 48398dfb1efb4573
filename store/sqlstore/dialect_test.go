package sqlstore

import (
	"errors"
	"testing"
)

func TestDialectOf(t *testing.T) {
	for _, tc := range []struct {
		driver string
		want   Dialect
		err    error
	}{
		{"sqlite", SQLite, nil},
		{"pgx", Postgres, nil},
		{"pgx/v5", Postgres, nil},
		{"sqlite3", 0, ErrUnsupportedDriver},
		{"postgres", 0, ErrUnsupportedDriver},
		{"", 0, ErrUnsupportedDriver},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			got, err := DialectOf(tc.driver)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("DialectOf(%q) = %v, %v; want %v, %v", tc.driver, got, err, tc.want, tc.err)
			}
			if err == nil && got.DriverName() != tc.driver && tc.driver != "pgx/v5" {
				t.Errorf("%v.DriverName() = %q", got, got.DriverName())
			}
		})
	}
}

func TestDialectString(t *testing.T) {
	for d, want := range map[Dialect]string{SQLite: "sqlite", Postgres: "postgres", 0: "Dialect(0)", 9: "Dialect(9)"} {
		if got := d.String(); got != want {
			t.Errorf("Dialect(%d).String() = %q, want %q", int(d), got, want)
		}
	}
}

func TestDriverForURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:p@localhost/db", "pgx"},
		{"postgresql://localhost/db?sslmode=disable", "pgx"},
		{"POSTGRES://localhost/db", "pgx"},
		{"users.db", "sqlite"},
		{"file:users.db", "sqlite"},
		{":memory:", "sqlite"},
		{"/var/lib/postgres://x.db", "sqlite"},
		{"mysql://localhost/db", "sqlite"},
		{"", "sqlite"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := driverForURL(tc.in); got != tc.want {
				t.Fatalf("driverForURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The drivers' error types, as the package sees them: through their methods.
type (
	pgError     struct{ state string }
	sqliteError struct{ code int }
)

func (e *pgError) Error() string     { return "pg " + e.state }
func (e *pgError) SQLState() string  { return e.state }
func (e *sqliteError) Error() string { return "sqlite" }
func (e *sqliteError) Code() int     { return e.code }

func TestDriverErrors(t *testing.T) {
	for _, tc := range []struct {
		name              string
		err               error
		unique, transient bool
	}{
		{"pg unique violation", &pgError{"23505"}, true, false},
		{"pg foreign key violation", &pgError{"23503"}, false, false},
		{"pg serialization failure", &pgError{"40001"}, false, true},
		{"pg deadlock", &pgError{"40P01"}, false, true},
		{"sqlite unique", &sqliteError{2067}, true, false},
		{"sqlite primary key", &sqliteError{1555}, true, false},
		{"sqlite not null", &sqliteError{1299}, false, false},
		{"sqlite busy", &sqliteError{5}, false, true},
		{"sqlite busy snapshot", &sqliteError{517}, false, true},
		{"sqlite locked", &sqliteError{6}, false, true},
		{"wrapped", errors.Join(errors.New("context"), &sqliteError{2067}), true, false},
		{"other", errors.New("boom"), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := isUniqueViolation(tc.err); got != tc.unique {
				t.Errorf("isUniqueViolation = %v, want %v", got, tc.unique)
			}
			if got := isTransient(tc.err); got != tc.transient {
				t.Errorf("isTransient = %v, want %v", got, tc.transient)
			}
		})
	}
}
