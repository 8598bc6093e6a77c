package meta

// Facebook Login for the Marketing API permissions.
// https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
// https://developers.facebook.com/docs/permissions (ads_read, ads_management)

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Scopes are the permissions Stratum asks for: read insights and
// structure (ads_read) and change campaigns (ads_management).
var Scopes = []string{"ads_read", "ads_management"}

// SupportsPKCE is false: Meta documents PKCE only for its OIDC login flow,
// not for the permission grant the Marketing API needs (see doc.go).
func (c *Client) SupportsPKCE() bool { return false }

// AuthorizeURL is the Facebook Login dialog:
// OAuthBase/<Version>/dialog/oauth?client_id&redirect_uri&state&response_type=code&scope.
func (c *Client) AuthorizeURL(req platforms.AuthorizeRequest) string {
	q := url.Values{
		"client_id":     {c.e.ClientID},
		"redirect_uri":  {req.RedirectURI},
		"state":         {req.State},
		"response_type": {"code"},
		"scope":         {strings.Join(Scopes, ",")},
	}
	return c.e.OAuthBase + "/" + Version + "/dialog/oauth?" + q.Encode()
}

// tokenResponse is oauth/access_token's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"` // seconds; absent for tokens without expiry
}

// Exchange trades the code for a short-lived user token, exchanges that for
// a long-lived one (≈60 days) and reads the user id and granted
// permissions. codeVerifier is ignored (no PKCE, see SupportsPKCE).
func (c *Client) Exchange(ctx context.Context, code, redirectURI, codeVerifier string) (platforms.Token, error) {
	if !c.Configured() {
		return platforms.Token{}, notConfigured()
	}
	var short tokenResponse
	err := c.tokenCall(ctx, url.Values{
		"client_id":     {c.e.ClientID},
		"client_secret": {c.e.ClientSecret},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}, &short)
	if err != nil {
		return platforms.Token{}, err
	}
	tok, err := c.longLived(ctx, short.AccessToken)
	if err != nil {
		return platforms.Token{}, err
	}
	var me struct {
		ID string `json:"id"`
	}
	if err := c.get(ctx, tok.AccessToken, "me", url.Values{"fields": {"id"}}, &me); err != nil {
		return platforms.Token{}, err
	}
	tok.Subject = me.ID
	var perms struct {
		Data []struct {
			Permission string `json:"permission"`
			Status     string `json:"status"`
		} `json:"data"`
	}
	if err := c.get(ctx, tok.AccessToken, "me/permissions", nil, &perms); err != nil {
		return platforms.Token{}, err
	}
	for _, p := range perms.Data {
		if p.Status == "granted" && len(tok.Scopes) < 100 {
			tok.Scopes = append(tok.Scopes, p.Permission)
		}
	}
	return tok, nil
}

// Refresh exchanges a still-valid long-lived token for a new one. Meta has
// no refresh tokens and refuses to exchange an expired token, so an expired
// tok is an ErrorAuth without a call: the user must log in again.
func (c *Client) Refresh(ctx context.Context, tok platforms.Token) (platforms.Token, error) {
	if !c.Configured() {
		return platforms.Token{}, notConfigured()
	}
	if !tok.ExpiresAt.IsZero() && !c.Now().Before(tok.ExpiresAt) {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorAuth, Code: "190/463", Message: "the access token has expired; log in with Facebook again"}
	}
	nt, err := c.longLived(ctx, tok.AccessToken)
	if err != nil {
		return platforms.Token{}, err
	}
	nt.Subject, nt.Scopes = tok.Subject, tok.Scopes
	return nt, nil
}

// longLived calls oauth/access_token with grant_type=fb_exchange_token.
func (c *Client) longLived(ctx context.Context, token string) (platforms.Token, error) {
	var long tokenResponse
	err := c.tokenCall(ctx, url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {c.e.ClientID},
		"client_secret":     {c.e.ClientSecret},
		"fb_exchange_token": {token},
	}, &long)
	if err != nil {
		return platforms.Token{}, err
	}
	if long.AccessToken == "" {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "malformed_response", Message: "oauth/access_token returned no access_token"}
	}
	t := platforms.Token{AccessToken: long.AccessToken}
	if long.ExpiresIn > 0 {
		t.ExpiresAt = c.Now().Add(time.Duration(long.ExpiresIn) * time.Second)
	}
	return t, nil
}

// tokenCall is GET APIBase/<Version>/oauth/access_token?q, authenticated by
// the app secret in q (as documented), so no bearer header.
func (c *Client) tokenCall(ctx context.Context, q url.Values, out *tokenResponse) error {
	u := c.e.APIBase + "/" + Version + "/oauth/access_token?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "bad_request", Message: "cannot build the token request"}
	}
	req.Header.Set("Accept", "application/json")
	return c.do(req, "oauth/access_token", out)
}

func notConfigured() error {
	return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "not_configured", Message: "Meta is not configured (STRATUM_META_CLIENT_ID and STRATUM_META_CLIENT_SECRET)"}
}
