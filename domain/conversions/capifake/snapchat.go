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

// Snapchat fake: POST /v3/{pixel_id}/events?access_token=… (or
// …/events/validate). Rules: developers.snap.com/api/marketing-api/Conversions-API
// (UsingTheAPI, Parameters; events at most 37 days old). The batch limit
// (2,000) comes from secondary sources; the success body {status, reason,
// request_id} is the fake's assumption.
const (
	SnapchatPixelID     = "c0ffee00-cafe-4bad-9e11-capifake0001"
	SnapchatAccessToken = "capifake-snap-capi-token-0123"
	snapMaxBatch        = 2000
	snapMaxAge          = 37 * 24 * time.Hour
)

// NewSnapchat starts the Snapchat Conversions API fake; it closes with t.
func NewSnapchat(t testing.TB, opts ...Option) *Server {
	return start(t, platforms.Snapchat, (*Server).serveSnapchat, opts)
}

type snapReqWire struct {
	Data []snapEventWire `json:"data"`
}

type snapEventWire struct {
	EventName      string          `json:"event_name"`
	EventTime      int64           `json:"event_time"`
	EventID        string          `json:"event_id"`
	ActionSource   string          `json:"action_source"`
	EventSourceURL string          `json:"event_source_url"`
	UserData       *snapUserWire   `json:"user_data"`
	CustomData     *snapCustomWire `json:"custom_data"`
	Integration    string          `json:"integration"`
}

type snapUserWire struct {
	Em              []string `json:"em"`
	Ph              []string `json:"ph"`
	Fn              []string `json:"fn"`
	Ln              []string `json:"ln"`
	Ge              []string `json:"ge"`
	Db              []string `json:"db"`
	Ct              []string `json:"ct"`
	St              []string `json:"st"`
	Zp              []string `json:"zp"`
	Country         []string `json:"country"`
	ExternalID      []string `json:"external_id"`
	ClientIPAddress string   `json:"client_ip_address"`
	ClientUserAgent string   `json:"client_user_agent"`
	ScClickID       string   `json:"sc_click_id"`
	ScCookie1       string   `json:"sc_cookie1"`
}

type snapCustomWire struct {
	Value      *json.Number `json:"value"`
	Currency   string       `json:"currency"`
	ContentIDs []string     `json:"content_ids"`
	OrderID    string       `json:"order_id"`
	NumItems   *int         `json:"num_items"`
}

var (
	snapEvents = map[string]bool{"PURCHASE": true, "SAVE": true, "START_CHECKOUT": true, "ADD_CART": true, "VIEW_CONTENT": true,
		"ADD_BILLING": true, "SIGN_UP": true, "SEARCH": true, "PAGE_VIEW": true, "SUBSCRIBE": true, "AD_CLICK": true,
		"AD_VIEW": true, "COMPLETE_TUTORIAL": true, "LEVEL_COMPLETE": true, "INVITE": true, "LOGIN": true, "SHARE": true,
		"RESERVE": true, "ACHIEVEMENT_UNLOCKED": true, "ADD_TO_WISHLIST": true, "SPENT_CREDITS": true, "RATE": true,
		"START_TRIAL": true, "LIST_VIEW": true, "APP_OPEN": true, "CUSTOM_EVENT_1": true, "CUSTOM_EVENT_2": true,
		"CUSTOM_EVENT_3": true, "CUSTOM_EVENT_4": true, "CUSTOM_EVENT_5": true}
	snapActionSources = map[string]bool{"WEB": true, "MOBILE_APP": true, "OFFLINE": true}
)

func snapAnswer(w http.ResponseWriter, status int, st, reason string) {
	writeJSON(w, status, map[string]any{"status": st, "reason": reason, "request_id": "capifake-snap-req"})
}

func (s *Server) serveSnapchat(w http.ResponseWriter, r *http.Request) {
	switch status, retry := s.injected(); {
	case status == http.StatusTooManyRequests:
		setRetryAfter(w, retry)
		snapAnswer(w, status, "RATE_LIMITED", "Too many requests")
		return
	case status != 0:
		snapAnswer(w, status, "INTERNAL_ERROR", "Internal error")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v3/")
	pixel, tail, _ := strings.Cut(rest, "/")
	if !ok || tail != "events" && tail != "events/validate" {
		s.violation(r, "path must be /v3/{pixel_id}/events[/validate]")
		snapAnswer(w, http.StatusNotFound, "INVALID", "Not found")
		return
	}
	tok := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); tok == "" && strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	switch {
	case tok == "":
		s.violation(r, "no access_token")
		snapAnswer(w, http.StatusUnauthorized, "UNAUTHORIZED", "Missing access token")
		return
	case tok != SnapchatAccessToken:
		snapAnswer(w, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid access token")
		return
	case pixel != SnapchatPixelID:
		snapAnswer(w, http.StatusBadRequest, "INVALID", "Unknown pixel id "+pixel)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.violation(r, "unreadable body: %v", err)
		snapAnswer(w, http.StatusBadRequest, "INVALID", "unreadable body")
		return
	}
	if s.raw {
		s.countRaw(max(countArray(body, "data"), 0))
		snapAnswer(w, http.StatusOK, "OK", "")
		return
	}
	var req snapReqWire
	if err := decodeStrict(bytes.NewReader(body), &req); err != nil {
		s.violation(r, "body does not match the CAPI v3 schema: %v", err)
		snapAnswer(w, http.StatusBadRequest, "INVALID", err.Error())
		return
	}
	if len(req.Data) == 0 || len(req.Data) > snapMaxBatch {
		s.violation(r, "data has %d events; Snapchat takes 1 to %d", len(req.Data), snapMaxBatch)
		snapAnswer(w, http.StatusBadRequest, "INVALID", "too many events")
		return
	}
	raws := rawEvents(body, "data")
	now := s.now()
	acc := make([]Accepted, len(req.Data))
	for i, e := range req.Data {
		if p := s.snapProblem(e, now); p != "" {
			s.violation(r, "data[%d]: %s", i, p)
			snapAnswer(w, http.StatusBadRequest, "INVALID", fmt.Sprintf("data[%d]: %s", i, p))
			return
		}
		if msg, bad := s.eventError(e.EventID); bad {
			snapAnswer(w, http.StatusBadRequest, "INVALID", fmt.Sprintf("data[%d]: %s", i, msg))
			return
		}
		acc[i] = Accepted{DedupKey: e.EventID, EventID: e.EventID, Name: e.EventName, Time: time.Unix(e.EventTime, 0).UTC(), Test: tail == "events/validate", JSON: raws[i]}
	}
	s.record(acc)
	snapAnswer(w, http.StatusOK, "OK", "")
}

func (s *Server) snapProblem(e snapEventWire, now time.Time) string {
	if !snapEvents[e.EventName] {
		return fmt.Sprintf("event_name %q is not a Snapchat event", e.EventName)
	}
	if p := checkSeconds("event_time", e.EventTime); p != "" {
		return p
	}
	t := time.Unix(e.EventTime, 0)
	if now.Sub(t) > snapMaxAge {
		return "event_time is more than 37 days in the past"
	}
	if t.Sub(now) > time.Hour {
		return "event_time is in the future"
	}
	if !snapActionSources[e.ActionSource] {
		return fmt.Sprintf("action_source %q is not WEB, MOBILE_APP or OFFLINE", e.ActionSource)
	}
	if e.ActionSource == "WEB" && !strings.HasPrefix(e.EventSourceURL, "http") {
		return "WEB events need an absolute event_source_url"
	}
	u := e.UserData
	if u == nil {
		return "user_data is required"
	}
	if p := firstOf(
		checkHashed("user_data.em", u.Em...), checkHashed("user_data.ph", u.Ph...),
		checkHashed("user_data.fn", u.Fn...), checkHashed("user_data.ln", u.Ln...),
		checkHashed("user_data.ge", u.Ge...), checkHashed("user_data.db", u.Db...),
		checkHashed("user_data.ct", u.Ct...), checkHashed("user_data.st", u.St...),
		checkHashed("user_data.zp", u.Zp...), checkHashed("user_data.country", u.Country...),
		checkHashed("user_data.external_id", u.ExternalID...),
		checkIP("user_data.client_ip_address", u.ClientIPAddress),
		checkClear("user_data.client_user_agent", u.ClientUserAgent),
		checkClear("user_data.sc_click_id", u.ScClickID),
	); p != "" {
		return p
	}
	if c := e.CustomData; c != nil {
		if p := s.checkMoney("custom_data.value", c.Value, c.Currency, true); p != "" {
			return p
		}
	}
	return ""
}
