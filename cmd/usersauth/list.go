package main

import (
	"context"
	"fmt"
	"io"

	"github.com/usersauth/usersauth/user"
)

// list prints the users ordered by e-mail key, those whose address starts
// with --prefix when it is given: --limit of them after --after, or all of
// them. It pages through them as GET /users does, with the Manager's
// ListUsers (keyset pages, each after the last key of the one before), so
// users added or removed meanwhile neither shift nor repeat the rest, and
// rows are printed as each page arrives.
func list(ctx context.Context, s *session, _ []string) error {
	out := newUserList(s.stdout, s.opts.json)
	if err := out.begin(); err != nil {
		return err
	}
	q := user.ListQuery{Prefix: s.opts.prefix, After: user.EmailKey(s.opts.after)}
	last, printed, limit := s.opts.after, 0, s.opts.limit
	for {
		q.Limit = user.MaxListLimit
		if limit > 0 {
			q.Limit = min(q.Limit, limit-printed)
		}
		page, err := s.manager.ListUsers(ctx, q)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			if err := out.write(u); err != nil {
				return err
			}
			printed++
			last = u.Email
		}
		switch {
		case page.Next == "":
			return out.end()
		case limit > 0 && printed == limit:
			if err := out.end(); err != nil {
				return err
			}
			note(s, "more users follow: continue with --after %s", display(last))
			return nil
		}
		q.After = page.Next
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
