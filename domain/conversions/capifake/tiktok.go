package capifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// TikTok fake: POST /open_api/v1.3/event/track/ with the Access-Token
// header. Rules: TikTok Events API 1.3 (event_source web with the pixel
// code as event_source_id, at most 1,000 events, user.email/phone/
// external_id SHA-256 hashed, ip/user_agent/ttclid/ttp in clear). TikTok
// answers HTTP 200 with an envelope {code, message, request_id, data};
// code 40100 is its rate limit. The code of a refused event (40002,
// "invalid parameter") is the fake's assumption.
const (
	TikTokPixelCode   = "CAPIFAKE0TIKTOKPIXEL"
	TikTokAccessToken = "capifake-tiktok-access-token-0123"
	tiktokMaxBatch    = 1000
	tiktokMaxAge      = 28 * 24 * time.Hour
)

// NewTikTok starts the TikTok Events API fake; it closes with t.
func NewTikTok(t testing.TB, opts ...Option) *Server {
	return start(t, platforms.TikTok, (*Server).serveTikTok, opts)
}

type tiktokReqWire struct {
	EventSource   string            `json:"event_source"`
	EventSourceID string            `json:"event_source_id"`
	TestEventCode string            `json:"test_event_code"`
	PartnerName   string            `json:"partner_name"`
	Data          []tiktokEventWire `json:"data"`
}

type tiktokEventWire struct {
	Event          string           `json:"event"`
	EventTime      int64            `json:"event_time"`
	EventID        string           `json:"event_id"`
	User           *tiktokUserWire  `json:"user"`
	Properties     *tiktokPropsWire `json:"properties"`
	Page           *tiktokPageWire  `json:"page"`
	LimitedDataUse *bool            `json:"limited_data_use"`
}

type tiktokUserWire struct {
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	ExternalID string `json:"external_id"`
	Ttclid     string `json:"ttclid"`
	Ttp        string `json:"ttp"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	Locale     string `json:"locale"`
}

type tiktokPropsWire struct {
	Value    *json.Number `json:"value"`
	Currency string       `json:"currency"`
	Contents []struct {
		ContentID   string       `json:"content_id"`
		ContentType string       `json:"content_type"`
		ContentName string       `json:"content_name"`
		Quantity    *int         `json:"quantity"`
		Price       *json.Number `json:"price"`
	} `json:"contents"`
	ContentType string `json:"content_type"`
	OrderID     string `json:"order_id"`
	Query       string `json:"query"`
}

type tiktokPageWire struct {
	URL      string `json:"url"`
	Referrer string `json:"referrer"`
}

// tiktokEvents are TikTok's standard web events (Events API 1.3).
var tiktokEvents = map[string]bool{
	"AddPaymentInfo": true, "AddToCart": true, "AddToWishlist": true, "ApplicationApproval": true, "ClickButton": true,
	"CompletePayment": true, "CompleteRegistration": true, "Contact": true, "CustomizeProduct": true, "Download": true,
	"FindLocation": true, "InitiateCheckout": true, "Lead": true, "PlaceAnOrder": true, "Purchase": true,
	"Schedule": true, "Search": true, "StartTrial": true, "SubmitApplication": true, "SubmitForm": true,
	"Subscribe": true, "ViewContent": true,
}

func tiktokEnvelope(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "request_id": "capifake-tiktok-req", "data": map[string]any{}})
}

func (s *Server) serveTikTok(w http.ResponseWriter, r *http.Request) {
	switch status, retry := s.injected(); {
	case status == http.StatusTooManyRequests:
		setRetryAfter(w, retry)
		tiktokEnvelope(w, status, 40100, "Too many requests. Please retry in some time.")
		return
	case status != 0:
		tiktokEnvelope(w, status, 50000, "System error.")
		return
	}
	if r.URL.Path != "/open_api/v1.3/event/track/" {
		s.violation(r, "path must be /open_api/v1.3/event/track/")
		tiktokEnvelope(w, http.StatusNotFound, 40400, "Not found")
		return
	}
	tok := r.Header.Get("Access-Token")
	switch {
	case tok == "":
		s.violation(r, "no Access-Token header")
		tiktokEnvelope(w, http.StatusOK, 40104, "Access token is null, you should set it in http header with key Access-Token.")
		return
	case tok != TikTokAccessToken:
		tiktokEnvelope(w, http.StatusOK, 40105, "The access token is invalid or has been revoked.")
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.violation(r, "unreadable body: %v", err)
		tiktokEnvelope(w, http.StatusOK, 40002, "unreadable body")
		return
	}
	if s.raw {
		s.countRaw(max(countArray(body, "data"), 0))
		tiktokEnvelope(w, http.StatusOK, 0, "OK")
		return
	}
	var req tiktokReqWire
	if err := decodeStrict(bytes.NewReader(body), &req); err != nil {
		s.violation(r, "body does not match the Events API 1.3 schema: %v", err)
		tiktokEnvelope(w, http.StatusOK, 40002, "Invalid parameters: "+err.Error())
		return
	}
	if req.EventSource != "web" || req.EventSourceID == "" {
		s.violation(r, "event_source must be web with the pixel code as event_source_id, got %q/%q", req.EventSource, req.EventSourceID)
		tiktokEnvelope(w, http.StatusOK, 40002, "event_source_id is required")
		return
	}
	if req.EventSourceID != TikTokPixelCode {
		tiktokEnvelope(w, http.StatusOK, 40001, "No permission to operate pixel "+req.EventSourceID)
		return
	}
	if len(req.Data) == 0 || len(req.Data) > tiktokMaxBatch {
		s.violation(r, "data has %d events; TikTok takes 1 to %d", len(req.Data), tiktokMaxBatch)
		tiktokEnvelope(w, http.StatusOK, 40002, "data size exceeds the limit")
		return
	}
	raws := rawEvents(body, "data")
	now := s.now()
	acc := make([]Accepted, len(req.Data))
	for i, e := range req.Data {
		if p := s.tiktokProblem(e, now); p != "" {
			s.violation(r, "data[%d]: %s", i, p)
			tiktokEnvelope(w, http.StatusOK, 40002, fmt.Sprintf("data[%d]: %s", i, p))
			return
		}
		if msg, bad := s.eventError(e.EventID); bad {
			tiktokEnvelope(w, http.StatusOK, 40002, fmt.Sprintf("data[%d]: %s", i, msg))
			return
		}
		acc[i] = Accepted{DedupKey: e.EventID, EventID: e.EventID, Name: e.Event, Time: time.Unix(e.EventTime, 0).UTC(), Test: req.TestEventCode != "", JSON: raws[i]}
	}
	s.record(acc)
	tiktokEnvelope(w, http.StatusOK, 0, "OK")
}

func (s *Server) tiktokProblem(e tiktokEventWire, now time.Time) string {
	if !tiktokEvents[e.Event] {
		return fmt.Sprintf("event %q is not a TikTok standard event", e.Event)
	}
	if p := checkSeconds("event_time", e.EventTime); p != "" {
		return p
	}
	t := time.Unix(e.EventTime, 0)
	if now.Sub(t) > tiktokMaxAge {
		return "event_time is more than 28 days in the past"
	}
	if t.Sub(now) > time.Hour {
		return "event_time is in the future"
	}
	u := e.User
	if u == nil {
		return "user is required"
	}
	if p := firstOf(optHashed("user.email", u.Email), optHashed("user.phone", u.Phone), optHashed("user.external_id", u.ExternalID),
		checkIP("user.ip", u.IP), checkClear("user.user_agent", u.UserAgent), checkClear("user.ttclid", u.Ttclid), checkClear("user.ttp", u.Ttp)); p != "" {
		return p
	}
	if p := e.Page; p != nil && !strings.HasPrefix(p.URL, "http") {
		return "page.url must be an absolute URL"
	}
	if p := e.Properties; p != nil {
		if m := s.checkMoney("properties.value", p.Value, p.Currency, true); m != "" {
			return m
		}
		for j, c := range p.Contents {
			if c.ContentID == "" {
				return fmt.Sprintf("properties.contents[%d].content_id is empty", j)
			}
		}
	}
	return ""
}
