package sqlstore

// ListQueries returns the SQL of ListUsers' three queries on db: a page, a
// page with a prefix range, a page from a prefix on.
func ListQueries(db *DB) (page, prefix, from string) {
	return db.q.listPage, db.q.listPrefix, db.q.listFrom
}
