package main

import (
	"net/http"
	"strings"
)

// page serves the example's single page and its script. The script is a
// file of its own so that the page can forbid inline scripts
// (Content-Security-Policy).
type page struct {
	host string // the one host the page is served on
}

func newPage(base string) *page {
	return &page{host: strings.TrimPrefix(base, "http://")}
}

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Host != p.host {
		// 127.0.0.1 and localhost keep separate cookies: send the browser
		// to the name the provider's redirect URI uses.
		http.Redirect(w, r, "http://"+p.host+r.URL.Path, http.StatusFound)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	if r.URL.Path == "/app.js" {
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write([]byte(script))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(html))
}

const html = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>usersauth: sign in with an identity provider</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; }
button { font: inherit; padding: .5rem 1rem; cursor: pointer; }
pre { background: #f4f4f4; padding: 1rem; overflow: auto; }
.error { color: #a00; }
</style>
<h1>Sign in with an identity provider</h1>
<p>The provider here is usersauth's development OpenID Connect provider, running beside this server.
It signs in anyone who types an e-mail address: never use it in production.</p>
<p id="error" class="error" hidden></p>
<p><button id="signin" hidden>Sign in with the development provider</button></p>
<div id="signedin" hidden>
<p>Signed in. <code>GET /users/me</code> answers:</p>
<pre id="me"></pre>
<p><button id="signout">Sign out</button></p>
</div>
<script src="/app.js"></script>
</html>
`

const script = `"use strict";
const $ = (id) => document.getElementById(id);

const error = new URLSearchParams(location.search).get("error");
if (error) {
  $("error").textContent = "Sign-in failed: " + error;
  $("error").hidden = false;
  history.replaceState(null, "", "/");
}

fetch("/users/me").then(async (r) => {
  if (!r.ok) {
    $("signin").hidden = false;
    return;
  }
  $("me").textContent = JSON.stringify(await r.json(), null, 2);
  $("signedin").hidden = false;
});

$("signin").onclick = async () => {
  // The authorize route sets the CSRF cookie the state is bound to and
  // answers the provider's URL; the callback comes back here.
  const r = await fetch("/auth/dev/authorize?redirect_to=" + encodeURIComponent(location.origin + "/"));
  const body = await r.json();
  if (!r.ok) {
    $("error").textContent = JSON.stringify(body.detail);
    $("error").hidden = false;
    return;
  }
  location.assign(body.authorization_url);
};

$("signout").onclick = async () => {
  await fetch("/auth/cookie/logout", { method: "POST" });
  location.assign("/");
};
`
