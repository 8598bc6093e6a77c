package tiktok

// Advertiser authorization, as documented:
//   - Authorization: https://business-api.tiktok.com/portal/docs?id=1738373141733378
//     The advertiser opens <OAuthBase>/portal/auth?app_id=…&state=…&redirect_uri=…,
//     approves, and TikTok redirects to redirect_uri with auth_code (also
//     sent as code) and state. The auth_code is valid for 1 hour and
//     single-use. No PKCE parameters exist on this page.
//   - Long-term access token: https://business-api.tiktok.com/portal/docs?id=1739965703387137
//     POST /open_api/v1.3/oauth2/access_token/ {"app_id","secret","auth_code"}
//     → data {"access_token","advertiser_ids":[…],"scope":[…]}. "A long-term
//     access token does not expire, but it'll become invalid if the
//     advertiser cancels the authorization. An invalid access token cannot
//     be renewed or refreshed." So there is no refresh token and Refresh
//     asks for a reconnect.

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/stratumhq/stratum/domain/platforms"
)

// SupportsPKCE is false: the advertiser authorization page takes no code
// challenge.
func (c *Client) SupportsPKCE() bool { return false }

// AuthorizeURL is the advertiser authorization page for req (the
// challenge, if any, is ignored).
func (c *Client) AuthorizeURL(req platforms.AuthorizeRequest) string {
	q := url.Values{}
	q.Set("app_id", c.e.ClientID)
	q.Set("state", req.State)
	q.Set("redirect_uri", req.RedirectURI)
	return c.e.OAuthBase + "/portal/auth?" + q.Encode()
}

// tokenData is the data of oauth2/access_token.
type tokenData struct {
	AccessToken   string   `json:"access_token"`
	AdvertiserIDs []flexID `json:"advertiser_ids"`
	Scope         []flexID `json:"scope"`
}

// flexID decodes an id given as a JSON string or number (the documented
// examples show advertiser ids and scopes as numbers, the v1.3 responses
// as strings) without going through a float.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	s, err := literal(b)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '"' && (s == "" || strings.Trim(s, "0123456789") != "") {
		return fmt.Errorf("tiktok: id %s is neither a string nor an integer", b)
	}
	*f = flexID(s)
	return nil
}

// Exchange trades an auth_code for a long-term access token. TikTok's
// token call takes neither the redirect URI nor a PKCE verifier.
func (c *Client) Exchange(ctx context.Context, code, _, _ string) (platforms.Token, error) {
	if !c.Configured() {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "NOT_CONFIGURED", Message: "TikTok is not configured (STRATUM_TIKTOK_CLIENT_ID and STRATUM_TIKTOK_CLIENT_SECRET)"}
	}
	if strings.TrimSpace(code) == "" {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "NO_CODE", Message: "TikTok returned no auth_code"}
	}
	body := map[string]string{"app_id": c.e.ClientID, "secret": c.e.ClientSecret, "auth_code": code}
	var d tokenData
	if err := c.post(ctx, "", "oauth2/access_token", body, &d); err != nil {
		return platforms.Token{}, err
	}
	if d.AccessToken == "" {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "BAD_RESPONSE", Message: "TikTok returned no access_token"}
	}
	tok := platforms.Token{AccessToken: d.AccessToken}
	for _, id := range d.AdvertiserIDs {
		tok.AdvertiserIDs = append(tok.AdvertiserIDs, string(id))
	}
	for _, s := range d.Scope {
		tok.Scopes = append(tok.Scopes, string(s))
	}
	return tok, nil
}

// Refresh cannot renew a TikTok token: long-term tokens do not expire and
// an invalid one "cannot be renewed or refreshed". It returns an ErrorAuth
// APIError asking for a reconnect, without calling TikTok.
func (c *Client) Refresh(context.Context, platforms.Token) (platforms.Token, error) {
	return platforms.Token{}, &platforms.APIError{
		Platform: platforms.TikTok,
		Kind:     platforms.ErrorAuth,
		Code:     "NO_REFRESH",
		Message:  "TikTok access tokens cannot be refreshed; reconnect the TikTok account to authorize Stratum again",
	}
}
