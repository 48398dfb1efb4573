package sqlstore

import (
	"fmt"
	"io/fs"
	"testing"
)

// TestMigrationFiles: each version with SQL has a file for every dialect,
// versions start at 1 and only increase (branches developed in parallel
// number theirs apart, so there may be gaps), and no file is left out.
func TestMigrationFiles(t *testing.T) {
	used := make(map[string]bool)
	prev := 0
	for i, m := range migrations() {
		if m.version <= prev || (i == 0 && m.version != 1) {
			t.Errorf("migration %d has version %d after %d", i, m.version, prev)
		}
		prev = m.version
		if !m.sql && m.step == nil {
			t.Errorf("version %d does nothing", m.version)
		}
		if !m.sql {
			continue
		}
		for _, d := range []Dialect{SQLite, Postgres} {
			name := m.file(d)
			if _, err := fs.Stat(migrationFS, name); err != nil {
				t.Errorf("version %d: %v", m.version, err)
			}
			used[name] = true
		}
	}
	err := fs.WalkDir(migrationFS, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !used[path] {
			return fmt.Errorf("%s belongs to no version", path)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
