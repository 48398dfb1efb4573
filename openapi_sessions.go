package usersauth

import (
	"net/http"

	"github.com/usersauth/usersauth/internal/openapi"
)

// The descriptions of the user listing (usersRoutes) and of sessionsRoutes.

// describeListUsers describes GET /users, where the store can page.
func (a *UsersAuth[U]) describeListUsers(d *apiDoc, prefix string) {
	if !a.listUsers {
		return
	}
	path := prefix
	if path == "" {
		path = "/{$}"
	}
	page := d.schema("UserPage", func() *openapi.Schema {
		return object([]string{"items", "next"},
			prop("items", &openapi.Schema{Type: "array", Items: a.userRead(d)}),
			prop("next", described(openapi.Nullable(openapi.String()), "The after of the next page; null on the last.")))
	})
	query := func(name, desc string, s *openapi.Schema) *openapi.Parameter {
		return &openapi.Parameter{Name: name, In: "query", Description: desc, Schema: s}
	}
	one := int64(1)
	d.add(http.MethodGet, path, &apiOp{
		name:        "users:list_users",
		description: "A superuser's listing of the users, ordered by e-mail key, a page at a time.",
		user:        true,
		params: []*openapi.Parameter{
			query("limit", "Users per page, at most 100; 50 when absent.", &openapi.Schema{Type: "integer", Minimum: &one, Default: 50}),
			query("after", "The next of the page before.", openapi.String()),
			query("q", "A case-insensitive prefix of the e-mail.", openapi.String()),
		},
		responses: a.userAnswers(d, http.MethodGet, true, false, []apiResponse{jsonResponse(http.StatusOK, "A page of users.", page)}, d.unprocessable()),
	})
}

// describeSessions describes the session routes.
func (a *UsersAuth[U]) describeSessions(d *apiDoc, prefix string) {
	list := jsonResponse(http.StatusOK, "The sessions: server-side tokens and refresh-token families (a JWT without refresh tokens is none).",
		&openapi.Schema{Type: "array", Items: d.schema("SessionRead", func() *openapi.Schema {
			ts := &openapi.Schema{Type: "string", Format: "date-time"}
			return object([]string{"id", "backend", "created_at", "last_used_at", "expires_at", "ip", "user_agent", "current"},
				prop("id", uuidString()),
				prop("backend", openapi.Nullable(openapi.String())),
				prop("created_at", ts),
				prop("last_used_at", ts),
				prop("expires_at", openapi.Nullable(ts)),
				prop("ip", openapi.Nullable(openapi.String())),
				prop("user_agent", openapi.Nullable(openapi.String())),
				prop("current", described(openapi.Boolean(), "The session the request is made in.")))
		})})
	mine := func(method string, ok apiResponse, more ...apiResponse) []apiResponse {
		return a.userAnswers(d, method, false, false, []apiResponse{ok}, more...)
	}
	admin := func(method string, ok apiResponse, what string) []apiResponse {
		return a.userAnswers(d, method, true, false, []apiResponse{ok}, d.notFound(what))
	}
	d.add(http.MethodGet, prefix+"/me/sessions", &apiOp{name: "users:my_sessions", user: true, responses: mine(http.MethodGet, list)})
	d.add(http.MethodDelete, prefix+"/me/sessions/{session}", &apiOp{
		name: "users:end_my_session", description: "Ends one of the user's sessions at once, on every instance.", user: true,
		responses: mine(http.MethodDelete, noContent("Ended."), d.notFound("No live session of the user has this id.")),
	})
	d.add(http.MethodGet, prefix+"/{id}/sessions", &apiOp{name: "users:user_sessions", user: true,
		responses: admin(http.MethodGet, list, "The user does not exist.")})
	d.add(http.MethodDelete, prefix+"/{id}/sessions", &apiOp{name: "users:end_user_sessions", description: "Ends every session of the user.", user: true,
		responses: admin(http.MethodDelete, noContent("Ended."), "The user does not exist.")})
	d.add(http.MethodDelete, prefix+"/{id}/sessions/{session}", &apiOp{name: "users:end_user_session", user: true,
		responses: admin(http.MethodDelete, noContent("Ended."), "The user, or a live session of theirs with this id, does not exist.")})
}
