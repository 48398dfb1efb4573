package devprovider

import (
	"html/template"
	"net/http"
	"net/url"
)

// page is the login page and the error page. html/template escapes every
// value, which come from the query.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development OpenID provider</title>
<style>body{font-family:sans-serif;max-width:32em;margin:2em auto}
.warn{background:#fee;border:2px solid #c00;padding:.5em 1em}
.err{color:#c00}label{display:block;margin:.6em 0}</style></head>
<body>
<p class="warn"><strong>Development provider: not for production.</strong>
Anyone reaching this page logs in as any address they type.</p>
{{if .Fatal}}<p class="err">{{.Fatal}}</p>{{else}}
<h1>Log in to {{.ClientID}}</h1>
<p>You will be sent back to <code>{{.RedirectURI}}</code>.</p>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<label>E-mail <input type="email" name="email" value="{{.Email}}" required autofocus></label>
<label><input type="checkbox" name="email_verified" checked> E-mail verified</label>
<label><input type="checkbox" name="share_email" checked> Share the e-mail with the application</label>
<button name="action" value="allow">Log in</button>
<button name="action" value="deny" formnovalidate>Refuse</button>
</form>{{end}}
</body></html>
`))

type hiddenField struct{ Name, Value string }

type pageData struct {
	Fatal, Error          string
	ClientID, RedirectURI string
	Action, Email         string
	Hidden                []hiddenField
}

// loginPage shows the form for the authorization request q, with an error
// message when a submission was refused.
func (s *Server) loginPage(w http.ResponseWriter, q url.Values, msg string) {
	d := pageData{
		Error:       msg,
		ClientID:    q.Get("client_id"),
		RedirectURI: q.Get("redirect_uri"),
		Action:      s.endpoint("/authorize"),
		Email:       q.Get("login_hint"),
	}
	if e := q.Get("email"); e != "" {
		d.Email = e
	}
	for _, k := range authorizeParams {
		if v := q.Get(k); v != "" {
			d.Hidden = append(d.Hidden, hiddenField{k, v})
		}
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusBadRequest
	}
	render(w, status, d)
}

// errorPage shows an error that cannot be sent back to the client.
func (s *Server) errorPage(w http.ResponseWriter, msg string) {
	render(w, http.StatusBadRequest, pageData{Fatal: msg})
}

func render(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page must not be framed: a hidden frame could make a user
	// click "Log in" (OWASP Clickjacking Defense Cheat Sheet).
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	page.Execute(w, d)
}
