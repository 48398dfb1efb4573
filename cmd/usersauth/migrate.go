package main

import (
	"context"
	"fmt"
)

// migrate reports the schema version and the number of users; opening the
// database has migrated it (sqlstore.OpenURL), under a lock, so running it
// while servers use the database is safe.
func migrate(ctx context.Context, s *session, _ []string) error {
	v, err := schemaVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	n, err := s.users.Count(ctx)
	if err != nil {
		return err
	}
	users := "users"
	if n == 1 {
		users = "user"
	}
	_, err = fmt.Fprintf(s.stdout, "schema version %d (%s), %d %s\n", v, s.db.Dialect(), n, users)
	return err
}
