package usersauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzOAuthCallback sends anything as the callback's query, with a CSRF
// cookie or not, to the mounted routes. The answer is always a 400 in the
// contract's format, or a 303 to an allowed origin when the state is
// genuine and carries a redirect: never a 500, never a redirect elsewhere.
// The seeds include genuine states and their cookies, so the fuzzer reaches
// the checks past the signature and the code exchange.
func FuzzOAuthCallback(f *testing.F) {
	e := newOAuthEnv(f, nil)
	h := e.ua.Handler()
	p := e.ua.oauth.provider("dev").flow
	target, _ := url.Parse(frontend + "/signed-in")
	for _, redirect := range []*url.URL{nil, target} {
		state, csrf, err := p.MintState(nil, "", redirect)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("code=abc&state="+state, csrf)
		f.Add("error=access_denied&state="+state, csrf)
		f.Add("state="+state, csrf)
		f.Add("code=abc&code=def&state="+state, csrf)
		f.Add("code=abc&state="+state+"&iss=https%3A%2F%2Fevil.example", csrf)
		f.Add("code=abc&state="+state, "")
	}
	f.Add("", "")
	f.Add("code=x&state=%zz", "x")
	f.Add("code=x;state=y", "")
	f.Add("error=%00%ff&error_description=<script>", "")
	f.Fuzz(func(t *testing.T, query, cookie string) {
		r := httptest.NewRequest(http.MethodGet, "/auth/dev/callback", nil)
		r.URL.RawQuery = query
		if cookie != "" {
			r.Header.Set("Cookie", DefaultCSRFCookieName+"="+cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		switch rec.Code {
		case http.StatusBadRequest:
			if !strings.HasPrefix(rec.Body.String(), `{"detail":`) {
				t.Fatalf("400 body %q", rec.Body)
			}
		case http.StatusSeeOther:
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil || loc.Scheme+"://"+loc.Host != frontend || loc.User != nil {
				t.Fatalf("redirected to %q", rec.Header().Get("Location"))
			}
		default:
			t.Fatalf("callback answered %d %s", rec.Code, rec.Body)
		}
	})
}
