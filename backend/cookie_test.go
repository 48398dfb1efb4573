package backend

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var (
	_ Transport = (*CookieTransport)(nil)
	_ Validator = (*CookieTransport)(nil)
)

// fixtureCookieOptions are our equivalents of the CookieTransport(...) calls
// in cookies.json.
var fixtureCookieOptions = map[string]CookieOptions{
	"default":       {},
	"max-age-3600":  {MaxAge: 3600},
	"domain":        {Domain: "camelot.bt"},
	"reference-app": {MaxAge: 3600, Insecure: true},
	"custom": {Name: "session", Path: "/api", MaxAge: 86400, Domain: "camelot.bt",
		ScriptAccessible: true, SameSite: http.SameSiteStrictMode},
	"samesite-none": {SameSite: http.SameSiteNoneMode},
}

// setCookie is a Set-Cookie header taken apart: attribute names lower-cased,
// the SameSite value lower-cased, a quoted empty value ("") made empty.
type setCookie struct {
	name, value string
	attrs       map[string]string
}

func parseSetCookie(t testing.TB, header string) setCookie {
	t.Helper()
	parts := strings.Split(header, ";")
	name, value, ok := strings.Cut(strings.TrimSpace(parts[0]), "=")
	if !ok {
		t.Fatalf("no name=value in %q", header)
	}
	if value == `""` {
		value = ""
	}
	c := setCookie{name: name, value: value, attrs: map[string]string{}}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		k = strings.ToLower(k)
		if k == "samesite" {
			v = strings.ToLower(v)
		}
		if _, dup := c.attrs[k]; dup {
			t.Fatalf("attribute %s twice in %q", k, header)
		}
		c.attrs[k] = v
	}
	return c
}

func compareSetCookie(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%s: %d Set-Cookie headers, want 1", what, len(got))
	}
	g, w := parseSetCookie(t, got[0]), parseSetCookie(t, want)
	if g.name != w.name || g.value != w.value {
		t.Fatalf("%s: %s=%s, FastAPI Users: %s=%s", what, g.name, g.value, w.name, w.value)
	}
	for k, v := range w.attrs {
		if gv, ok := g.attrs[k]; !ok || gv != v {
			t.Errorf("%s: attribute %s=%q, FastAPI Users %q\n ours: %s\n theirs: %s", what, k, gv, v, got[0], want)
		}
	}
	for k := range g.attrs {
		if _, ok := w.attrs[k]; !ok {
			t.Errorf("%s: extra attribute %s\n ours: %s\n theirs: %s", what, k, got[0], want)
		}
	}
}

// TestCookieFixtures sets and clears every cookie variant FastAPI Users
// produced and compares attribute by attribute; then the fixture's cookie
// read back through Token and ReadToken gives the fixture user.
func TestCookieFixtures(t *testing.T) {
	var f cookieFixture
	loadJSON(t, "cookies.json", &f)
	access := loadAccess(t)
	if f.TokenUsed != "access_tokens.json hs256-valid-2100" || len(f.Variants) == 0 {
		t.Fatalf("unexpected cookies.json: %q, %d variants", f.TokenUsed, len(f.Variants))
	}
	strategy := access.strategy(t, "hs256", fixedNow(fixtureNow), 0)
	for _, v := range f.Variants {
		t.Run(v.ID, func(t *testing.T) {
			opts, ok := fixtureCookieOptions[v.ID]
			if !ok {
				t.Fatalf("no CookieOptions for %s", v.Transport)
			}
			tr := Cookie(opts)
			if err := tr.Validate(); err != nil {
				t.Fatal(err)
			}

			rec := httptest.NewRecorder()
			if err := tr.WriteLogin(rec, v.Token); err != nil {
				t.Fatal(err)
			}
			if rec.Code != v.Login.Status || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
				t.Fatalf("login: %d, %d body bytes, Content-Type %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"))
			}
			compareSetCookie(t, "login", rec.Header().Values("Set-Cookie"), v.Login.SetCookie)

			rec = httptest.NewRecorder()
			if err := tr.WriteLogout(rec); err != nil {
				t.Fatal(err)
			}
			if rec.Code != v.Logout.Status || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
				t.Fatalf("logout: %d, %d body bytes", rec.Code, rec.Body.Len())
			}
			compareSetCookie(t, "logout", rec.Header().Values("Set-Cookie"), v.Logout.SetCookie)

			// What a browser sends back: name=value from FastAPI's header.
			pair, _, _ := strings.Cut(v.Login.SetCookie, ";")
			r := httptest.NewRequest(http.MethodGet, "/users/me", nil)
			r.Header.Set("Cookie", "other=1; "+pair+"; last=2")
			tok, ok := tr.Token(r)
			if !ok || tok != v.Token {
				t.Fatalf("Token() = %q, %v", tok, ok)
			}
			id, err := strategy.ReadToken(context.Background(), tok)
			if err != nil || id != fixtureUser {
				t.Fatalf("ReadToken = %v, %v", id, err)
			}
		})
	}
}

func TestCookieToken(t *testing.T) {
	long := strings.Repeat("a", MaxTokenLength)
	for _, tc := range []struct {
		name  string
		lines []string // Cookie header lines; nil = none
		want  string
		ok    bool
	}{
		{"only cookie", []string{"fastapiusersauth=tok"}, "tok", true},
		{"among others", []string{"a=1; fastapiusersauth=tok; b=2"}, "tok", true},
		{"no spaces", []string{"a=1;fastapiusersauth=tok;b=2"}, "tok", true},
		{"extra spaces", []string{"a=1;   fastapiusersauth=tok  ;b=2"}, "tok", true},
		{"space before equals", []string{"fastapiusersauth =tok"}, "tok", true},
		{"quoted", []string{`fastapiusersauth="tok"`}, "tok", true},
		{"first of two wins", []string{"fastapiusersauth=one; fastapiusersauth=two"}, "one", true},
		{"second header line", []string{"a=1", "fastapiusersauth=tok"}, "tok", true},
		{"invalid first skipped", []string{`fastapiusersauth=a\b; fastapiusersauth=tok`}, "tok", true},
		{"value with equals", []string{"fastapiusersauth=a=b"}, "a=b", true},
		{"MaxTokenLength", []string{"fastapiusersauth=" + long}, long, true},

		{"no header", nil, "", false},
		{"other cookies", []string{"a=1; b=2"}, "", false},
		{"empty value", []string{"fastapiusersauth="}, "", false},
		{"empty quoted value", []string{`fastapiusersauth=""`}, "", false},
		{"empty first wins", []string{"fastapiusersauth=; fastapiusersauth=tok"}, "", false},
		{"name only", []string{"fastapiusersauth"}, "", false},
		{"name is case-sensitive", []string{"FastAPIUsersAuth=tok"}, "", false},
		{"longer name", []string{"xfastapiusersauth=tok; fastapiusersauthx=tok"}, "", false},
		{"oversized", []string{"fastapiusersauth=" + long + "a"}, "", false},
		{"control byte", []string{"fastapiusersauth=t\x01k"}, "", false},
		{"empty header", []string{""}, "", false},
		{"only separators", []string{";;; ;"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.lines != nil {
				r.Header["Cookie"] = tc.lines
			}
			got, ok := Cookie(CookieOptions{}).Token(r)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Token() = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestCookieTokenZeroAllocs(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "theme=dark; lang=en; fastapiusersauth=eyJhbGciOiJIUzI1NiJ9.e30.sig; _ga=GA1.2.3")
	c := Cookie(CookieOptions{})
	if n := testing.AllocsPerRun(100, func() { c.Token(r) }); n != 0 {
		t.Fatalf("Token allocates %.1f times", n)
	}
}

func TestCookiePrefixes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts CookieOptions
		want string
	}{
		{"__Host-", CookieOptions{Name: "__Host-session"},
			"__Host-session=tok; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"__Host- with Path=/", CookieOptions{Name: "__Host-session", Path: "/"},
			"__Host-session=tok; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"__host- in another case", CookieOptions{Name: "__host-session"},
			"__host-session=tok; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"__Secure- with a Path and a Domain", CookieOptions{Name: "__Secure-session", Path: "/api", Domain: "camelot.bt"},
			"__Secure-session=tok; Path=/api; Domain=camelot.bt; HttpOnly; Secure; SameSite=Lax"},
		{"no prefix keeps Insecure",
			CookieOptions{Name: "session", Insecure: true},
			"session=tok; Path=/; HttpOnly; SameSite=Lax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Cookie(tc.opts)
			if err := tr.Validate(); err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if err := tr.WriteLogin(rec, "tok"); err != nil {
				t.Fatal(err)
			}
			compareSetCookie(t, "login", rec.Header().Values("Set-Cookie"), tc.want)
			rec = httptest.NewRecorder()
			if err := tr.WriteLogout(rec); err != nil {
				t.Fatal(err)
			}
			wantLogout := strings.Replace(tc.want, "=tok;", "=; Max-Age=0;", 1)
			compareSetCookie(t, "logout", rec.Header().Values("Set-Cookie"), wantLogout)
		})
	}
}

// TestCookiePrefixRefusals: options that break a prefix's rules are
// refused, never corrected: the options stay as given and Validate says
// which rule.
func TestCookiePrefixRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts CookieOptions
		why  string
	}{
		{"__Host- with a Domain", CookieOptions{Name: "__Host-session", Domain: "camelot.bt"}, `"__Host-session" must not have a Domain`},
		{"__host- in another case with a Domain", CookieOptions{Name: "__host-session", Domain: "camelot.bt"}, `"__host-session" must not have a Domain`},
		{"__HOST- with a Domain", CookieOptions{Name: "__HOST-session", Domain: ".camelot.bt"}, "must not have a Domain"},
		{"__Host- with another Path", CookieOptions{Name: "__Host-session", Path: "/api"}, "must have Path=/"},
		{"__Host- without Secure", CookieOptions{Name: "__Host-session", Insecure: true}, "requires Secure"},
		{"__Secure- without Secure", CookieOptions{Name: "__Secure-session", Insecure: true}, `the access cookie "__Secure-session" requires Secure`},
		{"__secure- in another case without Secure", CookieOptions{Name: "__secure-session", Insecure: true}, "requires Secure"},
		{"__Host- refresh cookie with a Domain", CookieOptions{RefreshName: "__Host-refresh", Domain: "camelot.bt"}, `the refresh cookie "__Host-refresh" must not have a Domain`},
		{"__Host- refresh cookie", CookieOptions{RefreshName: "__Host-refresh"}, "must not be a __Host- cookie"},
		{"__Secure- refresh cookie without Secure", CookieOptions{RefreshName: "__Secure-refresh", Insecure: true}, `the refresh cookie "__Secure-refresh" requires Secure`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Cookie(tc.opts)
			err := tr.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Validate = %v, want an error saying %q", err, tc.why)
			}
			got := tr.Options()
			if got.Domain != tc.opts.Domain || got.Insecure != tc.opts.Insecure || (tc.opts.Path != "" && got.Path != tc.opts.Path) {
				t.Errorf("Options() = %+v: the options were corrected", got)
			}
		})
	}
}

func TestCookieOptionsDefaults(t *testing.T) {
	got := Cookie(CookieOptions{}).Options()
	want := CookieOptions{Name: DefaultCookieName, Path: "/", SameSite: http.SameSiteLaxMode, RefreshName: DefaultRefreshCookieName}
	if got != want {
		t.Fatalf("Options() = %+v, want %+v", got, want)
	}
	if !Cookie(CookieOptions{}).CookieBased() {
		t.Fatal("CookieBased() = false")
	}
}

func TestCookieValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts CookieOptions
	}{
		{"negative MaxAge", CookieOptions{MaxAge: -1}},
		{"SameSite=None without Secure", CookieOptions{SameSite: http.SameSiteNoneMode, Insecure: true}},
		{"unknown SameSite", CookieOptions{SameSite: 9}},
		{"name with space", CookieOptions{Name: "my cookie"}},
		{"name with semicolon", CookieOptions{Name: "a;b"}},
		{"name with equals", CookieOptions{Name: "a=b"}},
		{"path with semicolon", CookieOptions{Path: "/a;b"}},
		{"path with control byte", CookieOptions{Path: "/a\nb"}},
		{"domain with space", CookieOptions{Domain: "camelot .bt"}},
		{"domain with semicolon", CookieOptions{Domain: "camelot.bt;x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Cookie(tc.opts).Validate(); err == nil {
				t.Fatal("Validate accepted it")
			}
		})
	}
}

// FuzzCookieToken compares Token with net/http's own cookie parsing, which
// it must agree with while building no cookie list.
func FuzzCookieToken(f *testing.F) {
	for _, s := range []string{
		"fastapiusersauth=tok", "a=1; fastapiusersauth=tok", `fastapiusersauth="q"`, "fastapiusersauth=",
		"fastapiusersauth", `fastapiusersauth=a\b; fastapiusersauth=c`, " ; ;fastapiusersauth = x ; ",
	} {
		f.Add(s, "")
	}
	f.Add("a=1", "fastapiusersauth=tok")
	c := Cookie(CookieOptions{})
	f.Fuzz(func(t *testing.T, line1, line2 string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Cookie"] = []string{line1}
		if line2 != "" {
			r.Header["Cookie"] = append(r.Header["Cookie"], line2)
		}
		got, ok := c.Token(r)
		want, wantOK := "", false
		if ck, err := r.Cookie(DefaultCookieName); err == nil && ck.Value != "" && len(ck.Value) <= MaxTokenLength {
			want, wantOK = ck.Value, true
		}
		if got != want || ok != wantOK {
			t.Fatalf("Token() = %q, %v; net/http says %q, %v", got, ok, want, wantOK)
		}
	})
}
