package sqlstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// sqliteSetting is a connection setting SQLiteDSN adds unless the DSN sets
// it itself, through the _pragma parameter or one of modernc's shorthand keys.
type sqliteSetting struct {
	key   string // "_pragma" or "_txlock"
	name  string // the PRAGMA, for key "_pragma"
	value string
	keys  []string // shorthand keys that set the same thing
}

// sqliteSettings are the settings the store relies on for concurrent use.
func sqliteSettings() []sqliteSetting {
	return []sqliteSetting{
		// Wait for a lock rather than fail at once with SQLITE_BUSY.
		{key: "_pragma", name: "busy_timeout", value: "5000", keys: []string{"_busy_timeout", "_timeout"}},
		// Readers and one writer at a time without blocking each other.
		{key: "_pragma", name: "journal_mode", value: "WAL", keys: []string{"_journal_mode", "_journal"}},
		// ON DELETE CASCADE from "user" to its tokens and OAuth accounts.
		{key: "_pragma", name: "foreign_keys", value: "1", keys: []string{"_foreign_keys", "_fk"}},
		// Durable at checkpoints, and safe from corruption, in WAL mode.
		{key: "_pragma", name: "synchronous", value: "NORMAL", keys: []string{"_synchronous", "_sync"}},
		// Transactions take the write lock when they begin, which the busy
		// timeout waits for; a read lock upgraded later fails at once.
		{key: "_txlock", value: "immediate"},
	}
}

// SQLiteDSN returns dsn, a modernc.org/sqlite data source name, with the
// settings the store relies on added where dsn does not set them: WAL
// journal, busy_timeout of 5 s, foreign keys on, synchronous=NORMAL and
// BEGIN IMMEDIATE transactions (_txlock=immediate). Open calls it; a host
// that opens the *sql.DB itself and passes it to New should call it too.
//
// dsn is a file name ("users.db"), a SQLite URI ("file:users.db"), or
// ":memory:", optionally followed by '?' and query parameters, as modernc
// accepts them. An in-memory database gets no WAL journal, which it cannot
// have.
func SQLiteDSN(dsn string) (string, error) {
	name, query, hasQuery := strings.Cut(dsn, "?")
	if name == "" {
		return "", errors.New("sqlstore: SQLite DSN: no database name")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlstore: SQLite DSN: invalid query: %w", err)
	}
	memory := sqliteInMemory(dsn)
	var add []string
	for _, s := range sqliteSettings() {
		if memory && s.name == "journal_mode" {
			continue
		}
		if sqliteHasSetting(q, s) {
			continue
		}
		if s.key == "_pragma" {
			add = append(add, "_pragma="+s.name+"("+s.value+")")
		} else {
			add = append(add, s.key+"="+s.value)
		}
	}
	if len(add) == 0 {
		return dsn, nil
	}
	sep := "?"
	if hasQuery {
		sep = "&"
		if query == "" || strings.HasSuffix(query, "&") {
			sep = ""
		}
	}
	return dsn + sep + strings.Join(add, "&"), nil
}

// sqliteHasSetting reports whether q already sets what s sets.
func sqliteHasSetting(q url.Values, s sqliteSetting) bool {
	for _, k := range s.keys {
		if _, ok := q[k]; ok {
			return true
		}
	}
	if s.key != "_pragma" {
		_, ok := q[s.key]
		return ok
	}
	for _, p := range q["_pragma"] {
		if pragmaName(p) == s.name {
			return true
		}
	}
	return false
}

// pragmaName returns the lower-cased name of the PRAGMA in a _pragma value
// such as "busy_timeout(5000)" or "journal_mode = WAL".
func pragmaName(p string) string {
	p = strings.TrimSpace(p)
	if i := strings.IndexAny(p, "(= \t"); i >= 0 {
		p = p[:i]
	}
	return strings.ToLower(p)
}

// sqliteInMemory reports whether dsn names a database that lives in one
// connection's memory, so that a pool of several connections would see
// several databases: ":memory:", "file::memory:" or mode=memory.
func sqliteInMemory(dsn string) bool {
	name, query, _ := strings.Cut(dsn, "?")
	switch name {
	case ":memory:", "file::memory:":
		return true
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return false
	}
	if q.Get("vfs") == "memdb" {
		// memdb shares a database among connections by name.
		return false
	}
	return q.Get("mode") == "memory"
}
