package meta

// HTTP plumbing and error classification of the Graph API.
// https://developers.facebook.com/docs/graph-api/guides/error-handling
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting
// https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
// https://developers.facebook.com/docs/graph-api/securing-requests

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// Version is the Graph API version every path is prefixed with.
const Version = "v25.0"

// Bounds on what the client reads.
const (
	// maxBody is the largest response body read (a page of 500 insight
	// rows with their actions is well under 1 MiB).
	maxBody = 16 << 20
	// pageLimit is the "limit" asked for on every list edge.
	pageLimit = 500
	// maxPages bounds one listing (500 × 2,000 = a million rows).
	maxPages = 2000
	// defaultTimeout is the HTTP client's timeout when none is configured.
	defaultTimeout = 30 * time.Second
)

// Client calls the Meta Marketing API. It is safe for concurrent use.
type Client struct {
	e    platforms.Endpoints
	http *http.Client
	// Now is the clock used for token lifetimes (tests inject one).
	Now func() time.Time
}

var _ platforms.API = (*Client)(nil)

// New returns a client for the endpoints e (APIBase e.g.
// https://graph.facebook.com, OAuthBase https://www.facebook.com).
func New(e platforms.Endpoints) *Client {
	hc := e.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	e.APIBase = strings.TrimRight(e.APIBase, "/")
	e.OAuthBase = strings.TrimRight(e.OAuthBase, "/")
	return &Client{e: e, http: hc, Now: time.Now}
}

// Platform is platforms.Meta.
func (c *Client) Platform() string { return platforms.Meta }

// Configured reports whether the app id and secret are set.
func (c *Client) Configured() bool { return c.e.Configured() }

// graphError is Meta's error envelope.
type graphError struct {
	Error *struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		FBTraceID    string `json:"fbtrace_id"`
		IsTransient  bool   `json:"is_transient"`
	} `json:"error"`
}

// appSecretProof is the documented HMAC-SHA256 of the token keyed by the
// app secret, hex-encoded.
func (c *Client) appSecretProof(token string) string {
	m := hmac.New(sha256.New, []byte(c.e.ClientSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// get calls GET APIBase/<Version>/<path>?q with token and decodes the JSON
// body into out.
func (c *Client) get(ctx context.Context, token, path string, q url.Values, out any) error {
	return c.call(ctx, http.MethodGet, token, path, q, out)
}

// post calls POST APIBase/<Version>/<path> with a form body.
func (c *Client) post(ctx context.Context, token, path string, form url.Values, out any) error {
	return c.call(ctx, http.MethodPost, token, path, form, out)
}

func (c *Client) call(ctx context.Context, method, token, path string, params url.Values, out any) error {
	raw, err := c.fetch(ctx, method, token, path, params)
	if err != nil {
		return err
	}
	return decode(raw, path, out)
}

// fetch sends one Graph API request and returns the body of a successful
// response (an error response becomes an *APIError).
func (c *Client) fetch(ctx context.Context, method, token, path string, params url.Values) ([]byte, error) {
	return c.fetchInto(ctx, nil, method, token, path, params)
}

// fetchInto is fetch reading the body into buf's storage (grown as
// needed): a caller listing pages hands each page's buffer back for the
// next once it has decoded it.
func (c *Client) fetchInto(ctx context.Context, buf []byte, method, token, path string, params url.Values) ([]byte, error) {
	if params == nil {
		params = url.Values{}
	}
	if token != "" {
		params.Set("appsecret_proof", c.appSecretProof(token))
	}
	u := c.e.APIBase + "/" + Version + "/" + strings.TrimLeft(path, "/")
	var body io.Reader
	if method == http.MethodGet {
		u += "?" + params.Encode()
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("meta: build request %s %s: %w", method, path, err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	return c.sendInto(req, path, buf)
}

// do sends req and decodes the response into out.
func (c *Client) do(req *http.Request, path string, out any) error {
	raw, err := c.send(req, path)
	if err != nil {
		return err
	}
	return decode(raw, path, out)
}

func decode(raw []byte, path string, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "malformed_response", Message: fmt.Sprintf("%s: %v", path, err)}
	}
	return nil
}

// send sends req and returns the bounded body of a successful response;
// path names the call in errors (never the URL, whose query can hold
// secrets on the token endpoint).
func (c *Client) send(req *http.Request, path string) ([]byte, error) {
	return c.sendInto(req, path, nil)
}

// sendInto is send reading the body into buf's storage.
func (c *Client) sendInto(req *http.Request, path string, buf []byte) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL: it may carry client_secret or a code
		}
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, fmt.Errorf("meta: %s %s: %w", req.Method, path, ctxErr)
		}
		return nil, &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorTransient, Code: "network", Message: fmt.Sprintf("%s %s: %v", req.Method, path, err)}
	}
	defer resp.Body.Close()
	raw, err := readAll(resp.Body, buf[:0], maxBody+1)
	if err != nil {
		return nil, &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorTransient, HTTPStatus: resp.StatusCode, Code: "network", Message: fmt.Sprintf("read %s: %v", path, err)}
	}
	if len(raw) > maxBody {
		return nil, &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, HTTPStatus: resp.StatusCode, Code: "response_too_large", Message: fmt.Sprintf("%s returned more than %d bytes", path, maxBody)}
	}
	if apiErr := classify(resp, raw); apiErr != nil {
		return nil, apiErr
	}
	return raw, nil
}

// readAll appends r's bytes, at most limit of them, to buf, growing it as
// io.ReadAll does.
func readAll(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // let append pick the growth
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// classify turns an error response into an *APIError (nil for success).
// Meta answers most errors, rate limits included, with HTTP 400 and the
// envelope, so the code decides; a body without the envelope falls back to
// the HTTP status.
func classify(resp *http.Response, raw []byte) *platforms.APIError {
	var env graphError
	// A success body is only scanned for the envelope when it starts with
	// it (re-parsing every page of insights would double the decode cost).
	if resp.StatusCode >= 300 || bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte(`{"error"`)) {
		_ = json.Unmarshal(raw, &env)
	}
	if env.Error == nil {
		if resp.StatusCode < 300 {
			return nil
		}
		e := &platforms.APIError{Platform: platforms.Meta, HTTPStatus: resp.StatusCode, Code: "http_" + strconv.Itoa(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			e.Kind, e.RetryAfter = platforms.ErrorRateLimited, retryAfter(resp.Header)
		case resp.StatusCode >= 500:
			e.Kind = platforms.ErrorTransient
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			e.Kind = platforms.ErrorAuth
		default:
			e.Kind = platforms.ErrorPermanent
		}
		return e
	}
	g := env.Error
	code := strconv.Itoa(g.Code)
	if g.ErrorSubcode != 0 {
		code += "/" + strconv.Itoa(g.ErrorSubcode)
	}
	e := &platforms.APIError{Platform: platforms.Meta, HTTPStatus: resp.StatusCode, Code: code, Message: g.Message, Kind: kindOf(g.Code, g.IsTransient, resp.StatusCode)}
	if e.Kind == platforms.ErrorRateLimited {
		e.RetryAfter = retryAfter(resp.Header)
	}
	return e
}

// kindOf maps a Graph error code to an error kind.
func kindOf(code int, transient bool, status int) platforms.ErrorKind {
	switch {
	// 4 app, 17 user, 32 page, 613 ad account call limits; 80000–80014
	// Business Use Case limits (insights, ads management, custom audiences…).
	case code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80014):
		return platforms.ErrorRateLimited
	// 190 invalid/expired/revoked token, 102 session, 104 no token, 10 and
	// 200–299 permission denied: the grant must be renewed.
	case code == 190 || code == 102 || code == 104 || code == 10 || (code >= 200 && code <= 299):
		return platforms.ErrorAuth
	// 1 unknown and 2 service errors are documented as "retry later".
	case code == 1 || code == 2 || transient || status >= 500:
		return platforms.ErrorTransient
	default:
		return platforms.ErrorPermanent
	}
}

// usageEntry is one object's entry in X-Business-Use-Case-Usage.
type usageEntry struct {
	Type                        string  `json:"type"`
	CallCount                   float64 `json:"call_count"`
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"` // minutes
}

// adAccountUsage is X-Ad-Account-Usage.
type adAccountUsage struct {
	AccIDUtilPct      float64 `json:"acc_id_util_pct"`
	ResetTimeDuration float64 `json:"reset_time_duration"` // seconds
}

// maxRetryAfter caps a header's wait (Meta's BUC windows are ≤ 24 h).
const maxRetryAfter = 24 * time.Hour

// retryAfter reads the wait Meta asks for: the largest
// estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage,
// else X-Ad-Account-Usage reset_time_duration (seconds), else a standard
// Retry-After; 0 when none says.
func retryAfter(h http.Header) time.Duration {
	var d time.Duration
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var buc map[string][]usageEntry
		if json.Unmarshal([]byte(v), &buc) == nil {
			for _, entries := range buc {
				for _, u := range entries {
					if w := time.Duration(u.EstimatedTimeToRegainAccess * float64(time.Minute)); w > d {
						d = w
					}
				}
			}
		}
	}
	if d == 0 {
		if v := h.Get("X-Ad-Account-Usage"); v != "" {
			var acc adAccountUsage
			if json.Unmarshal([]byte(v), &acc) == nil && acc.ResetTimeDuration > 0 {
				d = time.Duration(acc.ResetTimeDuration * float64(time.Second))
			}
		}
	}
	if d == 0 {
		if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
			d = time.Duration(s) * time.Second
		}
	}
	return min(d, maxRetryAfter)
}

// paging is the Graph API's cursor block.
type paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next string `json:"next"`
}

// list pages through a Graph edge: it calls fetch(after) until a page has
// no paging.next, at most maxPages times.
func list(ctx context.Context, edge string, fetch func(after string) (paging, int, error)) error {
	after := ""
	for range maxPages {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, n, err := fetch(after)
		if err != nil {
			return err
		}
		if p.Next == "" || p.Cursors.After == "" || n == 0 {
			return nil
		}
		after = p.Cursors.After
	}
	return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "too_many_pages", Message: fmt.Sprintf("%s has more than %d pages of %d", edge, maxPages, pageLimit)}
}

// listQuery is the query of one page of an edge.
func listQuery(fields, after string) url.Values {
	q := url.Values{"fields": {fields}, "limit": {strconv.Itoa(pageLimit)}}
	if after != "" {
		q.Set("after", after)
	}
	return q
}
