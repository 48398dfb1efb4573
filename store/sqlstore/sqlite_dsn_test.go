package sqlstore

import (
	"net/url"
	"strings"
	"testing"
)

const allSettings = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

func TestSQLiteDSN(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		memory         bool
	}{
		{"file name", "users.db", "users.db?" + allSettings, false},
		{"absolute path", "/var/lib/app/users.db", "/var/lib/app/users.db?" + allSettings, false},
		{"URI", "file:users.db", "file:users.db?" + allSettings, false},
		{"URI with a query", "file:users.db?cache=private", "file:users.db?cache=private&" + allSettings, false},
		{"empty query", "users.db?", "users.db?" + allSettings, false},
		{"trailing ampersand", "users.db?mode=rwc&", "users.db?mode=rwc&" + allSettings, false},
		{"memory", ":memory:", ":memory:?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", true},
		{"memory URI", "file::memory:", "file::memory:?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", true},
		{"mode=memory", "file:x?mode=memory", "file:x?mode=memory&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", true},
		{"memdb is shared", "file:/x?vfs=memdb", "file:/x?vfs=memdb&" + allSettings, false},
		{
			"host's pragmas win",
			"users.db?_pragma=busy_timeout(100)&_pragma=JOURNAL_MODE = DELETE&_fk=0&_sync=FULL&_txlock=deferred",
			"users.db?_pragma=busy_timeout(100)&_pragma=JOURNAL_MODE = DELETE&_fk=0&_sync=FULL&_txlock=deferred",
			false,
		},
		{
			"shorthand keys count",
			"users.db?_busy_timeout=1&_journal_mode=WAL",
			"users.db?_busy_timeout=1&_journal_mode=WAL&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate",
			false,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SQLiteDSN(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("SQLiteDSN(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
			if m := sqliteInMemory(got); m != tc.memory {
				t.Errorf("sqliteInMemory(%q) = %v, want %v", got, m, tc.memory)
			}
			again, err := SQLiteDSN(got)
			if err != nil || again != got {
				t.Errorf("SQLiteDSN is not idempotent: %q -> %q, %v", got, again, err)
			}
		})
	}
}

func TestSQLiteDSNErrors(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no name", "?_fk=1"},
		{"bad escape", "users.db?a=%zz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := SQLiteDSN(tc.in); err == nil {
				t.Fatalf("SQLiteDSN(%q) = %q, want an error", tc.in, got)
			}
		})
	}
}

// FuzzSQLiteDSN: whatever the host passes, SQLiteDSN keeps the name and the
// host's parameters, and adds each missing setting once.
func FuzzSQLiteDSN(f *testing.F) {
	for _, s := range []string{"users.db", "file:users.db?cache=shared", ":memory:", "users.db?_pragma=busy_timeout(1)", "a?b?c", "x?&&", "file:x?mode=memory&vfs=memdb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := SQLiteDSN(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(out, in) {
			t.Fatalf("SQLiteDSN(%q) = %q does not keep the input", in, out)
		}
		_, query, _ := strings.Cut(out, "?")
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatalf("SQLiteDSN(%q) = %q: query does not parse: %v", in, out, err)
		}
		for _, s := range sqliteSettings() {
			if sqliteInMemory(out) && s.name == "journal_mode" {
				continue
			}
			if !sqliteHasSetting(q, s) {
				t.Fatalf("SQLiteDSN(%q) = %q lacks %s %s", in, out, s.key, s.name)
			}
		}
		if again, err := SQLiteDSN(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func TestPragmaName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"busy_timeout(5000)", "busy_timeout"},
		{" Journal_Mode = WAL", "journal_mode"},
		{"foreign_keys\t1", "foreign_keys"},
		{"synchronous", "synchronous"},
		{"", ""},
	} {
		if got := pragmaName(tc.in); got != tc.want {
			t.Errorf("pragmaName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
