// Package snapchat is Stratum's client of the Snapchat Marketing API v1
// (platforms.API): OAuth against accounts.snapchat.com, organizations → ad
// accounts, campaigns, ad squads and ads, daily campaign stats, and
// full-entity updates for pause, resume, budget and bid.
//
// Wire format, as documented:
//   - Authentication: https://developers.snap.com/api/marketing-api/Ads-API/authentication
//     ("Authorization: Bearer <token>", authorize and access_token endpoints, 30-minute access tokens)
//   - Request patterns and paging: https://developers.snap.com/api/marketing-api/Ads-API/api-patterns
//     (GET /v1/{parents}/{id}/{children}, limit 50–1000, paging.next_link)
//   - Errors: envelope {"request_status":"ERROR","debug_message","display_message","error_code"}
//     (https://developers.snapchat.com/api/docs/#errors; 400, 401, 403, 404, 429, 5xx)
//   - Rate limits: https://developers.snap.com/api/marketing-api/Ads-API/rate-limits (HTTP 429)
//
// A client is stateless apart from its configuration; tokens and accounts
// come with each call. It never logs tokens.
package snapchat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Bounds on what one call reads.
const (
	// maxBody bounds one response body: a stats response of 1,000
	// campaigns × 31 days unpaged is about 10 MiB.
	maxBody = 64 << 20
	// maxPages bounds one listing (1,000 entities per page).
	maxPages = 1000
	// defaultPageSize is the limit sent on listings (Snap: 50–1000).
	defaultPageSize = 1000
)

// Client talks to the Snapchat Marketing API.
type Client struct {
	e        platforms.Endpoints
	http     *http.Client
	pageSize int
}

var _ platforms.API = (*Client)(nil)

// New returns a client for e. APIBase is the host root (the client adds
// /v1); OAuthBase is the root of /login/oauth2/authorize and
// /login/oauth2/access_token.
func New(e platforms.Endpoints) *Client {
	hc := e.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	e.APIBase = strings.TrimRight(e.APIBase, "/")
	e.OAuthBase = strings.TrimRight(e.OAuthBase, "/")
	return &Client{e: e, http: hc, pageSize: defaultPageSize}
}

// Platform is platforms.Snapchat.
func (c *Client) Platform() string { return platforms.Snapchat }

// Configured reports whether the app credentials are set.
func (c *Client) Configured() bool { return c.e.Configured() }

// apiRoot is the versioned API root.
func (c *Client) apiRoot() string { return c.e.APIBase + "/v1" }

// envelope is the part of every Marketing API response the client checks.
type envelope struct {
	RequestStatus  string `json:"request_status"`
	RequestID      string `json:"request_id"`
	DebugMessage   string `json:"debug_message"`
	DisplayMessage string `json:"display_message"`
	ErrorCode      string `json:"error_code"`
	Paging         struct {
		NextLink string `json:"next_link"`
	} `json:"paging"`
}

// call sends one API request with tok and decodes a successful body into
// out; errors are *platforms.APIError or context errors.
func (c *Client) call(ctx context.Context, tok platforms.Token, method, rawURL string, body any, out any) error {
	if !strings.HasPrefix(rawURL, c.apiRoot()+"/") {
		// next_link must stay on the configured API host: the token goes
		// nowhere else.
		return c.permanent(0, "", "refusing to follow a link outside the configured Snapchat API base")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transport(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return c.transport(ctx, err)
	}
	if len(data) > maxBody {
		return c.permanent(resp.StatusCode, "", "response larger than the client's limit")
	}
	if resp.StatusCode != http.StatusOK {
		return c.httpError(resp, data)
	}
	// One pass when out carries the envelope itself (stats pages are
	// large), else the envelope first.
	var env envelope
	if o, ok := out.(enveloped); ok {
		if err := json.Unmarshal(data, out); err != nil {
			return c.permanent(resp.StatusCode, "", "malformed response: "+err.Error())
		}
		env = *o.header()
	} else if err := json.Unmarshal(data, &env); err != nil {
		return c.permanent(resp.StatusCode, "", "malformed response: not a JSON envelope")
	}
	if !strings.EqualFold(env.RequestStatus, "SUCCESS") {
		if env.DebugMessage == "" && env.DisplayMessage == "" {
			env.DebugMessage = firstSubError(data)
		}
		return c.envelopeError(resp.StatusCode, env)
	}
	if _, ok := out.(enveloped); !ok && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return c.permanent(resp.StatusCode, "", "malformed response: "+err.Error())
		}
	}
	return nil
}

// enveloped is a response type that embeds the envelope.
type enveloped interface{ header() *envelope }

func (e *envelope) header() *envelope { return e }

// transport classifies a failed round trip: the caller's context ends
// the call as is, anything else (timeouts, resets) is transient.
func (c *Client) transport(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	msg := "network error"
	if errors.As(err, &ue) && ue.Timeout() {
		msg = "request timed out"
	}
	return &platforms.APIError{Platform: platforms.Snapchat, Kind: platforms.ErrorTransient, Message: msg}
}

func (c *Client) permanent(status int, code, msg string) error {
	return &platforms.APIError{Platform: platforms.Snapchat, Kind: platforms.ErrorPermanent, HTTPStatus: status, Code: code, Message: msg}
}

// httpError maps a non-200 response: 429 → RATE_LIMITED (Retry-After when
// sent; Snap documents none), 401/403 → AUTH, 5xx → TRANSIENT, other 4xx →
// PERMANENT, with Snap's error_code and message when the body has them.
func (c *Client) httpError(resp *http.Response, data []byte) error {
	var env envelope
	_ = json.Unmarshal(data, &env)
	e := &platforms.APIError{Platform: platforms.Snapchat, HTTPStatus: resp.StatusCode, Code: env.ErrorCode, Message: message(env)}
	if e.Code == "" {
		e.Code = strconv.Itoa(resp.StatusCode)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = platforms.ErrorRateLimited
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Kind = platforms.ErrorAuth
	case resp.StatusCode >= 500:
		e.Kind = platforms.ErrorTransient
	default:
		e.Kind = platforms.ErrorPermanent
	}
	return e
}

func (c *Client) envelopeError(status int, env envelope) error {
	e := &platforms.APIError{Platform: platforms.Snapchat, Kind: platforms.ErrorPermanent, HTTPStatus: status, Code: env.ErrorCode, Message: message(env)}
	if e.Message == "" {
		e.Message = "request_status " + env.RequestStatus
	}
	return e
}

// firstSubError finds the first sub_request_error_reason of a partly
// failed batch ({"<plural>":[{"sub_request_status":"ERROR",…}]}).
func firstSubError(data []byte) string {
	var body map[string]json.RawMessage
	if json.Unmarshal(data, &body) != nil {
		return ""
	}
	for _, v := range body {
		var items []struct {
			Status string `json:"sub_request_status"`
			Reason string `json:"sub_request_error_reason"`
		}
		if json.Unmarshal(v, &items) != nil {
			continue
		}
		for _, it := range items {
			if it.Reason != "" {
				return it.Reason
			}
		}
	}
	return ""
}

// message is the display_message people see, with the debug_message that
// says what was wrong when it adds something.
func message(env envelope) string {
	switch {
	case env.DisplayMessage == "":
		return env.DebugMessage
	case env.DebugMessage == "" || env.DebugMessage == env.DisplayMessage:
		return env.DisplayMessage
	default:
		return env.DisplayMessage + " (" + env.DebugMessage + ")"
	}
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// listAll pages through GET path (limit + next_link), decoding the array
// under plural whose items wrap singular, calling fn per page.
func listAll[T any](ctx context.Context, c *Client, tok platforms.Token, path string, q url.Values, plural, singular string, fn func([]T) error) error {
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", strconv.Itoa(c.pageSize))
	next := c.apiRoot() + path + "?" + q.Encode()
	for n := 0; next != ""; n++ {
		if n == maxPages {
			return c.permanent(0, "", fmt.Sprintf("more than %d pages of %s", maxPages, plural))
		}
		var raw map[string]json.RawMessage
		if err := c.call(ctx, tok, http.MethodGet, next, nil, &raw); err != nil {
			return err
		}
		var env envelope
		if p, ok := raw["paging"]; ok {
			_ = json.Unmarshal(p, &env.Paging)
		}
		items, err := unwrap[T](raw[plural], singular)
		if err != nil {
			return c.permanent(http.StatusOK, "", "malformed "+plural+" page: "+err.Error())
		}
		if err := fn(items); err != nil {
			return err
		}
		next = env.Paging.NextLink
	}
	return nil
}

// unwrap decodes [{"sub_request_status":"SUCCESS","<singular>":{…}}].
func unwrap[T any](data json.RawMessage, singular string) ([]T, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var wrapped []map[string]json.RawMessage
	if err := json.Unmarshal(data, &wrapped); err != nil {
		return nil, err
	}
	out := make([]T, 0, len(wrapped))
	for _, w := range wrapped {
		var status string
		_ = json.Unmarshal(w["sub_request_status"], &status)
		if !strings.EqualFold(status, "SUCCESS") {
			var reason string
			_ = json.Unmarshal(w["sub_request_error_reason"], &reason)
			return nil, fmt.Errorf("sub_request_status %q: %s", status, reason)
		}
		var v T
		if err := json.Unmarshal(w[singular], &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
