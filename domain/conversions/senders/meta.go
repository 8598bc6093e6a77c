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

// Meta Conversions API: POST {base}/{version}/{pixel_id}/events.
// https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api
const (
	MetaVersion  = "v25.0" // the Graph API version the rest of Stratum pins (domain/platforms/meta)
	MetaBaseURL  = "https://graph.facebook.com"
	MetaMaxBatch = 1000
	// MetaMaxAge: "If any event_time in data is greater than 7 days in
	// the past, we return an error for the entire request".
	MetaMaxAge = 7 * 24 * time.Hour
)

// metaActionSources are Meta's action_source values.
var metaActionSources = map[string]bool{
	"website": true, "app": true, "email": true, "phone_call": true, "chat": true,
	"physical_store": true, "system_generated": true, "business_messaging": true, "other": true,
}

// Meta sends to the Meta Conversions API. Credentials: pixelId (digits),
// accessToken (a system-user or Events Manager CAPI token).
type Meta struct{ c Config }

// NewMeta returns the Meta sender.
func NewMeta(c Config) *Meta { return &Meta{c: c.withDefaults()} }

var _ conversions.Sender = (*Meta)(nil)

// Platform is META.
func (*Meta) Platform() string { return platforms.Meta }

// MaxBatch is 1,000 events per request.
func (*Meta) MaxBatch() int { return MetaMaxBatch }

// MaxAge is 7 days.
func (*Meta) MaxAge() time.Duration { return MetaMaxAge }

// Wire format (server event and customer information parameters).
type metaRequest struct {
	Data          []metaEvent `json:"data"`
	TestEventCode string      `json:"test_event_code,omitempty"`
	AccessToken   string      `json:"access_token"`
}

type metaEvent struct {
	EventName                    string      `json:"event_name"`
	EventTime                    int64       `json:"event_time"`
	EventID                      string      `json:"event_id,omitempty"`
	ActionSource                 string      `json:"action_source"`
	EventSourceURL               string      `json:"event_source_url,omitempty"`
	UserData                     metaUser    `json:"user_data"`
	CustomData                   *metaCustom `json:"custom_data,omitempty"`
	DataProcessingOptions        []string    `json:"data_processing_options,omitempty"`
	DataProcessingOptionsCountry *int        `json:"data_processing_options_country,omitempty"`
	DataProcessingOptionsState   *int        `json:"data_processing_options_state,omitempty"`
}

type metaUser struct {
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
	Fbc             string   `json:"fbc,omitempty"`
	Fbp             string   `json:"fbp,omitempty"`
}

type metaCustom struct {
	Value       *json.Number `json:"value,omitempty"`
	Currency    string       `json:"currency,omitempty"`
	ContentIDs  []string     `json:"content_ids,omitempty"`
	ContentType string       `json:"content_type,omitempty"`
	OrderID     string       `json:"order_id,omitempty"`
}

type metaAnswer struct {
	EventsReceived int      `json:"events_received"`
	Messages       []string `json:"messages"`
	FBTraceID      string   `json:"fbtrace_id"`
	Error          *struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		UserMsg     string `json:"error_user_msg"`
		IsTransient bool   `json:"is_transient"`
		FBTraceID   string `json:"fbtrace_id"`
	} `json:"error"`
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func metaUserData(u conversions.UserData) metaUser {
	return metaUserOf(match.User(platforms.Meta, u), u)
}

// metaUserOf is the user_data of u with its identifiers id (hashed, or
// only present for Check).
func metaUserOf(id match.Identifiers, u conversions.UserData) metaUser {
	return metaUser{
		Em: one(id.Email), Ph: one(id.Phone), Fn: one(id.FirstName), Ln: one(id.LastName),
		Ge: one(id.Gender), Db: one(id.DateOfBirth), Ct: one(id.City), St: one(id.State),
		Zp: one(id.Zip), Country: one(id.Country), ExternalID: one(id.ExternalID),
		ClientIPAddress: u.ClientIP, ClientUserAgent: u.UserAgent, Fbc: u.Fbc, Fbp: u.Fbp,
	}
}

// metaMatchable is Meta's baseline for matching: one strong key (em, ph,
// external_id, fbc, fbp), or IP with user agent, or name with a place or
// birth date.
func metaMatchable(u metaUser) bool {
	return len(u.Em)+len(u.Ph)+len(u.ExternalID) > 0 || u.Fbc != "" || u.Fbp != "" ||
		u.ClientIPAddress != "" && u.ClientUserAgent != "" ||
		len(u.Fn) > 0 && len(u.Ln) > 0 && len(u.Zp)+len(u.Ct)+len(u.Db) > 0
}

// Check applies Meta's required parameters: event_name, event_time (≤ 7
// days old, not in the future), action_source, and for website events
// event_source_url and client_user_agent; at least one usable customer
// information parameter; Purchase needs value and currency.
func (m *Meta) Check(e conversions.Event, now time.Time) string {
	if e.Name == "" {
		return "event_name is missing"
	}
	if r := checkTime(e, now, MetaMaxAge, "Meta"); r != "" {
		return r
	}
	if !metaActionSources[e.ActionSource] {
		return fmt.Sprintf("action_source %q is not one of Meta's", e.ActionSource)
	}
	if e.ActionSource == "website" {
		if e.SourceURL == "" {
			return "website events need event_source_url (the page url)"
		}
		if e.User.UserAgent == "" {
			return "website events need client_user_agent"
		}
	}
	if !metaMatchable(metaUserOf(match.Present(platforms.Meta, e.User), e.User)) {
		return "no customer information Meta can match (email, phone, external id, fbc/fbp, IP with user agent, or name with zip, city or birth date)"
	}
	if e.Name == "Purchase" && (e.ValueMicros == nil || e.Currency == "") {
		return "Meta's Purchase needs value and currency"
	}
	return ""
}

func (m *Meta) build(d conversions.Destination, events []conversions.Event, token string) metaRequest {
	req := metaRequest{Data: make([]metaEvent, len(events)), TestEventCode: d.TestEventCode, AccessToken: token}
	zero := 0
	for i, e := range events {
		me := metaEvent{
			EventName: e.Name, EventTime: e.Time.Unix(), EventID: e.EventID, ActionSource: e.ActionSource,
			EventSourceURL: e.SourceURL, UserData: metaUserData(e.User),
		}
		if e.ValueMicros != nil || e.Currency != "" || len(e.ContentIDs) > 0 || e.OrderID != "" {
			me.CustomData = &metaCustom{Value: decimal(e.Currency, e.ValueMicros), Currency: e.Currency, ContentIDs: e.ContentIDs, OrderID: e.OrderID}
			if len(e.ContentIDs) > 0 {
				me.CustomData.ContentType = "product"
			}
		}
		if d.LimitedDataUse {
			me.DataProcessingOptions = []string{"LDU"}
			me.DataProcessingOptionsCountry, me.DataProcessingOptionsState = &zero, &zero
		}
		req.Data[i] = me
	}
	return req
}

// metaRetryCodes are Graph API codes that mean "later": 1 unknown, 2
// service, 4 app rate limit, 17 user rate limit, 32 page rate limit, 341
// application limit, 613 calls limit.
var metaRetryCodes = map[int]bool{1: true, 2: true, 4: true, 17: true, 32: true, 341: true, 613: true}

// Send posts one batch. A 200 accepts every event (Meta has no per-event
// answer: a malformed event fails the whole request with HTTP 400, and then
// every event fails with Meta's message).
func (m *Meta) Send(ctx context.Context, d conversions.Destination, events []conversions.Event) (conversions.Result, error) {
	creds, missing := need(d, "pixelId", "accessToken")
	if missing != "" {
		return refuse(events, missing), nil
	}
	pixel, token := creds[0], creds[1]
	if !onlyDigits(pixel) {
		return refuse(events, "pixelId must be digits"), nil
	}
	u := baseURL(d, MetaBaseURL) + "/" + MetaVersion + "/" + pixel + "/events"
	secrets := []string{token}
	resp, err := post(ctx, m.c.HTTP, platforms.Meta, u, http.Header{}, m.build(d, events, token), secrets)
	if err != nil {
		return conversions.Result{Summary: scrub(err.Error(), secrets)}, err
	}
	res := conversions.Result{HTTPStatus: resp.status}
	var a metaAnswer
	_ = json.Unmarshal(resp.body, &a)
	if resp.status == http.StatusOK && a.Error == nil {
		res.Outcomes = every(events, conversions.StatusSent, "", "")
		res.Summary = fmt.Sprintf("HTTP 200, events_received=%d, fbtrace_id=%s", a.EventsReceived, a.FBTraceID)
		return res, nil
	}
	msg, code, transient := fmt.Sprintf("HTTP %d", resp.status), "", false
	if a.Error != nil {
		msg = scrub(clip(a.Error.Message), secrets)
		if a.Error.UserMsg != "" {
			msg += ": " + scrub(clip(a.Error.UserMsg), secrets)
		}
		code = fmt.Sprint(a.Error.Code)
		if a.Error.Subcode != 0 {
			code += "/" + fmt.Sprint(a.Error.Subcode)
		}
		transient = a.Error.IsTransient || metaRetryCodes[a.Error.Code]
		res.Summary = fmt.Sprintf("HTTP %d, code %s, fbtrace_id=%s: %s", resp.status, code, a.Error.FBTraceID, msg)
	} else {
		res.Summary = msg
	}
	if transient || resp.status == http.StatusTooManyRequests || resp.status >= 500 {
		res.RetryAfter = retryAfter(resp.header, m.c.Now())
		return res, &TransientError{Platform: platforms.Meta, Status: resp.status, Message: msg, RetryAfter: res.RetryAfter}
	}
	res.Outcomes = every(events, conversions.StatusFailed, code, msg)
	return res, nil
}
