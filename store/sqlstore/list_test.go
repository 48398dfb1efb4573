package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

func TestListAndCount(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t).Users()
			if n, err := s.Count(ctx); err != nil || n != 0 {
				t.Fatalf("Count of an empty store = %d, %v", n, err)
			}
			// Stored in mixed case, listed in key order, byte-wise on every
			// dialect: a locale-aware collation would not put "_" and " "
			// before the letters.
			emails := []string{"Tristan@camelot.bt", "bedivere@camelot.bt", "Gawain@camelot.bt", "kay@camelot.bt",
				" agravain@camelot.bt", "_Lamorak@camelot.bt"}
			for _, e := range emails {
				if err := s.Create(ctx, newUser(e)); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.Count(ctx); err != nil || n != len(emails) {
				t.Fatalf("Count = %d, %v; want %d", n, err, len(emails))
			}
			sorted := slices.SortedFunc(slices.Values(emails), func(a, b string) int {
				return strings.Compare(user.EmailKey(a), user.EmailKey(b))
			})
			for _, tc := range []struct {
				name string
				opts sqlstore.ListOptions
				want []string
			}{
				{"all", sqlstore.ListOptions{}, sorted},
				{"first page", sqlstore.ListOptions{Limit: 2}, sorted[:2]},
				{"offset", sqlstore.ListOptions{Limit: 2, Offset: 2}, sorted[2:4]},
				{"after, any spelling", sqlstore.ListOptions{After: "BEDIVERE@camelot.bt"}, sorted[3:]},
				{"after and limit", sqlstore.ListOptions{After: sorted[1], Limit: 1}, sorted[2:3]},
				{"after an unknown address", sqlstore.ListOptions{After: "c@camelot.bt"}, sorted[3:]},
				{"after the last", sqlstore.ListOptions{After: sorted[len(sorted)-1]}, nil},
				{"past the end", sqlstore.ListOptions{Offset: 10}, nil},
				{"negative values", sqlstore.ListOptions{Offset: -1, Limit: -1}, sorted},
				{"limit above the maximum", sqlstore.ListOptions{Limit: sqlstore.MaxListLimit + 1}, sorted},
			} {
				t.Run(tc.name, func(t *testing.T) {
					users, err := s.List(ctx, tc.opts)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, u := range users {
						got = append(got, u.Email)
					}
					if !slices.Equal(got, tc.want) {
						t.Fatalf("List(%+v) = %q, want %q", tc.opts, got, tc.want)
					}
				})
			}
		})
	}
}

func TestListPagesThroughManyUsers(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteMemory(t).Users()
	const n = sqlstore.DefaultListLimit*2 + 7
	for i := range n {
		if err := s.Create(ctx, newUser(fmt.Sprintf("knight%03d@camelot.bt", i))); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	after := ""
	for page := 0; ; page++ {
		users, err := s.List(ctx, sqlstore.ListOptions{After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(users) == 0 {
			break
		}
		for _, u := range users {
			if want := fmt.Sprintf("knight%03d@camelot.bt", seen); u.Email != want {
				t.Fatalf("page %d: got %q, want %q", page, u.Email, want)
			}
			seen++
		}
		after = users[len(users)-1].Email
	}
	if seen != n {
		t.Fatalf("paged through %d users, want %d", seen, n)
	}
}
