package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// RunLister runs the conformance suite of user.UserLister against the
// stores open returns, one per subtest: order by e-mail key, exclusive
// After, prefixes compared byte for byte (no pattern characters, no
// collation), limits, copies, and pages that neither repeat nor skip a user
// while others are added and removed. open must return a fresh, empty store
// that implements user.UserLister and release it with t.Cleanup.
func RunLister(t *testing.T, open func(t *testing.T) user.Store[*user.User]) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User])
	}{
		{"Empty", testListEmpty},
		{"OrderByKey", testListOrder},
		{"After", testListAfter},
		{"Prefix", testListPrefix},
		{"PrefixIsNoPattern", testListPrefixNoPattern},
		{"PrefixAtTheTopOfUnicode", testListPrefixTop},
		{"Limit", testListLimit},
		{"Copies", testListCopies},
		{"PagesWhileUsersComeAndGo", testListConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			l, ok := s.(user.UserLister[*user.User])
			if !ok {
				t.Fatal("storetest: the store does not implement user.UserLister")
			}
			c.run(t, s, l)
		})
	}
}

func createAll(t *testing.T, s user.Store[*user.User], emails ...string) {
	t.Helper()
	for i, e := range emails {
		mustCreate(t, s, &user.User{Base: sampleBase(uuid.New(), e, i+1)})
	}
}

// listKeys lists with q and returns the e-mail keys of the page.
func listKeys(t *testing.T, l user.UserLister[*user.User], q user.ListQuery) []string {
	t.Helper()
	users, err := l.ListUsers(context.Background(), q)
	if err != nil {
		t.Fatalf("ListUsers(%+v): %v", q, err)
	}
	keys := make([]string, len(users))
	for i, u := range users {
		keys[i] = user.EmailKey(u.Email)
	}
	return keys
}

func wantKeys(t *testing.T, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
}

func testListEmpty(t *testing.T, _ user.Store[*user.User], l user.UserLister[*user.User]) {
	wantKeys(t, listKeys(t, l, user.ListQuery{Limit: 10}))
	wantKeys(t, listKeys(t, l, user.ListQuery{Prefix: "a", After: "b", Limit: 10}))
}

func testListOrder(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	// Keys compare byte for byte: upper case sorts as lower (the key is
	// lower-cased), digits before letters, and é (0xC3 0xA9) after z.
	createAll(t, s, "zoe@camelot.bt", "Bedevere@camelot.bt", "élaine@camelot.bt", "arthur@camelot.bt", "9lives@camelot.bt", "KAY@camelot.bt")
	wantKeys(t, listKeys(t, l, user.ListQuery{Limit: 10}),
		"9lives@camelot.bt", "arthur@camelot.bt", "bedevere@camelot.bt", "kay@camelot.bt", "zoe@camelot.bt", "élaine@camelot.bt")
}

func testListAfter(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	createAll(t, s, "a@camelot.bt", "b@camelot.bt", "c@camelot.bt")
	for _, tc := range []struct {
		after string
		want  []string
	}{
		{"", []string{"a@camelot.bt", "b@camelot.bt", "c@camelot.bt"}},
		{"a@camelot.bt", []string{"b@camelot.bt", "c@camelot.bt"}}, // exclusive
		{"a", []string{"a@camelot.bt", "b@camelot.bt", "c@camelot.bt"}},
		{"b@camelot.bt!", []string{"c@camelot.bt"}},
		{"c@camelot.bt", nil},
		{"\U0010FFFF", nil},
	} {
		t.Run(fmt.Sprintf("%q", tc.after), func(t *testing.T) {
			wantKeys(t, listKeys(t, l, user.ListQuery{After: tc.after, Limit: 10}), tc.want...)
		})
	}
}

func testListPrefix(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	createAll(t, s, "Gawain@camelot.bt", "galahad@camelot.bt", "gareth@camelot.bt", "garethe@orkney.bt", "geraint@camelot.bt", "ga@camelot.bt")
	for _, tc := range []struct {
		prefix, after string
		want          []string
	}{
		{"ga", "", []string{"ga@camelot.bt", "galahad@camelot.bt", "gareth@camelot.bt", "garethe@orkney.bt", "gawain@camelot.bt"}},
		{"gar", "", []string{"gareth@camelot.bt", "garethe@orkney.bt"}},
		{"gar", "gareth@camelot.bt", []string{"garethe@orkney.bt"}},
		{"gareth@camelot.bt", "", []string{"gareth@camelot.bt"}},
		{"g", "gawain@camelot.bt", []string{"geraint@camelot.bt"}},
		{"ga", "a", []string{"ga@camelot.bt", "galahad@camelot.bt", "gareth@camelot.bt", "garethe@orkney.bt", "gawain@camelot.bt"}},
		{"ga", "h", nil},
		{"gaw", "", []string{"gawain@camelot.bt"}},
		{"h", "", nil},
		{"gareth@camelot.bt.", "", nil},
	} {
		t.Run(tc.prefix+"/"+tc.after, func(t *testing.T) {
			wantKeys(t, listKeys(t, l, user.ListQuery{Prefix: tc.prefix, After: tc.after, Limit: 10}), tc.want...)
		})
	}
}

// testListPrefixNoPattern: characters special to LIKE, GLOB or regular
// expressions match only themselves.
func testListPrefixNoPattern(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	createAll(t, s, "a%b@camelot.bt", "a_b@camelot.bt", "axb@camelot.bt", "a*b@camelot.bt", "a[b@camelot.bt", "a?b@camelot.bt", `a\b@camelot.bt`, "a.b@camelot.bt")
	for _, p := range []string{"a%", "a_", "a*", "a[", "a?", `a\`, "a."} {
		t.Run(p, func(t *testing.T) {
			wantKeys(t, listKeys(t, l, user.ListQuery{Prefix: p, Limit: 10}), p+"b@camelot.bt")
		})
	}
}

// testListPrefixTop: a prefix ending in the last code point has no
// successor of the same length; the store must still find what starts with
// it, and nothing else.
func testListPrefixTop(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	createAll(t, s, "a\U0010FFFFx@camelot.bt", "a\U0010FFFF@camelot.bt", "b@camelot.bt", "a\U0010FFFE@camelot.bt")
	wantKeys(t, listKeys(t, l, user.ListQuery{Prefix: "a\U0010FFFF", Limit: 10}), "a\U0010FFFF@camelot.bt", "a\U0010FFFFx@camelot.bt")
	wantKeys(t, listKeys(t, l, user.ListQuery{Prefix: "\U0010FFFF", Limit: 10}))
	wantKeys(t, listKeys(t, l, user.ListQuery{Prefix: "a\U0010FFFE", Limit: 10}), "a\U0010FFFE@camelot.bt")
}

func testListLimit(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	var emails []string
	for i := range 7 {
		emails = append(emails, fmt.Sprintf("knight%d@camelot.bt", i))
	}
	createAll(t, s, emails...)
	for _, limit := range []int{1, 3, 7, user.MaxListLimit + 1} {
		got := listKeys(t, l, user.ListQuery{Limit: limit})
		if want := emails[:min(limit, len(emails))]; !slices.Equal(got, want) {
			t.Fatalf("limit %d: %q, want %q", limit, got, want)
		}
	}
}

func testListCopies(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	id := uuid.New()
	want := &user.User{Base: sampleBase(id, arthur, 7)}
	mustCreate(t, s, want)
	users, err := l.ListUsers(context.Background(), user.ListQuery{Limit: 1})
	if err != nil || len(users) != 1 {
		t.Fatalf("ListUsers = %d users, %v", len(users), err)
	}
	if users[0].Base != want.Base {
		t.Fatalf("listed\n%+v\nwant\n%+v", users[0].Base, want.Base)
	}
	users[0].IsSuperuser = !users[0].IsSuperuser
	if got, err := s.Get(context.Background(), id); err != nil || got.IsSuperuser != want.IsSuperuser {
		t.Fatal("changing a listed user changed the stored one")
	}
}

// testListConcurrent pages through users, a few at a time, while others are
// created and deleted: every user present from start to end appears exactly
// once, in order.
func testListConcurrent(t *testing.T, s user.Store[*user.User], l user.UserLister[*user.User]) {
	const steady, churn = 300, 150
	ctx := context.Background()
	var stay []string
	for i := range steady {
		e := fmt.Sprintf("steady%04d@camelot.bt", i)
		stay = append(stay, e)
		mustCreate(t, s, &user.User{Base: user.Base{ID: uuid.New(), Email: e}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	done := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			// Interleaved with the steady keys, before and after them.
			u := &user.User{Base: user.Base{ID: uuid.New(), Email: fmt.Sprintf("steady%04d-%d@camelot.bt", i%steady, i)}}
			if i%2 == 1 {
				u.Email = fmt.Sprintf("churn%d@camelot.bt", i)
			}
			err := s.Create(ctx, u)
			if err == nil && i%churn != 0 {
				err = s.Delete(ctx, u.ID)
			}
			if err != nil {
				select {
				case errs <- err:
				default:
				}
				return
			}
		}
	})
	var seen []string
	after := ""
	for {
		users, err := l.ListUsers(ctx, user.ListQuery{Prefix: "steady", After: after, Limit: 7})
		if err != nil {
			close(done)
			wg.Wait()
			t.Fatal(err)
		}
		for _, u := range users {
			k := user.EmailKey(u.Email)
			if k <= after {
				close(done)
				wg.Wait()
				t.Fatalf("key %q after %q: out of order", k, after)
			}
			after = k
			if !strings.Contains(k, "-") {
				seen = append(seen, k)
			}
		}
		if len(users) < 7 {
			break
		}
	}
	close(done)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if !slices.Equal(seen, stay) {
		t.Fatalf("paged through %d steady users, want %d, each once", len(seen), len(stay))
	}
}
