package usersauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// listApp is a testApp of profiles (a host type with fields of its own)
// with a superuser and knights to list.
func listApp(t *testing.T, knights ...string) (*testApp[*profile], string, string) {
	t.Helper()
	ta := newApp[*profile](t, nil)
	boss := ta.register("merlin@camelot.bt", "avalon-mist")
	ta.set(boss, func(b *user.Base) { b.IsSuperuser = true })
	for i, k := range knights {
		p := &profile{Base: user.Base{ID: uuid.New(), Email: k, IsActive: true}, Nickname: fmt.Sprintf("knight %d", i), Plan: "gold"}
		if err := ta.store.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	ta.register("king.arthur@camelot.bt", "guinevere")
	return ta, ta.login("merlin@camelot.bt", "avalon-mist"), ta.login("king.arthur@camelot.bt", "guinevere")
}

type listPage struct {
	Items []map[string]any `json:"items"`
	Next  *string          `json:"next"`
}

func getPage(t *testing.T, ta *testApp[*profile], token, query string) listPage {
	t.Helper()
	res := ta.do(newReq("GET", "/users"+query).Bearer(token))
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /users%s: %d %s", query, res.Status, res.Body)
	}
	var p listPage
	dec := json.NewDecoder(strings.NewReader(string(res.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || p.Items == nil {
		t.Fatalf("GET /users%s: %s: %v", query, res.Body, err)
	}
	return p
}

func emails(p listPage) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it["email"].(string))
	}
	return out
}

// TestListUsers: pages ordered by e-mail key, each with the cursor of the
// next, the last with none; a case-insensitive prefix; the host's own
// fields in the items, never the hash.
func TestListUsers(t *testing.T) {
	ta, boss, _ := listApp(t, "Gawain@camelot.bt", "galahad@camelot.bt", "bedivere@camelot.bt", "kay@camelot.bt", "gareth@orkney.bt")
	all := []string{"bedivere@camelot.bt", "galahad@camelot.bt", "gareth@orkney.bt", "Gawain@camelot.bt", "kay@camelot.bt", "king.arthur@camelot.bt", "merlin@camelot.bt"}
	var got []string
	query := "?limit=3"
	for pages := 0; ; pages++ {
		p := getPage(t, ta, boss, query)
		got = append(got, emails(p)...)
		if p.Next == nil {
			if pages != 2 || len(p.Items) != 1 {
				t.Fatalf("last page %d with %d items", pages, len(p.Items))
			}
			break
		}
		if len(p.Items) != 3 || strings.Contains(*p.Next, "@") {
			t.Fatalf("page %d: %d items, next %q", pages, len(p.Items), *p.Next)
		}
		query = "?limit=3&after=" + url.QueryEscape(*p.Next)
	}
	if strings.Join(got, " ") != strings.Join(all, " ") {
		t.Fatalf("paged through %v, want %v", got, all)
	}
	if p := getPage(t, ta, boss, ""); len(p.Items) != len(all) || p.Next != nil {
		t.Fatalf("the default page: %d items, next %v", len(p.Items), p.Next)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"GA", []string{"galahad@camelot.bt", "gareth@orkney.bt", "Gawain@camelot.bt"}},
		{"gaw", []string{"Gawain@camelot.bt"}},
		{"ｇａ", []string{"galahad@camelot.bt", "gareth@orkney.bt", "Gawain@camelot.bt"}}, // fullwidth, as EmailKey folds it
		{"k", []string{"kay@camelot.bt", "king.arthur@camelot.bt"}},
		{"%", nil},
		{"z", nil},
	} {
		p := getPage(t, ta, boss, "?q="+url.QueryEscape(tc.q))
		if strings.Join(emails(p), " ") != strings.Join(tc.want, " ") || p.Next != nil {
			t.Fatalf("q=%s: %v, next %v; want %v", tc.q, emails(p), p.Next, tc.want)
		}
	}
	p := getPage(t, ta, boss, "?q=ga&limit=2")
	p = getPage(t, ta, boss, "?q=ga&limit=2&after="+url.QueryEscape(*p.Next))
	if strings.Join(emails(p), " ") != "Gawain@camelot.bt" || p.Next != nil {
		t.Fatalf("second page of q=ga: %v", emails(p))
	}
	item := getPage(t, ta, boss, "?q=kay").Items[0]
	if item["nickname"] != "knight 3" || item["plan"] != "gold" || item["is_active"] != true || item["hashed_password"] != nil || len(item) != 9 {
		t.Fatalf("item: %v", item)
	}
}

// TestListUsersRefusals: 401 without a user, 403 for anyone but a
// superuser (before the query is looked at), 422 for a bad limit or
// cursor, one item per bad parameter in pydantic's words.
func TestListUsersRefusals(t *testing.T) {
	ta, boss, arthur := listApp(t)
	for _, tc := range []struct {
		name, query, token string
		status             int
		detail             string
	}{
		{"no token", "", "", 401, `"Unauthorized"`},
		{"not a superuser", "", arthur, 403, `"Forbidden"`},
		{"not a superuser, bad limit", "?limit=x", arthur, 403, `"Forbidden"`},
		{"limit not a number", "?limit=ten", boss, 422,
			`[{"type":"int_parsing","loc":["query","limit"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"ten"}]`},
		{"limit 0", "?limit=0", boss, 422,
			`[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]`},
		{"limit 101", "?limit=101", boss, 422,
			`[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 100","input":"101","ctx":{"le":100}}]`},
		{"limit negative", "?limit=-1", boss, 422,
			`[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"-1","ctx":{"ge":1}}]`},
		{"cursor not base64url", "?after=%2F%2F", boss, 422,
			`[{"type":"value_error","loc":["query","after"],"msg":"Value error, not a cursor of this listing","input":"//","ctx":{"error":"not a cursor of this listing"}}]`},
		{"cursor padded", "?after=YQ%3D%3D", boss, 422,
			`[{"type":"value_error","loc":["query","after"],"msg":"Value error, not a cursor of this listing","input":"YQ==","ctx":{"error":"not a cursor of this listing"}}]`},
		{"cursor of invalid UTF-8", "?after=_w", boss, 422,
			`[{"type":"value_error","loc":["query","after"],"msg":"Value error, not a cursor of this listing","input":"_w","ctx":{"error":"not a cursor of this listing"}}]`},
		{"q too long", "?q=" + strings.Repeat("a", 255), boss, 422,
			`[{"type":"string_too_long","loc":["query","q"],"msg":"String should have at most 254 characters","input":"` + strings.Repeat("a", 255) + `","ctx":{"max_length":254}}]`},
		{"q with NUL", "?q=a%00", boss, 422,
			`[{"type":"value_error","loc":["query","q"],"msg":"Value error, no address holds a NUL character","input":null,"ctx":{"error":"no address holds a NUL character"}}]`},
		{"two at once", "?limit=0&after=!", boss, 422,
			`[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}},` +
				`{"type":"value_error","loc":["query","after"],"msg":"Value error, not a cursor of this listing","input":"!","ctx":{"error":"not a cursor of this listing"}}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReq("GET", "/users"+tc.query)
			if tc.token != "" {
				r.Bearer(tc.token)
			}
			res := ta.do(r)
			if res.Status != tc.status || !sameJSON(t, res.Body, `{"detail":`+tc.detail+`}`) {
				t.Fatalf("%d %s\nwant %d {\"detail\":%s}", res.Status, res.Body, tc.status, tc.detail)
			}
		})
	}
	// The last of a repeated parameter counts; an empty one is absent.
	if p := getPage(t, ta, boss, "?limit=0&limit=1&after=&q="); len(p.Items) != 1 || p.Next == nil {
		t.Fatalf("repeated and empty parameters: %d items, next %v", len(p.Items), p.Next)
	}
}

// noLister is a store that cannot list users.
type noLister struct{ user.Store[*user.User] }

// TestListUsersNeedsALister: without the capability there is no route, as
// FastAPI Users has none: GET /users is 404.
func TestListUsersNeedsALister(t *testing.T) {
	ta := newUserApp(t, func(o *Options[*user.User]) { o.Store = noLister{o.Store} })
	if res := ta.do(newReq("GET", "/users")); res.Status != http.StatusNotFound {
		t.Fatalf("GET /users without a lister: %d %s", res.Status, res.Body)
	}
	if _, err := ta.ua.Manager().ListUsers(context.Background(), user.ListQuery{}); err != user.ErrListUnsupported {
		t.Fatalf("ListUsers = %v, want ErrListUnsupported", err)
	}
}

// TestUsersHandlerListing: the users router alone serves the listing at
// its root.
func TestUsersHandlerListing(t *testing.T) {
	ta, boss, _ := listApp(t)
	mux := http.NewServeMux()
	mux.Handle("/api/users/", http.StripPrefix("/api/users", ta.ua.UsersHandler()))
	ta.handler = mux
	res := ta.do(newReq("GET", "/api/users/").Bearer(boss))
	if res.Status != http.StatusOK || !strings.HasPrefix(string(res.Body), `{"items":[`) {
		t.Fatalf("GET /api/users/: %d %s", res.Status, res.Body)
	}
}
