package oauth

import "golang.org/x/oauth2"

// Google returns the OpenID Connect provider for a Google OAuth client with
// the given credentials, named "google", with Google's published endpoints
// (https://accounts.google.com/.well-known/openid-configuration). The
// identity comes from the verified ID token: sub, email and email_verified.
func Google(clientID, clientSecret string) Provider {
	return Provider{
		Name:          "google",
		ClientID:      clientID,
		ClientSecret:  clientSecret,
		AuthURL:       "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:      "https://oauth2.googleapis.com/token",
		AuthStyle:     oauth2.AuthStyleInParams,
		UserInfoURL:   "https://openidconnect.googleapis.com/v1/userinfo",
		Identity:      IdentityOIDC,
		Scopes:        []string{"openid", "email"},
		Issuer:        "https://accounts.google.com",
		IssuerAliases: []string{"accounts.google.com"},
		JWKSURL:       "https://www.googleapis.com/oauth2/v3/certs",
		Keys:          new(KeyCache),
	}
}
