package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"golang.org/x/oauth2"
)

// GitHub returns the provider for a GitHub OAuth app (or GitHub App) with the
// given credentials, named "github". GitHub is not an OpenID provider: the
// account id is the numeric user id from GET /user, and the e-mail is the
// primary address from GET /user/emails, verified when GitHub says so. The
// scopes ask for the profile and the e-mail addresses, read-only.
func GitHub(clientID, clientSecret string) Provider {
	return Provider{
		Name:         "github",
		ClientID:     clientID,
		ClientSecret: clientSecret,
		AuthURL:      "https://github.com/login/oauth/authorize",
		TokenURL:     "https://github.com/login/oauth/access_token",
		AuthStyle:    oauth2.AuthStyleInParams,
		UserInfoURL:  "https://api.github.com/user",
		EmailsURL:    "https://api.github.com/user/emails",
		Identity:     IdentityGitHub,
		Scopes:       []string{"read:user", "user:email"},
	}
}

// githubUser is the part of GitHub's GET /user we read.
type githubUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"` // the public e-mail, or null
}

// githubEmail is one entry of GitHub's GET /user/emails.
type githubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

func parseGitHubUser(body []byte) (githubUser, error) {
	var u githubUser
	if err := json.Unmarshal(body, &u); err != nil {
		return githubUser{}, fmt.Errorf("%w: GitHub user is not the expected JSON object", ErrBadResponse)
	}
	if u.ID <= 0 {
		return githubUser{}, fmt.Errorf("%w: GitHub user without id", ErrBadResponse)
	}
	return u, nil
}

// parseGitHubEmails picks the account's e-mail from GET /user/emails: the
// primary one, verified or not as GitHub says. An account always has a
// primary address; without one, there is no e-mail.
func parseGitHubEmails(body []byte) (email string, verified bool, err error) {
	var list []githubEmail
	if err := json.Unmarshal(body, &list); err != nil {
		return "", false, fmt.Errorf("%w: GitHub e-mails are not the expected JSON list", ErrBadResponse)
	}
	for _, e := range list {
		if e.Primary && e.Email != "" {
			return e.Email, e.Verified, nil
		}
	}
	return "", false, nil
}

// githubIdentity reads the account id from /user and the e-mail from
// /user/emails. Without EmailsURL, the public e-mail of /user is taken, as
// unverified: GitHub does not say.
func (p *Provider) githubIdentity(ctx context.Context, accessToken string) (Identity, error) {
	body, err := getJSON(ctx, p.UserInfoURL, accessToken)
	if err != nil {
		return Identity{}, fmt.Errorf("oauth: GitHub user: %w", err)
	}
	u, err := parseGitHubUser(body)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{AccountID: strconv.FormatInt(u.ID, 10)}
	if p.EmailsURL == "" {
		id.Email = u.Email
		return id, nil
	}
	body, err = getJSON(ctx, p.EmailsURL, accessToken)
	if err != nil {
		return Identity{}, fmt.Errorf("oauth: GitHub e-mails: %w", err)
	}
	id.Email, id.EmailVerified, err = parseGitHubEmails(body)
	return id, err
}
