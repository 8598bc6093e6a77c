package capifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Meta fake: POST /{MetaVersion}/{MetaPixelID}/events.
// Rules: developers.facebook.com/docs/marketing-api/conversions-api
// (parameters/server-event, parameters/customer-information-parameters,
// using-the-api: at most 1,000 events; one event older than 7 days fails
// the whole request).
const (
	MetaVersion     = "v25.0"
	MetaPixelID     = "1234567890123"
	MetaAccessToken = "EAAcapifakeMetaToken0123456789"
	metaMaxBatch    = 1000
	metaMaxAge      = 7 * 24 * time.Hour
)

// NewMeta starts the Meta Conversions API fake; it closes with t.
func NewMeta(t testing.TB, opts ...Option) *Server {
	return start(t, platforms.Meta, (*Server).serveMeta, opts)
}

type metaReqWire struct {
	Data          []metaEventWire `json:"data"`
	TestEventCode string          `json:"test_event_code"`
	AccessToken   string          `json:"access_token"`
	PartnerAgent  string          `json:"partner_agent"`
}

type metaEventWire struct {
	EventName                    string          `json:"event_name"`
	EventTime                    int64           `json:"event_time"`
	EventID                      string          `json:"event_id"`
	ActionSource                 string          `json:"action_source"`
	EventSourceURL               string          `json:"event_source_url"`
	OptOut                       *bool           `json:"opt_out"`
	UserData                     *metaUserWire   `json:"user_data"`
	CustomData                   *metaCustomWire `json:"custom_data"`
	DataProcessingOptions        []string        `json:"data_processing_options"`
	DataProcessingOptionsCountry *int            `json:"data_processing_options_country"`
	DataProcessingOptionsState   *int            `json:"data_processing_options_state"`
}

type metaUserWire struct {
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
	Fbc             string   `json:"fbc"`
	Fbp             string   `json:"fbp"`
}

type metaCustomWire struct {
	Value       *json.Number `json:"value"`
	Currency    string       `json:"currency"`
	ContentIDs  []string     `json:"content_ids"`
	ContentType string       `json:"content_type"`
	OrderID     string       `json:"order_id"`
	NumItems    *int         `json:"num_items"`
}

var (
	metaActionSources = map[string]bool{"website": true, "app": true, "email": true, "phone_call": true, "chat": true,
		"physical_store": true, "system_generated": true, "business_messaging": true, "other": true}
	fbcRE = regexp.MustCompile(`^fb\.[0-9]\.[0-9]{10,16}\.[^\s]+$`)
	fbpRE = regexp.MustCompile(`^fb\.[0-9]\.[0-9]{10,16}\.[0-9]+$`)
)

func metaErr(w http.ResponseWriter, status, code, subcode int, msg, userMsg string) {
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AcapifakeTrace"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	if userMsg != "" {
		e["error_user_msg"] = userMsg
	}
	if status >= 500 || code == 4 {
		e["is_transient"] = true
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func (s *Server) serveMeta(w http.ResponseWriter, r *http.Request) {
	switch status, retry := s.injected(); {
	case status == http.StatusTooManyRequests:
		setRetryAfter(w, retry)
		metaErr(w, status, 4, 0, "(#4) Application request limit reached", "")
		return
	case status != 0:
		metaErr(w, status, 2, 0, "An unexpected error has occurred. Please retry your request later.", "")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+MetaVersion+"/")
	pixel, tail, _ := strings.Cut(rest, "/")
	if !ok || tail != "events" {
		s.violation(r, "path must be /%s/{pixel_id}/events", MetaVersion)
		metaErr(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+r.URL.Path, "")
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.violation(r, "unreadable body: %v", err)
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) Unreadable request body", "")
		return
	}
	if s.raw {
		n := max(countArray(body, "data"), 0)
		s.countRaw(n)
		writeJSON(w, http.StatusOK, map[string]any{"events_received": n, "messages": []string{}, "fbtrace_id": "AcapifakeRaw"})
		return
	}
	var req metaReqWire
	if err := decodeStrict(bytes.NewReader(body), &req); err != nil {
		s.violation(r, "body does not match the Conversions API schema: %v", err)
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) Invalid parameter", err.Error())
		return
	}
	token := req.AccessToken
	if h := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	switch {
	case token == "":
		s.violation(r, "no access token (access_token or Authorization: Bearer)")
		metaErr(w, http.StatusBadRequest, 104, 0, "An access token is required to request this resource.", "")
		return
	case token != MetaAccessToken:
		metaErr(w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token - Cannot parse access token", "")
		return
	case pixel != MetaPixelID:
		metaErr(w, http.StatusBadRequest, 100, 33, fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", pixel), "")
		return
	}
	if len(req.Data) == 0 || len(req.Data) > metaMaxBatch {
		s.violation(r, "data has %d events; Meta takes 1 to %d", len(req.Data), metaMaxBatch)
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) Invalid parameter", fmt.Sprintf("data must hold 1 to %d events", metaMaxBatch))
		return
	}
	raws := rawEvents(body, "data")
	now := s.now()
	acc := make([]Accepted, len(req.Data))
	for i, e := range req.Data {
		if p := s.metaProblem(e, now); p != "" {
			s.violation(r, "data[%d]: %s", i, p)
			metaErr(w, http.StatusBadRequest, 100, 2804003, "(#100) Invalid parameter", fmt.Sprintf("data[%d]: %s", i, p))
			return
		}
		if msg, bad := s.eventError(e.EventID); bad {
			metaErr(w, http.StatusBadRequest, 100, 2804019, "(#100) Invalid parameter", fmt.Sprintf("data[%d]: %s", i, msg))
			return
		}
		acc[i] = Accepted{DedupKey: e.EventID + "\x00" + e.EventName, EventID: e.EventID, Name: e.EventName,
			Time: time.Unix(e.EventTime, 0).UTC(), Test: req.TestEventCode != "", JSON: raws[i]}
	}
	s.record(acc)
	writeJSON(w, http.StatusOK, map[string]any{"events_received": len(acc), "messages": []string{}, "fbtrace_id": "AcapifakeTrace"})
}

// metaProblem applies the server-event and customer-information rules.
func (s *Server) metaProblem(e metaEventWire, now time.Time) string {
	if e.EventName == "" {
		return "event_name is required"
	}
	if p := checkSeconds("event_time", e.EventTime); p != "" {
		return p
	}
	t := time.Unix(e.EventTime, 0)
	if now.Sub(t) > metaMaxAge {
		return "event_time is more than 7 days in the past: the whole request is refused"
	}
	if t.Sub(now) > time.Hour {
		return "event_time is in the future"
	}
	if !metaActionSources[e.ActionSource] {
		return fmt.Sprintf("action_source %q is not a Meta action source", e.ActionSource)
	}
	u := e.UserData
	if u == nil {
		return "user_data is required"
	}
	if e.ActionSource == "website" && (e.EventSourceURL == "" || u.ClientUserAgent == "") {
		return "website events require event_source_url and user_data.client_user_agent"
	}
	if e.EventSourceURL != "" && !strings.HasPrefix(e.EventSourceURL, "http") {
		return "event_source_url must be an absolute URL"
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
	); p != "" {
		return p
	}
	if u.Fbc != "" && !fbcRE.MatchString(u.Fbc) {
		return fmt.Sprintf("user_data.fbc %q is not fb.1.<creation time ms>.<fbclid> (and never hashed)", clip(u.Fbc))
	}
	if u.Fbp != "" && !fbpRE.MatchString(u.Fbp) {
		return fmt.Sprintf("user_data.fbp %q is not fb.1.<creation time ms>.<random> (and never hashed)", clip(u.Fbp))
	}
	matchable := len(u.Em)+len(u.Ph)+len(u.ExternalID) > 0 || u.Fbc != "" || u.Fbp != "" ||
		u.ClientIPAddress != "" && u.ClientUserAgent != "" || len(u.Fn) > 0 && len(u.Ln) > 0
	if !matchable {
		return "user_data has no valid combination of customer information parameters"
	}
	for _, o := range e.DataProcessingOptions {
		if o != "LDU" {
			return fmt.Sprintf("data_processing_options %q: only LDU exists", o)
		}
	}
	if c := e.CustomData; c != nil {
		if p := s.checkMoney("custom_data.value", c.Value, c.Currency, true); p != "" {
			return p
		}
	}
	if e.EventName == "Purchase" && (e.CustomData == nil || e.CustomData.Value == nil || e.CustomData.Currency == "") {
		return "Purchase events require custom_data.value and custom_data.currency"
	}
	return ""
}
