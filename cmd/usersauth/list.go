package main

import (
	"context"
	"fmt"
	"io"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// list prints the users ordered by e-mail key: --limit of them after
// --after, or all of them. Pages are read with keyset paging (each after
// the last address of the one before), so users added or removed meanwhile
// neither shift nor repeat the rest, and rows are printed as each page
// arrives.
func list(ctx context.Context, s *session, _ []string) error {
	out := newUserList(s.stdout, s.opts.json)
	if err := out.begin(); err != nil {
		return err
	}
	after, printed, limit := s.opts.after, 0, s.opts.limit
	for {
		size := sqlstore.MaxListLimit
		if limit > 0 {
			// One more than needed tells whether more follow.
			size = min(size, limit-printed+1)
		}
		page, err := s.users.List(ctx, sqlstore.ListOptions{After: after, Limit: size})
		if err != nil {
			return err
		}
		for _, u := range page {
			if limit > 0 && printed == limit {
				if err := out.end(); err != nil {
					return err
				}
				note(s, "more users follow: continue with --after %s", display(after))
				return nil
			}
			if err := out.write(u); err != nil {
				return err
			}
			printed++
			after = u.Email
		}
		if len(page) < size {
			return out.end()
		}
	}
}

// userList writes users as a table or as a JSON array, one at a time.
type userList struct {
	w    io.Writer
	json bool
	n    int
}

func newUserList(w io.Writer, json bool) *userList { return &userList{w: w, json: json} }

func (l *userList) begin() error {
	if l.json {
		_, err := io.WriteString(l.w, "[")
		return err
	}
	_, err := io.WriteString(l.w, tableHeader)
	return err
}

func (l *userList) write(u *user.User) error {
	defer func() { l.n++ }()
	if !l.json {
		return writeRow(l.w, u)
	}
	b, err := marshalUser(u)
	if err != nil {
		return err
	}
	sep := ",\n"
	if l.n == 0 {
		sep = "\n"
	}
	_, err = fmt.Fprintf(l.w, "%s%s", sep, b)
	return err
}

func (l *userList) end() error {
	if !l.json {
		return nil
	}
	end := "\n]\n"
	if l.n == 0 {
		end = "]\n"
	}
	_, err := io.WriteString(l.w, end)
	return err
}
