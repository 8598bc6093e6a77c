package senders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
)

// wireEvent is one event as the sender put it on the wire (taken from a
// fake that accepted it), decoded for mutation.
func wireEvent(t *testing.T, p string) map[string]any {
	t.Helper()
	f := fakeOf(t, p)
	if _, err := senderFor(t, f, p).Send(context.Background(), f.Destination(), batch(p, 1)); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(f.Accepted()[0].JSON, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// request is a hand-built request to a fake: body and auth as the
// platform wants them unless a case changes them.
type request struct {
	body   map[string]any
	header http.Header
	query  string
}

func validRequest(t *testing.T, p string) request {
	ev := wireEvent(t, p)
	h := http.Header{}
	switch p {
	case platforms.Meta:
		return request{body: map[string]any{"data": []any{ev}, "access_token": capifake.MetaAccessToken}, header: h}
	case platforms.Google:
		h.Set("Authorization", "Bearer "+capifake.GoogleAccessToken)
		h.Set("developer-token", capifake.GoogleDeveloperToken)
		return request{body: map[string]any{"conversions": []any{ev}, "partialFailure": true}, header: h}
	case platforms.TikTok:
		h.Set("Access-Token", capifake.TikTokAccessToken)
		return request{body: map[string]any{"event_source": "web", "event_source_id": capifake.TikTokPixelCode, "data": []any{ev}}, header: h}
	default:
		return request{body: map[string]any{"data": []any{ev}}, header: h, query: "access_token=" + capifake.SnapchatAccessToken}
	}
}

func endpoint(f *capifake.Server, p string) string {
	switch p {
	case platforms.Meta:
		return f.URL() + "/" + capifake.MetaVersion + "/" + capifake.MetaPixelID + "/events"
	case platforms.Google:
		return f.URL() + "/" + capifake.GoogleVersion + "/customers/" + capifake.GoogleCustomerID + ":uploadClickConversions"
	case platforms.TikTok:
		return f.URL() + "/open_api/v1.3/event/track/"
	default:
		return f.URL() + "/v3/" + capifake.SnapchatPixelID + "/events"
	}
}

func (rq request) send(t *testing.T, f *capifake.Server, p string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(rq.body)
	u := endpoint(f, p)
	if rq.query != "" {
		u += "?" + rq.query
	}
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	req.Header = rq.header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// set writes v at a dot path ("data.0.user_data.em"); numeric keys index
// arrays.
func set(m map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	var cur any = m
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if v == nil {
					delete(c, k)
				} else {
					c[k] = v
				}
				return
			}
			cur = c[k]
		case []any:
			n, _ := strconv.Atoi(k)
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		}
	}
}

func get(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			n, _ := strconv.Atoi(k)
			cur = c[n]
		}
	}
	return cur
}

func copies(ev any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = ev
	}
	return out
}

// TestFakesRejectMalformedRequests proves each fake fails the test (via
// the TB it was given) and answers the platform's error on a malformed
// request; the control sends the untouched request through the same fake
// and transport.
func TestFakesRejectMalformedRequests(t *testing.T) {
	t.Parallel()
	sha := match.SHA256Hex("anything")
	stale := now.Add(-8 * 24 * time.Hour).Unix()
	cases := []struct {
		platform string
		name     string
		mutate   func(*request)
		want     string // in the recorded failure
	}{
		{platforms.Meta, "control", func(*request) {}, ""},
		{platforms.Meta, "unhashed email", func(r *request) { set(r.body, "data.0.user_data.em", []any{"foo.bar+x@example.com"}) }, "user_data.em must be a SHA-256"},
		{platforms.Meta, "upper-case digest", func(r *request) {
			set(r.body, "data.0.user_data.ph", []any{strings.ToUpper(get(r.body, "data.0.user_data.ph.0").(string))})
		}, "user_data.ph must be a SHA-256"},
		{platforms.Meta, "hashed IP", func(r *request) { set(r.body, "data.0.user_data.client_ip_address", sha) }, "client_ip_address must be an IPv4"},
		{platforms.Meta, "hashed user agent", func(r *request) { set(r.body, "data.0.user_data.client_user_agent", sha) }, "client_user_agent must be sent in clear"},
		{platforms.Meta, "hashed fbc", func(r *request) { set(r.body, "data.0.user_data.fbc", sha) }, "user_data.fbc"},
		{platforms.Meta, "value in micros", func(r *request) { set(r.body, "data.0.custom_data.value", 25990000) }, "not micros or cents"},
		{platforms.Meta, "float noise", func(r *request) { set(r.body, "data.0.custom_data.value", json.Number("25.990000000000002")) }, "float noise"},
		{platforms.Meta, "lower-case currency", func(r *request) { set(r.body, "data.0.custom_data.currency", "usd") }, "ISO 4217"},
		{platforms.Meta, "unknown field", func(r *request) { set(r.body, "data.0.user_data.email", "x") }, "unknown field"},
		{platforms.Meta, "stale event", func(r *request) { set(r.body, "data.0.event_time", stale) }, "more than 7 days"},
		{platforms.Meta, "milliseconds", func(r *request) { set(r.body, "data.0.event_time", now.UnixMilli()) }, "not a Unix time in seconds"},
		{platforms.Meta, "website without user agent", func(r *request) { set(r.body, "data.0.user_data.client_user_agent", nil) }, "client_user_agent"},
		{platforms.Meta, "no access token", func(r *request) { set(r.body, "access_token", nil) }, "no access token"},
		{platforms.Meta, "batch over 1000", func(r *request) { set(r.body, "data", copies(get(r.body, "data.0"), 1001)) }, "1001 events"},
		{platforms.Google, "control", func(*request) {}, ""},
		{platforms.Google, "unhashed email", func(r *request) { set(r.body, "conversions.0.userIdentifiers.0.hashedEmail", "foo@example.com") }, "hashedEmail must be a SHA-256"},
		{platforms.Google, "hashed city", func(r *request) { set(r.body, "conversions.0.userIdentifiers.2.addressInfo.city", sha) }, "addressInfo.city must be sent in clear"},
		{platforms.Google, "hashed gclid", func(r *request) { set(r.body, "conversions.0.gclid", sha) }, "click id must be sent in clear"},
		{platforms.Google, "two click ids", func(r *request) { set(r.body, "conversions.0.gbraid", "gb-1") }, "at most one of gclid"},
		{platforms.Google, "ISO date time", func(r *request) { set(r.body, "conversions.0.conversionDateTime", "2026-12-02T12:00:00Z") }, "yyyy-mm-dd hh:mm:ss"},
		{platforms.Google, "value in micros", func(r *request) { set(r.body, "conversions.0.conversionValue", 25990000) }, "not micros"},
		{platforms.Google, "no partial failure", func(r *request) { set(r.body, "partialFailure", false) }, "partialFailure must be true"},
		{platforms.Google, "no developer token", func(r *request) { r.header.Del("developer-token") }, "developer-token"},
		{platforms.Google, "snake_case field", func(r *request) { set(r.body, "conversions.0.order_id", "x") }, "unknown field"},
		{platforms.Google, "batch over 2000", func(r *request) { set(r.body, "conversions", copies(get(r.body, "conversions.0"), 2001)) }, "2001 entries"},
		{platforms.TikTok, "control", func(*request) {}, ""},
		{platforms.TikTok, "unhashed email", func(r *request) { set(r.body, "data.0.user.email", "foo@example.com") }, "user.email must be a SHA-256"},
		{platforms.TikTok, "hashed ip", func(r *request) { set(r.body, "data.0.user.ip", sha) }, "user.ip must be an IPv4"},
		{platforms.TikTok, "hashed ttclid", func(r *request) { set(r.body, "data.0.user.ttclid", sha) }, "user.ttclid must be sent in clear"},
		{platforms.TikTok, "value in cents", func(r *request) { set(r.body, "data.0.properties.value", 2599000000) }, "not micros or cents"},
		{platforms.TikTok, "Meta's event name", func(r *request) { set(r.body, "data.0.event", "Purchased") }, "not a TikTok standard event"},
		{platforms.TikTok, "no access token", func(r *request) { r.header.Del("Access-Token") }, "no Access-Token"},
		{platforms.TikTok, "unknown field", func(r *request) { set(r.body, "data.0.user.emails", "x") }, "unknown field"},
		{platforms.TikTok, "stale", func(r *request) { set(r.body, "data.0.event_time", now.Add(-29*24*time.Hour).Unix()) }, "28 days"},
		{platforms.Snapchat, "control", func(*request) {}, ""},
		{platforms.Snapchat, "unhashed phone", func(r *request) { set(r.body, "data.0.user_data.ph", []any{"16505551212"}) }, "user_data.ph must be a SHA-256"},
		{platforms.Snapchat, "hashed click id", func(r *request) { set(r.body, "data.0.user_data.sc_click_id", sha) }, "sc_click_id must be sent in clear"},
		{platforms.Snapchat, "milliseconds", func(r *request) { set(r.body, "data.0.event_time", now.UnixMilli()) }, "not a Unix time in seconds"},
		{platforms.Snapchat, "Meta's action source", func(r *request) { set(r.body, "data.0.action_source", "website") }, "not WEB"},
		{platforms.Snapchat, "no access token", func(r *request) { r.query = "" }, "no access_token"},
		{platforms.Snapchat, "stale", func(r *request) { set(r.body, "data.0.event_time", now.Add(-38*24*time.Hour).Unix()) }, "37 days"},
	}
	for _, c := range cases {
		t.Run(c.platform+"/"+c.name, func(t *testing.T) {
			rq := validRequest(t, c.platform)
			c.mutate(&rq)
			rec := &recorder{TB: t}
			f := fakeOf(rec, c.platform)
			status, body := rq.send(t, f, c.platform)
			fails := rec.failures()
			accepted := status == 200 && !strings.Contains(body, `"partialFailureError"`) && (c.platform != platforms.TikTok || strings.Contains(body, `"code":0`))
			if c.want == "" {
				if len(fails) != 0 || !accepted || len(f.Accepted()) != 1 {
					t.Fatalf("control refused: %d %s %v", status, body, fails)
				}
				return
			}
			if len(fails) == 0 || !strings.Contains(strings.Join(fails, "\n"), c.want) {
				t.Fatalf("fake did not fail the test with %q; failures: %v", c.want, fails)
			}
			if accepted || len(f.Accepted()) != 0 {
				t.Fatalf("malformed request accepted: %d %s", status, body)
			}
		})
	}
}

// TestLenientRecordsViolations: Lenient keeps violations in Errors without
// failing the test.
func TestLenientRecordsViolations(t *testing.T) {
	t.Parallel()
	rq := validRequest(t, platforms.Meta)
	set(rq.body, "data.0.user_data.em", []any{"plain@example.com"})
	f := fakeOf(t, platforms.Meta, capifake.Lenient())
	status, body := rq.send(t, f, platforms.Meta)
	if status != 400 || !strings.Contains(body, `"code":100`) || len(f.Errors()) != 1 {
		t.Fatalf("%d %s %v", status, body, f.Errors())
	}
}
