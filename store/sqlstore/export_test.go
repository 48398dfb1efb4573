package sqlstore

// ListQueries returns the SQL of ListUsers' queries on db: pages after a
// key or from it on, without or with an upper bound.
func ListQueries(db *DB) []string {
	return []string{db.q.listAfter1, db.q.listFrom1, db.q.listAfterBelow3, db.q.listFromBelow3}
}
