package googleads

// Google's OAuth 2.0 for web server applications:
//   https://developers.google.com/identity/protocols/oauth2/web-server
//     (authorize at /o/oauth2/v2/auth with access_type=offline, prompt=consent,
//      code_challenge + code_challenge_method=S256; token endpoint
//      https://oauth2.googleapis.com/token with grant_type=authorization_code
//      or refresh_token; access tokens last expires_in seconds, ~1 h;
//      refresh_token_expires_in for time-limited grants; invalid_grant for
//      expired or revoked grants)
//   https://developers.google.com/google-ads/api/docs/oauth/overview (scope https://www.googleapis.com/auth/adwords)

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

// Scope is the Google Ads API OAuth scope.
const Scope = "https://www.googleapis.com/auth/adwords"

// AuthorizeURL is Google's consent page (OAuthBase + /o/oauth2/v2/auth) for
// req, asking for offline access (a refresh token) and the consent screen
// every time, so a reconnect always returns a refresh token.
func (c *Client) AuthorizeURL(req platforms.AuthorizeRequest) string {
	q := url.Values{}
	q.Set("client_id", c.e.ClientID)
	q.Set("redirect_uri", req.RedirectURI)
	q.Set("response_type", "code")
	q.Set("scope", Scope)
	q.Set("access_type", "offline")
	q.Set("prompt", "consent")
	q.Set("state", req.State)
	if req.CodeChallenge != "" {
		q.Set("code_challenge", req.CodeChallenge)
		q.Set("code_challenge_method", "S256")
	}
	return c.e.OAuthBase + "/o/oauth2/v2/auth?" + q.Encode()
}

// Exchange trades an authorization code (and PKCE verifier) for a token.
func (c *Client) Exchange(ctx context.Context, code, redirectURI, codeVerifier string) (platforms.Token, error) {
	f := url.Values{}
	f.Set("grant_type", "authorization_code")
	f.Set("code", code)
	f.Set("redirect_uri", redirectURI)
	if codeVerifier != "" {
		f.Set("code_verifier", codeVerifier)
	}
	return c.token(ctx, f, "")
}

// Refresh gets a new access token with tok's refresh token. Google usually
// keeps the refresh token; when it sends a new one, the new one is kept.
func (c *Client) Refresh(ctx context.Context, tok platforms.Token) (platforms.Token, error) {
	if tok.RefreshToken == "" {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorAuth, Code: "invalid_grant", Message: "the grant has no refresh token; reconnect the account"}
	}
	f := url.Values{}
	f.Set("grant_type", "refresh_token")
	f.Set("refresh_token", tok.RefreshToken)
	out, err := c.token(ctx, f, tok.RefreshToken)
	if err != nil {
		return out, err
	}
	if out.RefreshExpiresAt.IsZero() && out.RefreshToken == tok.RefreshToken {
		out.RefreshExpiresAt = tok.RefreshExpiresAt
	}
	if out.Subject == "" {
		out.Subject = tok.Subject
	}
	return out, nil
}

// tokenResponse is the token endpoint's JSON (success or error).
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	Scope                 string `json:"scope"`
	TokenType             string `json:"token_type"`
	Error                 string `json:"error"`
	ErrorDescription      string `json:"error_description"`
}

// token POSTs f (plus the client credentials) to the token endpoint.
// keepRefresh is the refresh token to keep when the response has none.
func (c *Client) token(ctx context.Context, f url.Values, keepRefresh string) (platforms.Token, error) {
	f.Set("client_id", c.e.ClientID)
	f.Set("client_secret", c.e.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(f.Encode()))
	if err != nil {
		return platforms.Token{}, permanent("BAD_TOKEN_URL", "the OAuth token URL is invalid")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return platforms.Token{}, ctx.Err()
		}
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorTransient, Code: "NETWORK", Message: "Google OAuth unreachable: " + scrub(err)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	var tr tokenResponse
	jsonErr := json.Unmarshal(b, &tr)
	if resp.StatusCode/100 != 2 || tr.Error != "" {
		return platforms.Token{}, tokenError(resp.StatusCode, tr)
	}
	if jsonErr != nil || tr.AccessToken == "" {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorTransient, HTTPStatus: resp.StatusCode, Code: "MALFORMED_RESPONSE", Message: "the token response has no access_token"}
	}
	now := c.Now()
	out := platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken}
	if out.RefreshToken == "" {
		out.RefreshToken = keepRefresh
	}
	if tr.ExpiresIn > 0 {
		out.ExpiresAt = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.RefreshTokenExpiresIn > 0 {
		out.RefreshExpiresAt = now.Add(time.Duration(tr.RefreshTokenExpiresIn) * time.Second)
	}
	if tr.Scope != "" {
		out.Scopes = strings.Fields(tr.Scope)
	}
	return out, nil
}

// tokenError classifies an OAuth error response (RFC 6749 §5.2):
// invalid_grant (expired, revoked or already-used grant) → AUTH; 429 →
// RATE_LIMITED; 5xx → TRANSIENT; anything else (invalid_client,
// invalid_request, unsupported_grant_type) → PERMANENT, a configuration
// or programming error that reconnecting would not fix.
func tokenError(status int, tr tokenResponse) *platforms.APIError {
	e := &platforms.APIError{Platform: platforms.Google, HTTPStatus: status, Code: tr.Error, Message: tr.ErrorDescription}
	if e.Code == "" {
		e.Code = http.StatusText(status)
	}
	if e.Message == "" {
		e.Message = e.Code
	}
	switch {
	case tr.Error == "invalid_grant":
		e.Kind = platforms.ErrorAuth
	case status == http.StatusTooManyRequests:
		e.Kind = platforms.ErrorRateLimited
	case status >= 500:
		e.Kind = platforms.ErrorTransient
	default:
		e.Kind = platforms.ErrorPermanent
	}
	return e
}
