package senders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
)

// TikTok Events API 1.3: POST {base}/open_api/v1.3/event/track/ with the
// Access-Token header. https://business-api.tiktok.com/portal/docs?id=1771101027431425
const (
	TikTokVersion  = "v1.3"
	TikTokBaseURL  = "https://business-api.tiktok.com"
	TikTokMaxBatch = 1000
	// TikTokMaxAge: events are matched to ads only within TikTok's 28-day
	// click-through attribution window; older ones are diverted.
	TikTokMaxAge = 28 * 24 * time.Hour
	// tiktokRateLimited is the envelope code of a rate-limited request.
	tiktokRateLimited = 40100
)

// TikTok sends web events to a TikTok pixel. Credentials: pixelCode,
// accessToken (the Events API access token of the pixel).
type TikTok struct{ c Config }

// NewTikTok returns the TikTok sender.
func NewTikTok(c Config) *TikTok { return &TikTok{c: c.withDefaults()} }

var _ conversions.Sender = (*TikTok)(nil)

// Platform is TIKTOK.
func (*TikTok) Platform() string { return platforms.TikTok }

// MaxBatch is 1,000 events per request.
func (*TikTok) MaxBatch() int { return TikTokMaxBatch }

// MaxAge is 28 days.
func (*TikTok) MaxAge() time.Duration { return TikTokMaxAge }

type tiktokRequest struct {
	EventSource   string        `json:"event_source"`
	EventSourceID string        `json:"event_source_id"`
	TestEventCode string        `json:"test_event_code,omitempty"`
	Data          []tiktokEvent `json:"data"`
}

type tiktokEvent struct {
	Event      string       `json:"event"`
	EventTime  int64        `json:"event_time"`
	EventID    string       `json:"event_id,omitempty"`
	User       tiktokUser   `json:"user"`
	Properties *tiktokProps `json:"properties,omitempty"`
	Page       *tiktokPage  `json:"page,omitempty"`
}

type tiktokUser struct {
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Ttclid     string `json:"ttclid,omitempty"`
	Ttp        string `json:"ttp,omitempty"`
	IP         string `json:"ip,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
}

type tiktokProps struct {
	Value       *json.Number    `json:"value,omitempty"`
	Currency    string          `json:"currency,omitempty"`
	Contents    []tiktokContent `json:"contents,omitempty"`
	ContentType string          `json:"content_type,omitempty"`
	OrderID     string          `json:"order_id,omitempty"`
}

type tiktokContent struct {
	ContentID string `json:"content_id"`
}

type tiktokPage struct {
	URL string `json:"url"`
}

type tiktokAnswer struct {
	Code      *int   `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

func tiktokUserData(u conversions.UserData) tiktokUser {
	return tiktokUserOf(match.User(platforms.TikTok, u), u)
}

// tiktokUserOf is the user of u with its identifiers id (hashed, or only
// present for Check).
func tiktokUserOf(id match.Identifiers, u conversions.UserData) tiktokUser {
	return tiktokUser{Email: id.Email, Phone: id.Phone, ExternalID: id.ExternalID, Ttclid: u.TTclid, Ttp: u.TTp, IP: u.ClientIP, UserAgent: u.UserAgent}
}

// Check: event name, time within 28 days, and something to match on
// (ttclid, _ttp, email, phone, external id, or IP with user agent).
func (t *TikTok) Check(e conversions.Event, now time.Time) string {
	if e.Name == "" {
		return "event is missing"
	}
	if r := checkTime(e, now, TikTokMaxAge, "TikTok"); r != "" {
		return r
	}
	u := tiktokUserOf(match.Present(platforms.TikTok, e.User), e.User)
	if u.Ttclid == "" && u.Ttp == "" && u.Email == "" && u.Phone == "" && u.ExternalID == "" && (u.IP == "" || u.UserAgent == "") {
		return "no customer information TikTok can match (ttclid, _ttp, email, phone, external id, or IP with user agent)"
	}
	return ""
}

func (t *TikTok) build(d conversions.Destination, events []conversions.Event, pixel string) tiktokRequest {
	req := tiktokRequest{EventSource: "web", EventSourceID: pixel, TestEventCode: d.TestEventCode, Data: make([]tiktokEvent, len(events))}
	for i, e := range events {
		te := tiktokEvent{Event: e.Name, EventTime: e.Time.Unix(), EventID: e.EventID, User: tiktokUserData(e.User)}
		if e.ValueMicros != nil || e.Currency != "" || len(e.ContentIDs) > 0 || e.OrderID != "" {
			p := &tiktokProps{Value: decimal(e.Currency, e.ValueMicros), Currency: e.Currency, OrderID: e.OrderID}
			for _, id := range e.ContentIDs {
				p.Contents = append(p.Contents, tiktokContent{ContentID: id})
			}
			if len(p.Contents) > 0 {
				p.ContentType = "product"
			}
			te.Properties = p
		}
		if e.SourceURL != "" {
			te.Page = &tiktokPage{URL: e.SourceURL}
		}
		req.Data[i] = te
	}
	return req
}

// Send posts one batch. TikTok answers HTTP 200 with an envelope: code 0
// accepts the batch, 40100 is its rate limit (retried), any other code
// refuses the whole batch with its message.
func (t *TikTok) Send(ctx context.Context, d conversions.Destination, events []conversions.Event) (conversions.Result, error) {
	creds, missing := need(d, "pixelCode", "accessToken")
	if missing != "" {
		return refuse(events, missing), nil
	}
	pixel, token := creds[0], creds[1]
	h := http.Header{}
	h.Set("Access-Token", token)
	secrets := []string{token}
	u := baseURL(d, TikTokBaseURL) + "/open_api/" + TikTokVersion + "/event/track/"
	resp, err := post(ctx, t.c.HTTP, platforms.TikTok, u, h, t.build(d, events, pixel), secrets)
	if err != nil {
		return conversions.Result{Summary: scrub(err.Error(), secrets)}, err
	}
	res := conversions.Result{HTTPStatus: resp.status}
	var a tiktokAnswer
	_ = json.Unmarshal(resp.body, &a)
	msg := scrub(clip(a.Message), secrets)
	if resp.status == http.StatusTooManyRequests || resp.status >= 500 || a.Code != nil && (*a.Code == tiktokRateLimited || *a.Code >= 50000) {
		res.RetryAfter = retryAfter(resp.header, t.c.Now())
		res.Summary = fmt.Sprintf("HTTP %d, code %v, request_id=%s: %s", resp.status, codeOf(a.Code), a.RequestID, msg)
		return res, &TransientError{Platform: platforms.TikTok, Status: resp.status, Message: msg, RetryAfter: res.RetryAfter}
	}
	if resp.status == http.StatusOK && a.Code != nil && *a.Code == 0 {
		res.Outcomes = every(events, conversions.StatusSent, "", "")
		res.Summary = fmt.Sprintf("HTTP 200, code 0, request_id=%s", a.RequestID)
		return res, nil
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", resp.status)
	}
	res.Summary = fmt.Sprintf("HTTP %d, code %v, request_id=%s: %s", resp.status, codeOf(a.Code), a.RequestID, msg)
	res.Outcomes = every(events, conversions.StatusFailed, codeOf(a.Code), msg)
	return res, nil
}

func codeOf(c *int) string {
	if c == nil {
		return ""
	}
	return fmt.Sprint(*c)
}
