package usersauth

import (
	"github.com/usersauth/usersauth/internal/openapi"
	"github.com/usersauth/usersauth/user"
)

// The component schemas of the document, under FastAPI Users' names where
// it has the schema.

// errorModel is FastAPI Users' ErrorModel: {"detail": X}, X a code or
// reason phrase, or an object with a code (and a reason, or the second
// step's ticket and methods).
func (d *apiDoc) errorModel() *openapi.Schema {
	return d.schema("ErrorModel", func() *openapi.Schema {
		var detailObject openapi.Map[*openapi.Schema]
		detailObject.Set("code", openapi.String())
		detailObject.Set("reason", openapi.String())
		var props openapi.Map[*openapi.Schema]
		props.Set("detail", &openapi.Schema{AnyOf: []*openapi.Schema{
			openapi.String(),
			{Type: "object", Properties: detailObject, Required: []string{"code"}, AdditionalProperties: &openapi.Schema{}},
		}})
		return &openapi.Schema{Type: "object", Properties: props, Required: []string{"detail"}}
	})
}

// validationError is FastAPI's HTTPValidationError, the 422 body, with
// pydantic 2's items (input and ctx beside loc, msg and type).
func (d *apiDoc) validationError() *openapi.Schema {
	item := d.schema("ValidationError", func() *openapi.Schema {
		var props openapi.Map[*openapi.Schema]
		props.Set("loc", &openapi.Schema{Type: "array", Items: &openapi.Schema{AnyOf: []*openapi.Schema{openapi.String(), openapi.Integer()}}})
		props.Set("msg", openapi.String())
		props.Set("type", openapi.String())
		props.Set("input", described(openapi.Nullable(&openapi.Schema{}), "The value refused; null when absent or secret."))
		props.Set("ctx", &openapi.Schema{Type: "object"})
		return &openapi.Schema{Type: "object", Properties: props, Required: []string{"loc", "msg", "type"}}
	})
	return d.schema("HTTPValidationError", func() *openapi.Schema {
		var props openapi.Map[*openapi.Schema]
		props.Set("detail", &openapi.Schema{Type: "array", Items: item})
		return &openapi.Schema{Type: "object", Properties: props, Required: []string{"detail"}}
	})
}

// object is an object schema of props, in order, with the required names.
func object(required []string, props ...openapi.Entry[*openapi.Schema]) *openapi.Schema {
	s := &openapi.Schema{Type: "object", Required: required}
	for _, p := range props {
		s.Properties.Set(p.Key, p.Value)
	}
	return s
}

// prop is one property of an object schema.
func prop(name string, s *openapi.Schema) openapi.Entry[*openapi.Schema] {
	return openapi.Entry[*openapi.Schema]{Key: name, Value: s}
}

func described(s *openapi.Schema, description string) *openapi.Schema {
	c := *s
	c.Description = description
	return &c
}

func email() *openapi.Schema { return &openapi.Schema{Type: "string", Format: "email"} }

func uuidString() *openapi.Schema { return &openapi.Schema{Type: "string", Format: "uuid"} }

// userRead is UserRead: the user as every route answers it, with the
// host's own fields.
func (a *UsersAuth[U]) userRead(d *apiDoc) *openapi.Schema {
	return d.schema("UserRead", func() *openapi.Schema {
		s := object([]string{"id", "email", "is_active", "is_superuser", "is_verified"},
			prop("id", uuidString()),
			prop("email", email()),
			prop("is_active", openapi.Boolean()),
			prop("is_superuser", openapi.Boolean()),
			prop("is_verified", openapi.Boolean()))
		for _, f := range a.schema.Fields {
			s.Properties.Set(f.Name, hostField(f))
			if !f.OmitEmpty {
				s.Required = append(s.Required, f.Name)
			}
		}
		if a.oauth != nil && a.oauth.includeAccounts {
			s.Properties.Set("oauth_accounts", &openapi.Schema{
				Description: "The user's accounts at identity providers (Options.IncludeOAuthAccounts): in the answers of GET /users/me and of the association callback.",
				Type:        "array", Items: a.oauthAccountRead(d),
			})
		}
		return s
	})
}

// oauthAccountRead is one linked account, as UserRead's oauth_accounts
// lists it: never the provider's tokens.
func (a *UsersAuth[U]) oauthAccountRead(d *apiDoc) *openapi.Schema {
	return d.schema("OAuthAccountRead", func() *openapi.Schema {
		return object([]string{"id", "oauth_name", "account_id", "account_email", "expires_at"},
			prop("id", uuidString()),
			prop("oauth_name", openapi.String()),
			prop("account_id", openapi.String()),
			prop("account_email", openapi.String()),
			prop("expires_at", described(openapi.Nullable(openapi.Integer()), "When the provider's access token expires, in Unix seconds; null when it did not say.")))
	})
}

// userCreate is UserCreate, the registration payload.
func (a *UsersAuth[U]) userCreate(d *apiDoc) *openapi.Schema {
	return d.schema("UserCreate", func() *openapi.Schema {
		const ignored = "Ignored: registration never sets it (FastAPI Users' UserCreate declares it)."
		flag := func(def bool) *openapi.Schema {
			return &openapi.Schema{Type: "boolean", Default: def, Description: ignored}
		}
		s := object([]string{"email", "password"},
			prop("email", email()),
			prop("password", described(openapi.String(), "Checked by the password policy: a refusal is 400 REGISTER_INVALID_PASSWORD.")),
			prop("is_active", flag(true)),
			prop("is_superuser", flag(false)),
			prop("is_verified", flag(false)))
		for _, f := range a.schema.Fields {
			if f.SuperuserOnly {
				continue // only a superuser's PATCH /users/{id} sets it
			}
			s.Properties.Set(f.Name, hostField(f))
			if f.Required {
				s.Required = append(s.Required, f.Name)
			}
		}
		return s
	})
}

// userUpdate is UserUpdate, the payload of both PATCH routes: all optional.
func (a *UsersAuth[U]) userUpdate(d *apiDoc) *openapi.Schema {
	return d.schema("UserUpdate", func() *openapi.Schema {
		const flagNote = "Only a superuser's PATCH /users/{id} sets it; PATCH /users/me ignores it."
		s := object(nil,
			prop("password", described(openapi.Nullable(openapi.String()), "The new password, checked by the password policy; null leaves the password as it is.")),
			prop("email", described(email(), "The new e-mail; changing it makes the user unverified, unless the same superuser request sets is_verified.")),
			prop("is_active", described(openapi.Boolean(), flagNote)),
			prop("is_superuser", described(openapi.Boolean(), flagNote)),
			prop("is_verified", described(openapi.Boolean(), flagNote)))
		if a.requireCurrentPassword {
			s.Properties.Set("current_password", described(openapi.String(),
				"The user's password now: required on PATCH /users/me with email or password (Options.RequireCurrentPassword)."))
		}
		for _, f := range a.schema.Fields {
			s.Properties.Set(f.Name, hostField(f))
		}
		return s
	})
}

// hostField is the schema of one of the host's own fields.
func hostField(f user.Field) *openapi.Schema {
	s := openapi.SchemaOf(f.Type)
	if f.SuperuserOnly {
		s = described(s, "Only a superuser's PATCH /users/{id} sets it.")
	}
	return s
}

// bearerResponse is the bearer transport's login answer: BearerResponse,
// or BearerRefreshResponse for a backend with refresh tokens.
func (d *apiDoc) bearerResponse(refresh bool) *openapi.Schema {
	if refresh {
		return d.schema("BearerRefreshResponse", func() *openapi.Schema {
			return object([]string{"access_token", "token_type", "refresh_token"},
				prop("access_token", openapi.String()),
				prop("token_type", &openapi.Schema{Type: "string", Enum: []any{"bearer"}}),
				prop("refresh_token", described(openapi.String(), "Exchanged at POST /auth/{backend}/refresh for a new pair; works once.")))
		})
	}
	return d.schema("BearerResponse", func() *openapi.Schema {
		return object([]string{"access_token", "token_type"},
			prop("access_token", openapi.String()),
			prop("token_type", &openapi.Schema{Type: "string", Enum: []any{"bearer"}}))
	})
}

// body registers the schema of a body of several members under name
// (FastAPI's Body_<operation id>, openapi.BodyName).
func (d *apiDoc) body(name string, s *openapi.Schema) *openapi.Schema {
	return d.schema(name, func() *openapi.Schema { return s })
}

// jsonBody is a required JSON request body of schema s.
func jsonBody(s *openapi.Schema) *openapi.RequestBody {
	return fieldsBody(s, jsonIn)
}

// fieldsBody is a required request body of schema s read from in: JSON, a
// form (URL-encoded, as FastAPI declares forms, or multipart: the routes
// read both), or either.
func fieldsBody(s *openapi.Schema, in bodyKind) *openapi.RequestBody {
	var c openapi.Map[*openapi.MediaType]
	if in != jsonIn {
		c.Set("application/x-www-form-urlencoded", &openapi.MediaType{Schema: s})
		c.Set("multipart/form-data", &openapi.MediaType{Schema: s})
	}
	if in != formIn {
		c.Set("application/json", &openapi.MediaType{Schema: s})
	}
	return &openapi.RequestBody{Required: true, Content: c}
}
