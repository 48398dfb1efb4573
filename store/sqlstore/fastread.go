package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// fastReads serves the lookups every authenticated request makes (Get and
// GetByEmail) on a SQLite file through the driver directly, on connections
// set aside for them with their statements prepared once. database/sql's
// per-query machinery (the pool, the statement's connection map, Rows,
// conversions) costs about as much as SQLite's own work for such a lookup.
// When every reader is busy, a lookup takes the ordinary database/sql path.
type fastReads struct {
	readers chan *fastReader
	all     []*fastReader
}

type fastReader struct {
	conn  *sql.Conn
	stmts [2][2]driver.StmtQueryContext // [lookupKind][extra]
	args  [1]driver.NamedValue
	row   [8]driver.Value
}

type lookupKind uint8

const (
	lookupByID lookupKind = iota
	lookupByEmailKey
)

func newFastReads(ctx context.Context, sqlDB *sql.DB, n int) (*fastReads, error) {
	f := &fastReads{readers: make(chan *fastReader, n)}
	for range n {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			f.close()
			return nil, err
		}
		r := &fastReader{conn: conn}
		f.all = append(f.all, r)
		err = conn.Raw(func(dc any) error {
			p, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("driver connection %T cannot prepare", dc)
			}
			for kind, where := range [...]string{"id", "email_key"} {
				for extra, cols := range [...]string{baseColumns, userColumns} {
					st, err := p.PrepareContext(ctx, `SELECT `+cols+` FROM "user" WHERE `+where+` = $1`)
					if err != nil {
						return err
					}
					q, ok := st.(driver.StmtQueryContext)
					if !ok {
						st.Close()
						return fmt.Errorf("driver statement %T cannot query", st)
					}
					r.stmts[kind][extra] = q
				}
			}
			return nil
		})
		if err != nil {
			f.close()
			return nil, err
		}
		f.readers <- r
	}
	return f, nil
}

// get looks one user up; ok is false when no reader was free, and the
// caller takes the ordinary path.
func (f *fastReads) get(kind lookupKind, extra bool, arg string) (row [8]driver.Value, found, ok bool, err error) {
	var r *fastReader
	select {
	case r = <-f.readers:
	default:
		return row, false, false, nil
	}
	defer func() { f.readers <- r }()
	e := 0
	if extra {
		e = 1
	}
	cols := 7 + e
	r.args[0] = driver.NamedValue{Ordinal: 1, Value: arg}
	err = r.conn.Raw(func(any) error {
		// The lookup is a point read bounded by busy_timeout: it runs
		// without the caller's cancellation, whose watch would cost more.
		rows, err := r.stmts[kind][e].QueryContext(context.Background(), r.args[:])
		if err != nil {
			return err
		}
		defer rows.Close()
		switch err := rows.Next(r.row[:cols]); {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
		found = true
		return nil
	})
	row = r.row
	clear(r.row[:])
	return row, found, true, err
}

func (f *fastReads) close() error {
	var err error
	for _, r := range f.all {
		err = errors.Join(err, r.conn.Raw(func(any) error {
			var err error
			for _, ks := range r.stmts {
				for _, s := range ks {
					if s != nil {
						err = errors.Join(err, s.(driver.Stmt).Close())
					}
				}
			}
			return err
		}), r.conn.Close())
	}
	return err
}
