package senders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
)

// Snapchat Conversions API v3: POST {base}/v3/{pixel_id}/events?access_token=…
// (https://developers.snap.com/api/marketing-api/Conversions-API/UsingTheAPI);
// with a test code, the same body goes to …/events/validate, which checks
// without recording.
const (
	SnapchatBaseURL  = "https://tr.snapchat.com"
	SnapchatMaxBatch = 2000
	// SnapchatMaxAge: "events can have a date (timestamp) of maximum 37
	// days back to be eligible to be reported via the Conversions API".
	SnapchatMaxAge = 37 * 24 * time.Hour
)

// Snapchat sends web events to a Snap Pixel. Credentials: pixelId,
// accessToken (a Conversions API token from Events Manager).
type Snapchat struct{ c Config }

// NewSnapchat returns the Snapchat sender.
func NewSnapchat(c Config) *Snapchat { return &Snapchat{c: c.withDefaults()} }

var _ conversions.Sender = (*Snapchat)(nil)

// Platform is SNAPCHAT.
func (*Snapchat) Platform() string { return platforms.Snapchat }

// MaxBatch is 2,000 events per request.
func (*Snapchat) MaxBatch() int { return SnapchatMaxBatch }

// MaxAge is 37 days.
func (*Snapchat) MaxAge() time.Duration { return SnapchatMaxAge }

type snapRequest struct {
	Data []snapEvent `json:"data"`
}

type snapEvent struct {
	EventName      string      `json:"event_name"`
	EventTime      int64       `json:"event_time"`
	EventID        string      `json:"event_id,omitempty"`
	ActionSource   string      `json:"action_source"`
	EventSourceURL string      `json:"event_source_url,omitempty"`
	UserData       snapUser    `json:"user_data"`
	CustomData     *snapCustom `json:"custom_data,omitempty"`
}

type snapUser struct {
	Em              []string `json:"em,omitempty"`
	Ph              []string `json:"ph,omitempty"`
	Fn              []string `json:"fn,omitempty"`
	Ln              []string `json:"ln,omitempty"`
	Ge              []string `json:"ge,omitempty"`
	Db              []string `json:"db,omitempty"`
	Ct              []string `json:"ct,omitempty"`
	St              []string `json:"st,omitempty"`
	Zp              []string `json:"zp,omitempty"`
	Country         []string `json:"country,omitempty"`
	ExternalID      []string `json:"external_id,omitempty"`
	ClientIPAddress string   `json:"client_ip_address,omitempty"`
	ClientUserAgent string   `json:"client_user_agent,omitempty"`
	ScClickID       string   `json:"sc_click_id,omitempty"`
	ScCookie1       string   `json:"sc_cookie1,omitempty"`
}

type snapCustom struct {
	Value      *json.Number `json:"value,omitempty"`
	Currency   string       `json:"currency,omitempty"`
	ContentIDs []string     `json:"content_ids,omitempty"`
	OrderID    string       `json:"order_id,omitempty"`
}

type snapAnswer struct {
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
}

// snapActionSource translates Meta's vocabulary to Snapchat's.
func snapActionSource(s string) string {
	switch s {
	case "website":
		return "WEB"
	case "app":
		return "MOBILE_APP"
	}
	return "OFFLINE"
}

func snapUserData(u conversions.UserData) snapUser {
	return snapUserOf(match.User(platforms.Snapchat, u), u)
}

// snapUserOf is the user_data of u with its identifiers id (hashed, or
// only present for Check).
func snapUserOf(id match.Identifiers, u conversions.UserData) snapUser {
	return snapUser{
		Em: one(id.Email), Ph: one(id.Phone), Fn: one(id.FirstName), Ln: one(id.LastName),
		Ge: one(id.Gender), Db: one(id.DateOfBirth), Ct: one(id.City), St: one(id.State),
		Zp: one(id.Zip), Country: one(id.Country), ExternalID: one(id.ExternalID),
		ClientIPAddress: u.ClientIP, ClientUserAgent: u.UserAgent, ScClickID: u.ScClickID, ScCookie1: u.ScCookie1,
	}
}

// Check: event name, time within 37 days, web events with their page url,
// and at least one of em, ph, sc_click_id, sc_cookie1, external id, or IP
// with user agent.
func (s *Snapchat) Check(e conversions.Event, now time.Time) string {
	if e.Name == "" {
		return "event_name is missing"
	}
	if r := checkTime(e, now, SnapchatMaxAge, "Snapchat"); r != "" {
		return r
	}
	if e.ActionSource == "website" && e.SourceURL == "" {
		return "web events need event_source_url (the page url)"
	}
	u := snapUserOf(match.Present(platforms.Snapchat, e.User), e.User)
	if len(u.Em)+len(u.Ph)+len(u.ExternalID) == 0 && u.ScClickID == "" && u.ScCookie1 == "" && (u.ClientIPAddress == "" || u.ClientUserAgent == "") {
		return "no customer information Snapchat can match (email, phone, sc_click_id, _scid cookie, external id, or IP with user agent)"
	}
	return ""
}

func (s *Snapchat) build(events []conversions.Event) snapRequest {
	req := snapRequest{Data: make([]snapEvent, len(events))}
	for i, e := range events {
		se := snapEvent{
			EventName: e.Name, EventTime: e.Time.Unix(), EventID: e.EventID,
			ActionSource: snapActionSource(e.ActionSource), EventSourceURL: e.SourceURL, UserData: snapUserData(e.User),
		}
		if e.ValueMicros != nil || e.Currency != "" || len(e.ContentIDs) > 0 || e.OrderID != "" {
			se.CustomData = &snapCustom{Value: decimal(e.Currency, e.ValueMicros), Currency: e.Currency, ContentIDs: e.ContentIDs, OrderID: e.OrderID}
		}
		req.Data[i] = se
	}
	return req
}

// Send posts one batch: 2xx accepts it, 429 and 5xx are retried, any other
// answer refuses the whole batch with Snapchat's reason.
func (s *Snapchat) Send(ctx context.Context, d conversions.Destination, events []conversions.Event) (conversions.Result, error) {
	creds, missing := need(d, "pixelId", "accessToken")
	if missing != "" {
		return refuse(events, missing), nil
	}
	pixel, token := creds[0], creds[1]
	path := "/v3/" + url.PathEscape(pixel) + "/events"
	if d.TestEventCode != "" {
		path += "/validate"
	}
	u := baseURL(d, SnapchatBaseURL) + path + "?access_token=" + url.QueryEscape(token)
	secrets := []string{token}
	resp, err := post(ctx, s.c.HTTP, platforms.Snapchat, u, http.Header{}, s.build(events), secrets)
	if err != nil {
		return conversions.Result{Summary: scrub(err.Error(), secrets)}, err
	}
	res := conversions.Result{HTTPStatus: resp.status}
	var a snapAnswer
	_ = json.Unmarshal(resp.body, &a)
	msg := scrub(clip(a.Reason), secrets)
	res.Summary = fmt.Sprintf("HTTP %d, status %s, request_id=%s", resp.status, a.Status, a.RequestID)
	if msg != "" {
		res.Summary += ": " + msg
	}
	switch {
	case resp.status >= 200 && resp.status < 300:
		res.Outcomes = every(events, conversions.StatusSent, "", "")
		return res, nil
	case resp.status == http.StatusTooManyRequests || resp.status >= 500:
		res.RetryAfter = retryAfter(resp.header, s.c.Now())
		return res, &TransientError{Platform: platforms.Snapchat, Status: resp.status, Message: msg, RetryAfter: res.RetryAfter}
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", resp.status)
	}
	res.Outcomes = every(events, conversions.StatusFailed, a.Status, msg)
	return res, nil
}
