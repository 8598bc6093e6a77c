package audiences

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// This file is the contract of a platform's customer-list client and what
// the four share: one HTTP exchange with the platform's error classified
// as platforms.APIError (rate limits with Retry-After, transient, auth,
// permanent). A client is stateless apart from its configuration; the
// token, the account and the audience are passed in, and it never touches
// the database.

// Op is what an upload does with its users.
type Op string

// The operations.
const (
	OpAdd    Op = "ADD"
	OpRemove Op = "REMOVE"
)

// User is one person as a platform's customer list takes it: the
// platform's SHA-256 hex digests (package match's normal form) of one
// email and one phone number, either possibly empty.
type User struct {
	Email, Phone string
}

// Target names the audience a call is about and how to reach it.
type Target struct {
	// Token is the connection's access token.
	Token string
	// Account is the ad account's id on the platform (Meta without the
	// act_ prefix; a Google customer id; a TikTok advertiser id; a Snapchat
	// ad account UUID); Manager is its Google manager (login-customer-id;
	// empty when none).
	Account, Manager string
	// AudienceID is the platform's id of the audience (empty before Create).
	AudienceID string
	// Job is Google's offline user data job operations are added to (empty:
	// Upload creates one and returns it).
	Job string
}

// Client is one platform's customer-list API.
type Client interface {
	// MaxBatch is the most users one Upload takes (the platform's per-request
	// limit).
	MaxBatch() int
	// Create makes an empty customer-list audience named name in the
	// target's account and returns the platform's id of it.
	Create(ctx context.Context, t Target, name, description string) (string, error)
	// Upload adds users to or removes them from the target's audience in one
	// request; every user has at least one identifier. Google's operations go
	// into an offline user data job (t.Job, or one it creates), returned so
	// the caller records it and later calls Finish; the others return "".
	Upload(ctx context.Context, t Target, op Op, users []User) (job string, err error)
	// Finish runs what Upload queued (Google's job); a no-op elsewhere.
	Finish(ctx context.Context, t Target) error
}

// maxErrorBody bounds how much of a platform's error response is read.
const maxErrorBody = 64 << 10

// exchange sends one request and decodes a 2xx JSON answer into out (nil:
// discarded). Any other answer is classified by classify, given the status,
// the body and the Retry-After delay.
func exchange(ctx context.Context, hc *http.Client, platform string, req *http.Request, out any,
	classify func(status int, body []byte, retry time.Duration) *platforms.APIError) error {
	req = req.WithContext(ctx)
	resp, err := hc.Do(req)
	if err != nil {
		return &platforms.APIError{Platform: platform, Kind: platforms.ErrorTransient, Code: "NETWORK", Message: "the request failed: " + clip(err.Error(), 300)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return &platforms.APIError{Platform: platform, Kind: platforms.ErrorTransient, HTTPStatus: resp.StatusCode, Code: "NETWORK", Message: "reading the answer failed"}
	}
	retry := retryAfter(resp.Header.Get("Retry-After"))
	if resp.StatusCode/100 == 2 {
		if e := classify(resp.StatusCode, body, retry); e != nil { // an error envelope in a 200 (TikTok, Snapchat)
			return e
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(body, out); err != nil {
			return &platforms.APIError{Platform: platform, Kind: platforms.ErrorTransient, HTTPStatus: resp.StatusCode, Code: "BAD_RESPONSE", Message: "the answer was not the JSON expected"}
		}
		return nil
	}
	if e := classify(resp.StatusCode, body, retry); e != nil {
		return e
	}
	return byStatus(platform, resp.StatusCode, retry, clip(string(body), 500))
}

// byStatus classifies by HTTP status alone: 429 rate limited, 5xx
// transient, 401/403 auth, other 4xx permanent.
func byStatus(platform string, status int, retry time.Duration, msg string) *platforms.APIError {
	e := &platforms.APIError{Platform: platform, HTTPStatus: status, Code: strconv.Itoa(status), Message: msg, RetryAfter: retry}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = platforms.ErrorRateLimited
	case status >= 500:
		e.Kind = platforms.ErrorTransient
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = platforms.ErrorAuth
	default:
		e.Kind = platforms.ErrorPermanent
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// retryAfter reads a Retry-After header in seconds (HTTP dates are rare
// from these APIs and read as unknown); at most an hour.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, time.Hour)
}

// jsonRequest builds a request with a JSON body.
func jsonRequest(method, url string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Config configures the platforms' clients.
type Config struct {
	// Bases are the API roots by platform (STRATUM_<P>_API_BASE; tests point
	// them at local fakes). Empty: the platform's own.
	Bases map[string]string
	// GoogleDeveloperToken is the developer-token header of Google Ads.
	GoogleDeveloperToken string
	// MaxBatch, when positive, lowers every client's per-request limit
	// (tests use a small one to see batching).
	MaxBatch int
	// HTTP is the client for every call (nil: one with a 30 s timeout).
	HTTP *http.Client
}

// Default API roots.
var defaultBases = map[string]string{
	platforms.Meta:     "https://graph.facebook.com",
	platforms.Google:   "https://googleads.googleapis.com",
	platforms.TikTok:   "https://business-api.tiktok.com",
	platforms.Snapchat: "https://adsapi.snapchat.com",
}

// NewClients returns the four platforms' clients configured by c.
func NewClients(c Config) map[string]Client {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	base := func(p string) string {
		if b := strings.TrimRight(c.Bases[p], "/"); b != "" {
			return b
		}
		return defaultBases[p]
	}
	limit := func(n int) int {
		if c.MaxBatch > 0 && c.MaxBatch < n {
			return c.MaxBatch
		}
		return n
	}
	return map[string]Client{
		platforms.Meta:     &Meta{Base: base(platforms.Meta), HTTP: hc, Limit: limit(MetaMaxBatch)},
		platforms.Google:   &Google{Base: base(platforms.Google), HTTP: hc, Limit: limit(GoogleMaxBatch), DeveloperToken: c.GoogleDeveloperToken},
		platforms.TikTok:   &TikTok{Base: base(platforms.TikTok), HTTP: hc, Limit: limit(TikTokMaxBatch)},
		platforms.Snapchat: &Snapchat{Base: base(platforms.Snapchat), HTTP: hc, Limit: limit(SnapchatMaxBatch)},
	}
}

// errNoAudience is a programming error: Upload before Create.
var errNoAudience = fmt.Errorf("audiences: no platform audience id")
