package openapi

import (
	"slices"
	"testing"
)

// The expected values are FastAPI's, read from the openapi.json of a real
// FastAPI Users server (the operation ids and summaries of its routes), or
// worked out by FastAPI's rule for names it did not serve.
func TestOperationID(t *testing.T) {
	tests := []struct {
		name, route, path, method, want string
	}{
		{"bearer login", "auth:jwt.login", "/auth/jwt/login", "POST", "auth_jwt_login_auth_jwt_login_post"},
		{"cookie logout", "auth:cookie.logout", "/auth/cookie/logout", "POST", "auth_cookie_logout_auth_cookie_logout_post"},
		{"register", "register:register", "/auth/register", "POST", "register_register_auth_register_post"},
		{"dash in name and path", "verify:request-token", "/auth/request-verify-token", "POST", "verify_request_token_auth_request_verify_token_post"},
		{"path parameter", "users:user", "/users/{id}", "GET", "users_user_users__id__get"},
		{"delete", "users:delete_user", "/users/{id}", "DELETE", "users_delete_user_users__id__delete"},
		{"another backend name", "auth:my-app.v2.login", "/auth/my-app.v2/login", "POST", "auth_my_app_v2_login_auth_my_app_v2_login_post"},
		{"under a prefix", "users:current_user", "/api/users/me", "GET", "users_current_user_api_users_me_get"},
		{"oauth", "oauth:github.jwt.authorize", "/auth/github/authorize", "GET", "oauth_github_jwt_authorize_auth_github_authorize_get"},
		{"non-ASCII letters are word characters", "oauth:ß.jwt.callback", "/auth/ß/callback", "GET", "oauth_ß_jwt_callback_auth_ß_callback_get"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OperationID(tt.route, tt.path, tt.method); got != tt.want {
				t.Errorf("OperationID(%q, %q, %q) = %q, want %q", tt.route, tt.path, tt.method, got, tt.want)
			}
		})
	}
	if got := BodyName("auth_jwt_login_auth_jwt_login_post"); got != "Body_auth_jwt_login_auth_jwt_login_post" {
		t.Errorf("BodyName = %q", got)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct{ name, want string }{
		{"auth:jwt.login", "Auth:Jwt.Login"},
		{"reset:forgot_password", "Reset:Forgot Password"},
		{"verify:request-token", "Verify:Request-Token"},
		{"users:patch_current_user", "Users:Patch Current User"},
		{"auth:JWT.login", "Auth:Jwt.Login"},
		{"auth:jwt.login_2fa", "Auth:Jwt.Login 2Fa"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summary(tt.name); got != tt.want {
				t.Errorf("Summary(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		pattern, want string
		params        []string
	}{
		{"/users/me", "/users/me", nil},
		{"/users/{id}", "/users/{id}", []string{"id"}},
		{"/users/{id}/sessions/{session}", "/users/{id}/sessions/{session}", []string{"id", "session"}},
		{"/files/{rest...}", "/files/{rest}", []string{"rest"}},
		{"/docs/{$}", "/docs/", nil},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got := Path(tt.pattern)
			if got != tt.want {
				t.Errorf("Path(%q) = %q, want %q", tt.pattern, got, tt.want)
			}
			if params := PathParams(got); !slices.Equal(params, tt.params) {
				t.Errorf("PathParams(%q) = %q, want %q", got, params, tt.params)
			}
		})
	}
}
