package senders_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/domain/platforms"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// fakes starts the fake of platform.
func fakeOf(t testing.TB, platform string, opts ...capifake.Option) *capifake.Server {
	opts = append([]capifake.Option{capifake.WithClock(clock)}, opts...)
	switch platform {
	case platforms.Meta:
		return capifake.NewMeta(t, opts...)
	case platforms.Google:
		return capifake.NewGoogle(t, opts...)
	case platforms.TikTok:
		return capifake.NewTikTok(t, opts...)
	default:
		return capifake.NewSnapchat(t, opts...)
	}
}

func senderFor(t testing.TB, f *capifake.Server, platform string) conversions.Sender {
	s, ok := senders.New(platform, senders.Config{HTTP: f.Client(), Now: clock})
	if !ok {
		t.Fatalf("no sender for %s", platform)
	}
	return s
}

var names = map[string]string{platforms.Meta: "Purchase", platforms.Google: "Purchase", platforms.TikTok: "CompletePayment", platforms.Snapchat: "PURCHASE"}

// event is a realistic website purchase.
func event(platform string, i int) conversions.Event {
	v := int64(25_990_000)
	return conversions.Event{
		Key: fmt.Sprintf("k%d", i), EventID: fmt.Sprintf("msg-%d", i), SourceEvent: "Order Completed",
		Name: names[platform], Time: now.Add(-time.Duration(i) * time.Minute), ActionSource: "website",
		SourceURL: "https://shop.example/checkout/done",
		User: conversions.UserData{
			Email: " Foo.Bar+x@Example.com ", Phone: "(650) 555-1212", FirstName: "Mary", LastName: "Smith",
			Gender: "f", DateOfBirth: "1990-04-01", City: "Menlo Park", State: "CA", Zip: "94025", Country: "US",
			ExternalID: fmt.Sprintf("user-%d", i), ClientIP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
			Fbc: "fb.1.1764669600000.IwAR2xyz", Fbp: "fb.1.1764669600000.123456789", Gclid: "Cj0KCQiA-capifake",
			TTclid: "E.C.P.capifake", TTp: "2F7h37YkS1j57AYSKTI7IHhJPYH", ScClickID: "sc-click-1", ScCookie1: "sc-cookie-1",
		},
		ValueMicros: &v, Currency: "USD", ContentIDs: []string{"507f1f77", "505bd767"}, OrderID: fmt.Sprintf("order-%d", i),
	}
}

func batch(platform string, n int) []conversions.Event {
	evs := make([]conversions.Event, n)
	for i := range evs {
		evs[i] = event(platform, i)
	}
	return evs
}

func TestSendersAgainstFakes(t *testing.T) {
	t.Parallel()
	for _, p := range conversions.Platforms {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			f := fakeOf(t, p)
			s := senderFor(t, f, p)
			evs := batch(p, 25)
			for _, e := range evs {
				if r := s.Check(e, now); r != "" {
					t.Fatalf("Check refused a good event: %s", r)
				}
			}
			res, err := s.Send(context.Background(), f.Destination(), evs)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(res.Outcomes) != len(evs) || res.HTTPStatus != 200 {
				t.Fatalf("result: %+v", res)
			}
			for i, o := range res.Outcomes {
				if o.Status != conversions.StatusSent || o.Key != evs[i].Key {
					t.Fatalf("outcome %d: %+v", i, o)
				}
			}
			if got := len(f.Accepted()); got != len(evs) {
				t.Fatalf("fake accepted %d, want %d", got, len(evs))
			}
			// Sending the same batch again is deduplicated by the platform key.
			if _, err := s.Send(context.Background(), f.Destination(), evs); err != nil {
				t.Fatal(err)
			}
			if len(f.Accepted()) != len(evs) || f.Duplicates() != len(evs) {
				t.Fatalf("dedup: accepted %d, duplicates %d", len(f.Accepted()), f.Duplicates())
			}
			if len(f.Errors()) != 0 {
				t.Fatalf("violations: %v", f.Errors())
			}
		})
	}
}

// TestOrderCompletedToMetaPurchase: a Segment "Order Completed" with an
// email trait reaches Meta as a Purchase whose user_data.em[0] is the
// SHA-256 of the normalised email.
func TestOrderCompletedToMetaPurchase(t *testing.T) {
	t.Parallel()
	f := fakeOf(t, platforms.Meta)
	s := senderFor(t, f, platforms.Meta)
	ev := conversions.CDPEvent{
		MessageID: "ajs-next-1764669600-1", Type: "track", Event: "Order Completed", UserID: "u-1", Timestamp: now.Add(-time.Minute),
		Properties: json.RawMessage(`{"order_id":"o-77","revenue":"42.50","currency":"eur","products":[{"product_id":"p-1"}]}`),
		Context: json.RawMessage(`{"ip":"198.51.100.4","userAgent":"Mozilla/5.0","page":{"url":"https://shop.example/thanks"},
			"traits":{"email":" Foo.Bar+x@Example.com "}}`),
	}
	e, ok, reason := conversions.Map(platforms.Meta, nil, ev)
	if !ok || reason != "" {
		t.Fatalf("Map: ok=%v reason=%q", ok, reason)
	}
	if r := s.Check(e, now); r != "" {
		t.Fatalf("Check: %s", r)
	}
	if _, err := s.Send(context.Background(), f.Destination(), []conversions.Event{e}); err != nil {
		t.Fatal(err)
	}
	got := f.Accepted()
	if len(got) != 1 || got[0].Name != "Purchase" || got[0].EventID != "ajs-next-1764669600-1" {
		t.Fatalf("accepted: %+v", got)
	}
	var wire struct {
		UserData struct {
			Em []string `json:"em"`
		} `json:"user_data"`
		CustomData struct {
			Value    json.Number `json:"value"`
			Currency string      `json:"currency"`
		} `json:"custom_data"`
	}
	if err := json.Unmarshal(got[0].JSON, &wire); err != nil {
		t.Fatal(err)
	}
	want := match.SHA256Hex("foo.bar+x@example.com")
	if len(wire.UserData.Em) != 1 || wire.UserData.Em[0] != want {
		t.Fatalf("user_data.em = %v, want [%s]", wire.UserData.Em, want)
	}
	if wire.CustomData.Value.String() != "42.50" || wire.CustomData.Currency != "EUR" {
		t.Fatalf("custom_data: %+v", wire.CustomData)
	}
}

func TestWireDetails(t *testing.T) {
	t.Parallel()
	type check struct {
		platform string
		wants    []string // substrings of the accepted event's JSON
		not      []string
	}
	em := match.SHA256Hex("foo.bar+x@example.com")
	checks := []check{
		{platforms.Meta, []string{`"em":["` + em, `"ph":["` + match.SHA256Hex("16505551212"), `"client_ip_address":"203.0.113.7"`,
			`"fbc":"fb.1.1764669600000.IwAR2xyz"`, `"value":25.99`, `"content_type":"product"`, `"event_time":` + fmt.Sprint(now.Unix())}, []string{"access_token", "Mozilla/5.0 (X11; Linux x86_64)\"x"}},
		{platforms.Google, []string{`"hashedEmail":"` + em, `"hashedPhoneNumber":"` + match.SHA256Hex("+16505551212"), `"city":"menlopark"`,
			`"countryCode":"US"`, `"postalCode":"94025"`, `"gclid":"Cj0KCQiA-capifake"`, `"conversionDateTime":"2026-12-02 12:00:00+00:00"`, `"conversionValue":25.99`, `"orderId":"order-0"`}, nil},
		{platforms.TikTok, []string{`"email":"` + em, `"phone":"` + match.SHA256Hex("+16505551212"), `"ip":"203.0.113.7"`, `"ttclid":"E.C.P.capifake"`, `"content_id":"507f1f77"`, `"url":"https://shop.example/checkout/done"`}, nil},
		{platforms.Snapchat, []string{`"em":["` + em, `"ph":["` + match.SHA256Hex("16505551212"), `"action_source":"WEB"`, `"sc_click_id":"sc-click-1"`, `"sc_cookie1":"sc-cookie-1"`}, nil},
	}
	for _, c := range checks {
		f := fakeOf(t, c.platform)
		s := senderFor(t, f, c.platform)
		if _, err := s.Send(context.Background(), f.Destination(), batch(c.platform, 1)); err != nil {
			t.Fatal(err)
		}
		acc := f.Accepted()
		if len(acc) != 1 {
			t.Fatalf("%s: accepted %d", c.platform, len(acc))
		}
		j := string(acc[0].JSON)
		for _, w := range c.wants {
			if !strings.Contains(j, w) {
				t.Errorf("%s: %s lacks %s", c.platform, j, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(j, w) {
				t.Errorf("%s: %s contains %s", c.platform, j, w)
			}
		}
	}
}

func TestLimitedDataUseAndTestCode(t *testing.T) {
	t.Parallel()
	f := fakeOf(t, platforms.Meta)
	s := senderFor(t, f, platforms.Meta)
	d := f.Destination()
	d.LimitedDataUse = true
	if _, err := s.Send(context.Background(), d, batch(platforms.Meta, 1)); err != nil {
		t.Fatal(err)
	}
	if j := string(f.Accepted()[0].JSON); !strings.Contains(j, `"data_processing_options":["LDU"],"data_processing_options_country":0,"data_processing_options_state":0`) {
		t.Errorf("LDU missing: %s", j)
	}
	// A test code marks the request as a test: the fake does not record it.
	d.TestEventCode = "TEST123"
	evs := batch(platforms.Meta, 3)
	evs[0].EventID = "another"
	if _, err := s.Send(context.Background(), d, evs); err != nil {
		t.Fatal(err)
	}
	if len(f.Accepted()) != 1 || f.Count() != 4 {
		t.Errorf("test events recorded: accepted %d count %d", len(f.Accepted()), f.Count())
	}
}

func TestRetryableAnswers(t *testing.T) {
	t.Parallel()
	for _, p := range conversions.Platforms {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			f := fakeOf(t, p)
			s := senderFor(t, f, p)
			evs := batch(p, 3)
			f.RateLimitNext(1, 7*time.Second)
			res, err := s.Send(context.Background(), f.Destination(), evs)
			var te *senders.TransientError
			if !errors.As(err, &te) || te.RetryAfter != 7*time.Second || res.RetryAfter != 7*time.Second || te.Status != 429 {
				t.Fatalf("429: err=%v res=%+v", err, res)
			}
			f.FailNext(1, 503)
			if _, err := s.Send(context.Background(), f.Destination(), evs); !errors.As(err, &te) || te.Status != 503 {
				t.Fatalf("503: %v", err)
			}
			if len(f.Accepted()) != 0 {
				t.Fatal("events accepted on a failed request")
			}
			// Positive control: the next request goes through.
			if res, err := s.Send(context.Background(), f.Destination(), evs); err != nil || res.Outcomes[0].Status != conversions.StatusSent {
				t.Fatalf("after retry: %v %+v", err, res)
			}
		})
	}
}

func TestPerEventErrors(t *testing.T) {
	t.Parallel()
	for _, p := range conversions.Platforms {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			f := fakeOf(t, p)
			s := senderFor(t, f, p)
			evs := batch(p, 3)
			id := evs[1].EventID
			if p == platforms.Google {
				id = evs[1].OrderID
			}
			f.FailEvent(id, "the click was not found")
			res, err := s.Send(context.Background(), f.Destination(), evs)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range res.Outcomes {
				failed := o.Status == conversions.StatusFailed && strings.Contains(o.Message, "the click was not found")
				// Google fails the one conversion; the others refuse the
				// whole request.
				wantFailed := p != platforms.Google || i == 1
				if failed != wantFailed {
					t.Errorf("outcome %d: %+v (want failed=%v)", i, o, wantFailed)
				}
			}
			if p == platforms.Google {
				if len(f.Accepted()) != 2 || res.Outcomes[1].Code != "conversionUploadError.CLICK_NOT_FOUND" {
					t.Errorf("partial failure: accepted %d, %+v", len(f.Accepted()), res.Outcomes[1])
				}
			} else if len(f.Accepted()) != 0 {
				t.Errorf("accepted %d on a refused request", len(f.Accepted()))
			}
		})
	}
}

func TestCredentialsNeverLeak(t *testing.T) {
	t.Parallel()
	for _, p := range conversions.Platforms {
		f := fakeOf(t, p)
		s := senderFor(t, f, p)
		d := f.Destination()
		secret := "SuperSecretToken/with+chars=="
		d.Credentials["accessToken"] = secret
		// A wrong token: the platform's refusal, without the token.
		res, err := s.Send(context.Background(), d, batch(p, 1))
		text := fmt.Sprintf("%v %+v", err, res)
		if strings.Contains(text, "SuperSecret") || strings.Contains(text, "SuperSecretToken%2F") {
			t.Errorf("%s leaks the token: %s", p, text)
		}
		if err == nil && res.Outcomes[0].Status != conversions.StatusFailed {
			t.Errorf("%s: wrong token accepted: %+v", p, res)
		}
		// A network failure (nothing listens): the error has no token, even
		// where it rides in the URL (Snapchat).
		d.BaseURL = "http://127.0.0.1:1"
		res, err = s.Send(context.Background(), d, batch(p, 1))
		var te *senders.TransientError
		if !errors.As(err, &te) {
			t.Fatalf("%s: network failure not transient: %v", p, err)
		}
		if text := err.Error() + res.Summary; strings.Contains(text, "SuperSecret") || strings.Contains(text, "SuperSecretToken%2F") {
			t.Errorf("%s leaks the token on a network error: %s", p, text)
		}
		// Missing credentials: every event failed, named keys only.
		d.Credentials = map[string]string{}
		res, err = s.Send(context.Background(), d, batch(p, 1))
		if err != nil || res.Outcomes[0].Status != conversions.StatusFailed || !strings.Contains(res.Outcomes[0].Message, "accessToken") {
			t.Errorf("%s missing credentials: %v %+v", p, err, res)
		}
	}
}

func TestChecks(t *testing.T) {
	t.Parallel()
	meta := senders.NewMeta(senders.Config{})
	google := senders.NewGoogle(senders.Config{})
	tiktok := senders.NewTikTok(senders.Config{})
	snap := senders.NewSnapchat(senders.Config{})
	mod := func(p string, f func(*conversions.Event)) conversions.Event {
		e := event(p, 0)
		f(&e)
		return e
	}
	cases := []struct {
		s    conversions.Sender
		e    conversions.Event
		want string
	}{
		{meta, mod(platforms.Meta, func(e *conversions.Event) { e.Time = now.Add(-7*24*time.Hour - time.Minute) }), "Meta accepts events up to 7 days"},
		{meta, mod(platforms.Meta, func(e *conversions.Event) { e.Time = now.Add(2 * time.Hour) }), "in the future"},
		{meta, mod(platforms.Meta, func(e *conversions.Event) { e.SourceURL = "" }), "event_source_url"},
		{meta, mod(platforms.Meta, func(e *conversions.Event) { e.User.UserAgent = "" }), "client_user_agent"},
		{meta, mod(platforms.Meta, func(e *conversions.Event) { e.ActionSource = "web" }), "action_source"},
		{meta, mod(platforms.Meta, func(e *conversions.Event) { e.Currency = "" }), "value and currency"},
		{meta, mod(platforms.Meta, func(e *conversions.Event) {
			e.ActionSource = "other"
			e.User = conversions.UserData{Email: "not an email", ClientIP: "203.0.113.7"}
		}), "no customer information"},
		{google, mod(platforms.Google, func(e *conversions.Event) { e.Time = now.Add(-91 * 24 * time.Hour) }), "90 days"},
		{google, mod(platforms.Google, func(e *conversions.Event) { e.User = conversions.UserData{FirstName: "Mary"} }), "click id"},
		{tiktok, mod(platforms.TikTok, func(e *conversions.Event) { e.Time = now.Add(-29 * 24 * time.Hour) }), "28 days"},
		{tiktok, mod(platforms.TikTok, func(e *conversions.Event) { e.User = conversions.UserData{ClientIP: "203.0.113.7"} }), "no customer information"},
		{snap, mod(platforms.Snapchat, func(e *conversions.Event) { e.Time = now.Add(-38 * 24 * time.Hour) }), "37 days"},
		{snap, mod(platforms.Snapchat, func(e *conversions.Event) { e.SourceURL = "" }), "event_source_url"},
	}
	for _, c := range cases {
		if got := c.s.Check(c.e, now); !strings.Contains(got, c.want) {
			t.Errorf("%s: Check = %q, want %q", c.s.Platform(), got, c.want)
		}
	}
	// Positive controls: the unmodified events pass, and Google takes an
	// email without a click id (enhanced conversions for leads).
	for _, s := range []conversions.Sender{meta, google, tiktok, snap} {
		if r := s.Check(event(s.Platform(), 0), now); r != "" {
			t.Errorf("%s control: %s", s.Platform(), r)
		}
	}
	if r := google.Check(mod(platforms.Google, func(e *conversions.Event) { e.User = conversions.UserData{Email: "a@b.co"} }), now); r != "" {
		t.Errorf("google email only: %s", r)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	want := map[string][2]any{
		platforms.Meta: {1000, 7 * 24 * time.Hour}, platforms.Google: {2000, 90 * 24 * time.Hour},
		platforms.TikTok: {1000, 28 * 24 * time.Hour}, platforms.Snapchat: {2000, 37 * 24 * time.Hour},
	}
	for p, w := range want {
		s, _ := senders.New(p, senders.Config{})
		if s.MaxBatch() != w[0].(int) || s.MaxAge() != w[1].(time.Duration) || s.Platform() != p {
			t.Errorf("%s: %d %s", p, s.MaxBatch(), s.MaxAge())
		}
	}
	if _, ok := senders.New("SIMULATOR", senders.Config{}); ok {
		t.Error("a sender for SIMULATOR")
	}
}

// recorder is a testing.TB whose Errorf records instead of failing: the
// negative controls below prove the fakes fail a test on a malformed
// request.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func TestBenchmarkBaselineRawMode(t *testing.T) {
	t.Parallel()
	for _, p := range conversions.Platforms {
		f := fakeOf(t, p, capifake.Raw())
		s := senderFor(t, f, p)
		if res, err := s.Send(context.Background(), f.Destination(), batch(p, 10)); err != nil || res.Outcomes[9].Status != conversions.StatusSent {
			t.Fatalf("%s raw: %v %+v", p, err, res)
		}
		if f.Count() != 10 || len(f.Accepted()) != 0 {
			t.Errorf("%s raw: count %d accepted %d", p, f.Count(), len(f.Accepted()))
		}
	}
}
