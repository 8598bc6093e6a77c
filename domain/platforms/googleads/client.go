package googleads

// Google Ads API REST reference used in this file:
//   https://developers.google.com/google-ads/api/rest/overview
//   https://developers.google.com/google-ads/api/rest/auth (Authorization, developer-token, login-customer-id headers)
//   https://developers.google.com/google-ads/api/docs/api-policy/developer-token (developer tokens sunset on
//     2026-09-09: the header is optional and ignored; access levels belong to the OAuth client's Cloud project)
//   https://developers.google.com/google-ads/api/rest/common/search (SearchStream: one JSON array of batches, fieldMask in lowerCamelCase)
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/searchStream
//   https://developers.google.com/google-ads/api/reference/rpc/latest/GoogleAdsService/SearchStream
//   https://developers.google.com/google-ads/api/reference/rpc/latest/SearchGoogleAdsStreamResponse
//   https://developers.google.com/google-ads/api/docs/concepts/call-structure (customer ids without hyphens)

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// APIVersion is the Google Ads API version in every path.
const APIVersion = "v26"

// GoogleTokenURL is Google's OAuth 2.0 token endpoint.
const GoogleTokenURL = "https://oauth2.googleapis.com/token"

// googleOAuthBase is the default OAuthBase (the consent page's host).
const googleOAuthBase = "https://accounts.google.com"

// Bounds on what one call reads.
const (
	// maxStreamBytes bounds one searchStream response (about a million
	// metric rows).
	maxStreamBytes = 512 << 20
	// maxBatches bounds the batches of one searchStream (10,000 rows each).
	maxBatches = 1000
	// maxBatchBytes bounds one batch (10,000 rows of a few hundred bytes).
	maxBatchBytes = 64 << 20
	// maxBodyBytes bounds every other response and error body.
	maxBodyBytes = 4 << 20
	// maxCustomers bounds listAccessibleCustomers and a manager's clients.
	maxCustomers = 5000
	// maxOpsPerRequest bounds the operations of one mutate request (Google
	// allows 10,000; smaller requests fail faster).
	maxOpsPerRequest = 1000
)

// Client is the Google Ads API client. It holds configuration only, so one
// Client serves every tenant; it is safe for concurrent use.
type Client struct {
	e    platforms.Endpoints
	http *http.Client
	// TokenURL is the OAuth token endpoint (see the package comment for
	// how New derives it from OAuthBase).
	TokenURL string
	// Now is the clock used for token expiry (time.Now by default).
	Now func() time.Time
}

var _ platforms.API = (*Client)(nil)

// New returns a client for e. A nil e.HTTP gets a client with a 30 s
// timeout.
func New(e platforms.Endpoints) *Client {
	hc := e.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	e.APIBase = strings.TrimRight(e.APIBase, "/")
	e.OAuthBase = strings.TrimRight(e.OAuthBase, "/")
	tokenURL := e.OAuthBase + "/token"
	if e.OAuthBase == googleOAuthBase {
		tokenURL = GoogleTokenURL
	}
	return &Client{e: e, http: hc, TokenURL: tokenURL, Now: time.Now}
}

// Platform is platforms.Google.
func (c *Client) Platform() string { return platforms.Google }

// Configured reports whether the OAuth client id and secret are set. The
// developer token is optional: Google sunset developer tokens on
// 2026-09-09 (access levels now belong to the OAuth client's Cloud
// project), so it is sent only when configured.
func (c *Client) Configured() bool { return c.e.Configured() }

// SupportsPKCE is true: Google's web-server flow accepts code_challenge
// with code_challenge_method=S256.
func (c *Client) SupportsPKCE() bool { return true }

// customerID normalises a customer id to Google's ten digits without
// hyphens and refuses anything else (it goes into paths and headers).
func customerID(id string) (string, error) {
	id = strings.ReplaceAll(strings.TrimSpace(id), "-", "")
	if id == "" || len(id) > 20 {
		return "", permanent("INVALID_CUSTOMER_ID", "customer id is empty or too long")
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return "", permanent("INVALID_CUSTOMER_ID", fmt.Sprintf("customer id %q is not a number", id))
		}
	}
	return id, nil
}

// permanent is a client-side refusal (nothing was sent).
func permanent(code, msg string) *platforms.APIError {
	return &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorPermanent, Code: code, Message: msg}
}

// call sends one API request and returns the response when it is 2xx; any
// other status becomes an *APIError. login is the login-customer-id ("" to
// omit). The caller closes the body.
func (c *Client) call(ctx context.Context, tok platforms.Token, method, path, login string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("googleads: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.e.APIBase+"/"+APIVersion+"/"+path, rd)
	if err != nil {
		return nil, fmt.Errorf("googleads: build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if c.e.DeveloperToken != "" {
		// Optional since Google sunset developer tokens (2026-09-09): API
		// access now belongs to the OAuth client's Cloud project and the
		// servers ignore the header. Sent only when one is configured.
		req.Header.Set("developer-token", c.e.DeveloperToken)
	}
	req.Header.Set("Accept", "application/json")
	if login != "" {
		req.Header.Set("login-customer-id", login)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The URL holds no secret; the error names host and path only.
		return nil, &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorTransient, Code: "NETWORK", Message: "Google Ads API unreachable: " + scrub(err)}
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
		return nil, apiError(resp.StatusCode, resp.Header, b)
	}
	return resp, nil
}

// scrub keeps a transport error's words without any URL query.
func scrub(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return s
}

// login is the login-customer-id header for acct: its manager, if it was
// reached through one.
func login(acct platforms.Account) (string, error) {
	if acct.ParentID == "" {
		return "", nil
	}
	return customerID(acct.ParentID)
}

// searchStream runs query on customer cid and calls fn with every batch's
// rows. An error element inside the stream (Google reports failures after
// the first batch that way) ends it with an *APIError.
func (c *Client) searchStream(ctx context.Context, tok platforms.Token, cid, loginID, query string, fn func([]row) error) error {
	resp, err := c.call(ctx, tok, http.MethodPost, "customers/"+cid+"/googleAds:searchStream", loginID, map[string]string{"query": query})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	br := bufio.NewReaderSize(io.LimitReader(resp.Body, maxStreamBytes), 64<<10)
	if c, err := nextNonSpace(br); err != nil || c != '[' {
		return malformed("searchStream response is not a JSON array", err)
	}
	var buf []byte
	for n := 0; ; n++ {
		c, err := nextNonSpace(br)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return malformed("searchStream response ends early", err)
		}
		if c == ']' {
			if _, err := nextNonSpace(br); err != io.EOF {
				return malformed("searchStream response has data after the array", nil)
			}
			return nil
		}
		if n > 0 {
			if c != ',' {
				return malformed("searchStream batches are not separated by commas", nil)
			}
			if c, err = nextNonSpace(br); err != nil {
				return malformed("searchStream response ends early", err)
			}
		}
		if n >= maxBatches {
			return permanent("TOO_MANY_BATCHES", fmt.Sprintf("searchStream returned more than %d batches", maxBatches))
		}
		if buf, err = element(br, c, buf[:0]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return malformed("searchStream batch", err)
		}
		rows, rpc, err := decodeBatch(buf)
		if err != nil {
			return malformed("searchStream batch", err)
		}
		if rpc != nil {
			return rpc.apiError(0, nil)
		}
		if err := fn(rows); err != nil {
			return err
		}
	}
}

// nextNonSpace returns the next byte that is not JSON whitespace.
func nextNonSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			return c, err
		}
	}
}

// element reads one JSON object whose first byte was already read, up to
// its matching '}', into buf (decodeBatch then checks its syntax).
func element(br *bufio.Reader, first byte, buf []byte) ([]byte, error) {
	if first != '{' {
		return nil, errSyntax
	}
	buf = append(buf, first)
	depth, inStr, esc := 1, false, false
	for {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
		}
		data, _ := br.Peek(br.Buffered())
		for k, c := range data {
			switch {
			case esc:
				esc = false
			case inStr:
				if c == '\\' {
					esc = true
				} else if c == '"' {
					inStr = false
				}
			case c == '"':
				inStr = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
				if depth == 0 {
					buf = append(buf, data[:k+1]...)
					_, err := br.Discard(k + 1)
					return buf, err
				}
			}
		}
		buf = append(buf, data...)
		if len(buf) > maxBatchBytes {
			return nil, fmt.Errorf("a batch is larger than %d bytes", maxBatchBytes)
		}
		if _, err := br.Discard(len(data)); err != nil {
			return nil, err
		}
	}
}

// malformed is a response we could not read: a truncated stream is worth a
// retry, so it is transient.
func malformed(what string, err error) error {
	msg := what
	if err != nil {
		msg += ": " + err.Error()
	}
	return &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorTransient, Code: "MALFORMED_RESPONSE", Message: msg}
}
