package senders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/platforms"
)

// Meta's Dataset Quality API (formerly Integration Quality API): the event
// match quality Meta itself computes for a pixel (a "dataset"), per web
// event.
//
//	GET {base}/{version}/dataset_quality?dataset_id={pixel_id}&fields=web{…}
//
// https://developers.facebook.com/docs/marketing-api/conversions-api/dataset-quality-api
// The answer's root is "web", one entry per event name:
//
//	{"web": [{"event_name": "Purchase", "event_match_quality": {"composite_score": 6.2,
//	  "match_key_feedback": [{"identifier": "email", "coverage": {"percentage": 95}}]}}]}
//
// composite_score is Meta's EMQ on its 0–10 scale. The token needs access
// to the pixel (a system user with the pixel assigned, as for sending);
// one that may send events may still lack the permission to read their
// quality, which Meta answers with an error like any other. agent_name
// (only the events a partner sent with that partner_agent) is not sent:
// Stratum's events carry no partner_agent, so the filter would hide them.
const (
	// MetaQualityFields are the fields asked for.
	MetaQualityFields = "web{event_name,event_match_quality{composite_score,match_key_feedback{identifier,coverage{percentage}}}}"
	// MetaQualityMaxEvents bounds the events kept of one answer.
	MetaQualityMaxEvents = 500
)

// EventQuality is a platform's own match quality of one event name.
type EventQuality struct {
	EventName string
	// Score is the platform's composite score, 0–10.
	Score float64
	// MatchKeys is, per match key the platform names (email, phone, …),
	// the share (%) of events carrying it; nil when it reported none.
	MatchKeys map[string]float64
}

// QualityError is a failed quality fetch: what the platform said (or why
// nothing was asked), never a credential.
type QualityError struct {
	Platform string
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Code is the platform's error code ("190", "100/33"), when it gave one.
	Code    string
	Message string
	// Transient: worth asking again soon (network, 429, 5xx, rate limits).
	Transient  bool
	RetryAfter time.Duration
}

func (e *QualityError) Error() string {
	var b strings.Builder
	b.WriteString(strings.ToLower(e.Platform))
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ", code %s", e.Code)
	}
	return b.String() + ": " + e.Message
}

// MetaQuality reads Meta's Dataset Quality API with a META destination's
// credentials (pixelId, accessToken) and base URL.
type MetaQuality struct{ c Config }

// NewMetaQuality returns the Dataset Quality client.
func NewMetaQuality(c Config) *MetaQuality { return &MetaQuality{c: c.withDefaults()} }

type metaQualityAnswer struct {
	Web []struct {
		EventName         string `json:"event_name"`
		EventMatchQuality *struct {
			CompositeScore   *float64 `json:"composite_score"`
			MatchKeyFeedback []struct {
				Identifier string `json:"identifier"`
				Coverage   *struct {
					Percentage *float64 `json:"percentage"`
				} `json:"coverage"`
			} `json:"match_key_feedback"`
		} `json:"event_match_quality"`
	} `json:"web"`
	Error *metaGraphError `json:"error"`
}

type metaGraphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserMsg     string `json:"error_user_msg"`
	IsTransient bool   `json:"is_transient"`
	FBTraceID   string `json:"fbtrace_id"`
}

// DatasetQuality fetches d's pixel's event match quality per event. Events
// Meta reports without a composite score (too few events to score) are
// left out. Errors are *QualityError.
func (m *MetaQuality) DatasetQuality(ctx context.Context, d conversions.Destination) ([]EventQuality, error) {
	creds, missing := need(d, "pixelId", "accessToken")
	if missing != "" {
		return nil, &QualityError{Platform: platforms.Meta, Message: missing}
	}
	pixel, token := creds[0], creds[1]
	if !onlyDigits(pixel) {
		return nil, &QualityError{Platform: platforms.Meta, Message: "pixelId must be digits"}
	}
	secrets := []string{token}
	q := url.Values{"dataset_id": {pixel}, "fields": {MetaQualityFields}}
	u := baseURL(d, MetaBaseURL) + "/" + MetaVersion + "/dataset_quality?" + q.Encode()
	resp, err := m.get(ctx, u, token, secrets)
	if err != nil {
		return nil, err
	}
	var a metaQualityAnswer
	decodeErr := json.Unmarshal(resp.body, &a)
	if resp.status != http.StatusOK || a.Error != nil {
		return nil, m.failure(resp, a.Error, secrets)
	}
	if decodeErr != nil {
		return nil, &QualityError{Platform: platforms.Meta, Status: resp.status, Message: "the answer is not Dataset Quality JSON"}
	}
	out := make([]EventQuality, 0, min(len(a.Web), MetaQualityMaxEvents))
	for _, w := range a.Web {
		if len(out) == MetaQualityMaxEvents {
			break
		}
		emq := w.EventMatchQuality
		if w.EventName == "" || emq == nil || emq.CompositeScore == nil {
			continue
		}
		s := *emq.CompositeScore
		if math.IsNaN(s) || s < 0 || s > 10 {
			continue
		}
		e := EventQuality{EventName: w.EventName, Score: s}
		for _, k := range emq.MatchKeyFeedback {
			if k.Identifier == "" || k.Coverage == nil || k.Coverage.Percentage == nil {
				continue
			}
			if e.MatchKeys == nil {
				e.MatchKeys = map[string]float64{}
			}
			e.MatchKeys[clipKey(k.Identifier)] = *k.Coverage.Percentage
		}
		out = append(out, e)
	}
	return out, nil
}

// get makes the GET with the token in the Authorization header (never in
// the URL, which proxies and logs keep).
func (m *MetaQuality) get(ctx context.Context, u, token string, secrets []string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return response{}, &QualityError{Platform: platforms.Meta, Message: scrub("bad base URL: "+err.Error(), secrets)}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := m.c.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return response{}, &QualityError{Platform: platforms.Meta, Message: scrub(err.Error(), secrets), Transient: true}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return response{}, &QualityError{Platform: platforms.Meta, Status: resp.StatusCode, Transient: true,
			Message: scrub("reading the response: "+err.Error(), secrets)}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// failure turns a refused request into a QualityError in Meta's words.
func (m *MetaQuality) failure(resp response, e *metaGraphError, secrets []string) *QualityError {
	qe := &QualityError{Platform: platforms.Meta, Status: resp.status, Message: fmt.Sprintf("HTTP %d", resp.status)}
	if e != nil {
		qe.Message = scrub(clip(e.Message), secrets)
		if e.UserMsg != "" {
			qe.Message += ": " + scrub(clip(e.UserMsg), secrets)
		}
		qe.Code = fmt.Sprint(e.Code)
		if e.Subcode != 0 {
			qe.Code += "/" + fmt.Sprint(e.Subcode)
		}
		qe.Transient = e.IsTransient || metaRetryCodes[e.Code]
	}
	if resp.status == http.StatusTooManyRequests || resp.status >= 500 {
		qe.Transient = true
	}
	if qe.Transient {
		qe.RetryAfter = retryAfter(resp.header, m.c.Now())
	}
	return qe
}

// clipKey bounds a match key's name kept from an answer.
func clipKey(k string) string {
	if len(k) > 64 {
		return k[:64]
	}
	return k
}
