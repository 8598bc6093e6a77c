package snapchat

// OAuth 2.0 authorization-code flow, per
// https://developers.snap.com/api/marketing-api/Ads-API/authentication:
// the consent page is GET {OAuthBase}/login/oauth2/authorize with
// client_id, redirect_uri, response_type=code, scope=snapchat-marketing-api
// and state (no PKCE parameters are documented, so SupportsPKCE is false);
// tokens come from POST {OAuthBase}/login/oauth2/access_token, form-encoded,
// grant_type authorization_code (code, redirect_uri) or refresh_token
// (refresh_token), each with client_id and client_secret. Access tokens
// last 30 minutes (expires_in 1800); refresh tokens do not expire, and a
// refresh may or may not return a new one (the old one is kept when not).

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Scope is the Marketing API's only OAuth scope.
const Scope = "snapchat-marketing-api"

// SupportsPKCE is false: Snap documents no PKCE parameters for the
// Marketing API's authorization endpoint.
func (c *Client) SupportsPKCE() bool { return false }

// AuthorizeURL is Snap's consent page for req (CodeChallenge is ignored).
func (c *Client) AuthorizeURL(req platforms.AuthorizeRequest) string {
	q := url.Values{}
	q.Set("client_id", c.e.ClientID)
	q.Set("redirect_uri", req.RedirectURI)
	q.Set("response_type", "code")
	q.Set("scope", Scope)
	q.Set("state", req.State)
	return c.e.OAuthBase + "/login/oauth2/authorize?" + q.Encode()
}

// Exchange trades an authorization code for a token (codeVerifier is
// unused: no PKCE).
func (c *Client) Exchange(ctx context.Context, code, redirectURI, _ string) (platforms.Token, error) {
	f := url.Values{}
	f.Set("grant_type", "authorization_code")
	f.Set("client_id", c.e.ClientID)
	f.Set("client_secret", c.e.ClientSecret)
	f.Set("code", code)
	f.Set("redirect_uri", redirectURI)
	return c.token(ctx, f, "")
}

// Refresh renews tok with its refresh token.
func (c *Client) Refresh(ctx context.Context, tok platforms.Token) (platforms.Token, error) {
	if tok.RefreshToken == "" {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Snapchat, Kind: platforms.ErrorAuth, Code: "invalid_grant", Message: "no refresh token stored; reconnect Snapchat"}
	}
	f := url.Values{}
	f.Set("grant_type", "refresh_token")
	f.Set("client_id", c.e.ClientID)
	f.Set("client_secret", c.e.ClientSecret)
	f.Set("refresh_token", tok.RefreshToken)
	return c.token(ctx, f, tok.RefreshToken)
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (c *Client) token(ctx context.Context, form url.Values, oldRefresh string) (platforms.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.e.OAuthBase+"/login/oauth2/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return platforms.Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return platforms.Token{}, c.transport(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return platforms.Token{}, c.transport(ctx, err)
	}
	var tr tokenResponse
	_ = json.Unmarshal(data, &tr)
	if resp.StatusCode != http.StatusOK || tr.Error != "" || tr.AccessToken == "" {
		return platforms.Token{}, c.tokenError(resp, tr)
	}
	tok := platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scopes: strings.Fields(tr.Scope)}
	if tok.RefreshToken == "" {
		tok.RefreshToken = oldRefresh
	}
	if tr.ExpiresIn > 0 {
		tok.ExpiresAt = time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return tok, nil
}

// tokenError maps the token endpoint's OAuth errors: invalid_grant (code
// or refresh token revoked, expired or reused) → AUTH; invalid_client (the
// app's credentials) → PERMANENT; 429 and 5xx are retried.
func (c *Client) tokenError(resp *http.Response, tr tokenResponse) error {
	e := &platforms.APIError{Platform: platforms.Snapchat, HTTPStatus: resp.StatusCode, Code: tr.Error, Message: tr.ErrorDescription}
	if e.Code == "" {
		e.Code = http.StatusText(resp.StatusCode)
	}
	if e.Message == "" {
		e.Message = "token request refused"
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = platforms.ErrorRateLimited
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	case resp.StatusCode >= 500:
		e.Kind = platforms.ErrorTransient
	case tr.Error == "invalid_client" || tr.Error == "unauthorized_client":
		// The app's own credentials are wrong: reconnecting cannot help.
		e.Kind = platforms.ErrorPermanent
	case tr.Error == "invalid_grant" || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Kind = platforms.ErrorAuth
	default:
		e.Kind = platforms.ErrorPermanent
	}
	return e
}
