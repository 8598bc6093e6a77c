// Package tiktok is Stratum's client of the TikTok API for Business
// (Marketing API v1.3): advertiser authorization, advertisers, campaigns,
// ad groups, ads, the synchronous integrated report and the campaign and ad
// group updates Stratum's actions need. It implements platforms.API.
//
// Wire format, as documented (paths relative to APIBase):
//   - Every path is /open_api/v1.3/<endpoint>/ with the trailing slash.
//     GET endpoints take their parameters in the query string, lists and
//     objects JSON-encoded (fields=["campaign_id"], filtering={...});
//     POST endpoints take a JSON body (Content-Type: application/json).
//   - The token goes in the Access-Token header (not Authorization).
//   - Every response is HTTP 200 with the envelope
//     {"code":0,"message":"OK","request_id":"…","data":{…}}; a non-zero
//     code is an error (see errors.go).
//   - Lists page by number: page (from 1) and page_size (at most 1000),
//     answered with page_info {page, page_size, total_number, total_page}.
//   - Money (budget, bid_price, spend, conversion value) is a decimal amount
//     in the advertiser's currency, a JSON number in objects and a string in
//     reports; it is converted to micros exactly (internal/money).
//
// Listings fetch one page at a time (TikTok's limits are per second and
// per minute). Report pages are read by a small scanner (fastjson.go) with
// encoding/json as its fallback.
//
// References:
//   - Authentication (Access-Token header): https://business-api.tiktok.com/portal/docs?id=1738373164380162
//   - Return codes: https://business-api.tiktok.com/portal/docs ("Appendix - Return codes")
//   - SDK reference used to check field names: https://github.com/tiktok/tiktok-business-api-sdk (js_sdk/docs)
package tiktok

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// APIVersion is the Marketing API version in every path.
const APIVersion = "v1.3"

// Bounds on what a client reads.
const (
	// maxBody bounds one response body (a 1000-row report page is ~250 KB).
	maxBody = 32 << 20
	// PageSize is the page size of every list and report call (the
	// documented maximum).
	PageSize = 1000
	// maxPages bounds the pages of one listing (10 million rows).
	maxPages = 10_000
	// defaultTimeout is the HTTP timeout when Endpoints.HTTP is nil.
	defaultTimeout = 30 * time.Second
)

// Client calls the TikTok API for Business. It is stateless apart from its
// configuration and safe for concurrent use.
type Client struct {
	e    platforms.Endpoints
	http *http.Client
}

var _ platforms.API = (*Client)(nil)

// New returns a client for e. APIBase is e.g. https://business-api.tiktok.com,
// OAuthBase the host of the authorization page (…/portal/auth).
func New(e platforms.Endpoints) *Client {
	hc := e.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	e.APIBase = strings.TrimRight(e.APIBase, "/")
	e.OAuthBase = strings.TrimRight(e.OAuthBase, "/")
	return &Client{e: e, http: hc}
}

// Platform is platforms.TikTok.
func (c *Client) Platform() string { return platforms.TikTok }

// Configured reports whether the app id and secret are set.
func (c *Client) Configured() bool { return c.e.Configured() }

// envelope is every response's outer object.
type envelope struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	// Data is decoded into the caller's value (a pointer), or kept raw.
	Data any `json:"data"`
}

// pageInfo is the documented page_info object of list responses.
type pageInfo struct {
	Page        int `json:"page"`
	PageSize    int `json:"page_size"`
	TotalNumber int `json:"total_number"`
	TotalPage   int `json:"total_page"`
}

// endpoint is the URL of a Marketing API endpoint ("campaign/get").
func (c *Client) endpoint(name string) string {
	return c.e.APIBase + "/open_api/" + APIVersion + "/" + name + "/"
}

// get calls a GET endpoint with q and decodes the envelope's data into out.
func (c *Client) get(ctx context.Context, token, name string, q url.Values, out any) error {
	a, err := c.fetchGet(ctx, token, name, q)
	if err != nil {
		return err
	}
	return a.decode(name, out)
}

// fetchGet calls a GET endpoint and returns the answer undecoded.
func (c *Client) fetchGet(ctx context.Context, token, name string, q url.Values) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(name)+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("tiktok: build %s request: %w", name, err)
	}
	return c.fetch(req, token, name)
}

// post calls a POST endpoint with body as JSON and decodes data into out.
func (c *Client) post(ctx context.Context, token, name string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("tiktok: encode %s body: %w", name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(name), bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("tiktok: build %s request: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	a, err := c.fetch(req, token, name)
	if err != nil {
		return err
	}
	return a.decode(name, out)
}

// answer is a response read in full (its body closed).
type answer struct {
	resp *http.Response
	body []byte
}

// fetch sends req with the Access-Token header (when token is set) and
// reads at most maxBody bytes of the answer.
func (c *Client) fetch(req *http.Request, token, name string) (*answer, error) {
	if token != "" {
		req.Header.Set("Access-Token", token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// The request never got an answer: a network failure or timeout.
		return nil, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorTransient, Code: "NETWORK", Message: "TikTok did not answer " + name + ": " + redactURL(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorTransient, HTTPStatus: resp.StatusCode, Code: "NETWORK", Message: "reading TikTok's answer to " + name + " failed"}
	}
	if len(body) > maxBody {
		return nil, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, HTTPStatus: resp.StatusCode, Code: "TOO_LARGE", Message: fmt.Sprintf("TikTok's answer to %s exceeds %d bytes", name, maxBody)}
	}
	return &answer{resp: resp, body: body}, nil
}

// decode turns a non-zero code (or a non-envelope answer) into an
// *APIError and otherwise decodes the envelope's data into out.
func (a *answer) decode(name string, out any) error {
	resp, body := a.resp, a.body
	if resp.StatusCode == http.StatusOK && out != nil {
		// One pass: data straight into out. A shape error may be an error
		// envelope whose data differs, so the envelope alone decides.
		env := envelope{Data: out}
		if err := json.Unmarshal(body, &env); err == nil && env.Code == 0 {
			return nil
		} else if err == nil {
			return codeError(resp, env)
		}
	}
	var raw json.RawMessage
	env := envelope{Data: &raw}
	if jerr := json.Unmarshal(body, &env); jerr != nil || resp.StatusCode != http.StatusOK {
		return httpError(resp, env, jerr == nil)
	}
	if env.Code != 0 {
		return codeError(resp, env)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, HTTPStatus: resp.StatusCode, Code: "BAD_RESPONSE", Message: fmt.Sprintf("TikTok's answer to %s is not the documented shape: %v", name, err)}
	}
	return nil
}

// redactURL reports a transport error without its URL (query strings carry
// the app secret on oauth2/advertiser/get).
func redactURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// jsonParam encodes v as the compact JSON a list/object query parameter
// takes.
func jsonParam(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("tiktok: encode query parameter: %v", err)) // only static shapes are encoded
	}
	return string(b)
}
