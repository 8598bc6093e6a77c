package conversions_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
)

var ts = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func orderCompleted() conversions.CDPEvent {
	return conversions.CDPEvent{
		MessageID: "msg-1", Type: "track", Event: "Order Completed", UserID: "user_42", Timestamp: ts,
		Properties: json.RawMessage(`{"order_id":"50314b8e","total":27.5,"revenue":25.00,"currency":"usd",
			"products":[{"product_id":"507f1f77","sku":"45790-32"},{"product_id":"505bd76785ebb509fc183733","sku":"46493-32"}]}`),
		Context: json.RawMessage(`{"ip":"203.0.113.7","userAgent":"Mozilla/5.0","library":{"name":"analytics.js"},
			"traits":{"email":" Foo.Bar+x@Example.com ","phone":"+1 650 555 1212","firstName":"Mary","last_name":"Smith",
			"address":{"city":"Menlo Park","state":"CA","postalCode":"94025","country":"US"}},
			"page":{"url":"https://shop.example/checkout/done?fbclid=IwAR2xyz&gclid=Cj0KCQ","search":"?fbclid=IwAR2xyz&gclid=Cj0KCQ"}}`),
	}
}

func TestMapOrderCompleted(t *testing.T) {
	t.Parallel()
	want := map[string]string{platforms.Meta: "Purchase", platforms.TikTok: "CompletePayment", platforms.Snapchat: "PURCHASE", platforms.Google: "Purchase"}
	for p, name := range want {
		e, ok, reason := conversions.Map(p, nil, orderCompleted())
		if !ok || reason != "" {
			t.Fatalf("%s: ok=%v reason=%q", p, ok, reason)
		}
		if e.Name != name || e.EventID != "msg-1" || !e.Time.Equal(ts) || e.SourceEvent != "Order Completed" {
			t.Errorf("%s: %+v", p, e)
		}
	}
	e, _, _ := conversions.Map(platforms.Meta, nil, orderCompleted())
	if e.ValueMicros == nil || *e.ValueMicros != 25_000_000 || e.Currency != "USD" || e.OrderID != "50314b8e" {
		t.Errorf("money/order: %v %q %q", e.ValueMicros, e.Currency, e.OrderID)
	}
	if strings.Join(e.ContentIDs, ",") != "507f1f77,505bd76785ebb509fc183733" {
		t.Errorf("content ids %v", e.ContentIDs)
	}
	u := e.User
	if u.Email != "Foo.Bar+x@Example.com" || u.Phone != "+1 650 555 1212" || u.FirstName != "Mary" || u.LastName != "Smith" ||
		u.City != "Menlo Park" || u.Zip != "94025" || u.Country != "US" || u.ExternalID != "user_42" ||
		u.ClientIP != "203.0.113.7" || u.UserAgent != "Mozilla/5.0" || u.Gclid != "Cj0KCQ" {
		t.Errorf("user: %+v", u)
	}
	if u.Fbc != fmt.Sprintf("fb.1.%d.IwAR2xyz", ts.UnixMilli()) {
		t.Errorf("fbc from fbclid: %q", u.Fbc)
	}
	if e.ActionSource != "website" || e.SourceURL != "https://shop.example/checkout/done?fbclid=IwAR2xyz&gclid=Cj0KCQ" {
		t.Errorf("action source %q url %q", e.ActionSource, e.SourceURL)
	}
}

func TestMapDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	ev := conversions.CDPEvent{MessageID: "m", Type: "track", Event: "Product Added", Timestamp: ts,
		Properties: json.RawMessage(`{"product_id":"p1","price":"9.99","value":"12.345678","currency":"EUR"}`)}
	e, ok, reason := conversions.Map(platforms.Snapchat, nil, ev)
	if !ok || reason != "" || e.Name != "ADD_CART" || *e.ValueMicros != 12_345_678 || e.ContentIDs[0] != "p1" || e.ActionSource != "other" {
		t.Fatalf("default: %+v ok=%v %q", e, ok, reason)
	}
	// A tenant mapping overrides the default name and the value path.
	ms := []conversions.Mapping{{Source: "Product Added", Target: "AddToWishlist", Value: "properties.price"}}
	e, _, _ = conversions.Map(platforms.Meta, ms, ev)
	if e.Name != "AddToWishlist" || *e.ValueMicros != 9_990_000 {
		t.Fatalf("override: %+v", e)
	}
	// ...and extends: a custom event forwarded only through a mapping.
	custom := ev
	custom.Event = "Quote Requested"
	if _, ok, _ := conversions.Map(platforms.Meta, nil, custom); ok {
		t.Fatal("unmapped custom event forwarded")
	}
	if e, ok, _ := conversions.Map(platforms.Meta, []conversions.Mapping{{Source: "Quote Requested", Target: "Lead"}}, custom); !ok || e.Name != "Lead" {
		t.Fatalf("custom mapping: %+v %v", e, ok)
	}
	// Snapchat has no Lead by default.
	lead := ev
	lead.Event = "Lead"
	if _, ok, _ := conversions.Map(platforms.Snapchat, nil, lead); ok {
		t.Fatal("Lead forwarded to Snapchat without a mapping")
	}
	// Page events are not forwarded by default.
	page := ev
	page.Type = "page"
	if _, ok, _ := conversions.Map(platforms.Meta, nil, page); ok {
		t.Fatal("page event forwarded by default")
	}
}

func TestMapReasons(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`{"revenue":"twelve","currency":"USD"}`: "not a decimal amount",
		`{"revenue":1e3,"currency":"USD"}`:      "not a decimal amount",
		`{"revenue":1.1234567}`:                 "not a decimal amount",
		`{"revenue":{"a":1}}`:                   "not a number",
		`{"revenue":5,"currency":"dollars"}`:    "not an ISO 4217 code",
		`[1,2]`:                                 "not a JSON object",
	}
	for props, want := range cases {
		ev := conversions.CDPEvent{MessageID: "m", Type: "track", Event: "Order Completed", Timestamp: ts, Properties: json.RawMessage(props)}
		_, ok, reason := conversions.Map(platforms.Meta, nil, ev)
		if !ok || !strings.Contains(reason, want) {
			t.Errorf("%s: ok=%v reason=%q, want %q", props, ok, reason, want)
		}
	}
	// Positive control through the same field.
	ev := conversions.CDPEvent{MessageID: "m", Type: "track", Event: "Order Completed", Timestamp: ts, Properties: json.RawMessage(`{"revenue":"12.5","currency":"jpy"}`)}
	if e, ok, reason := conversions.Map(platforms.Meta, nil, ev); !ok || reason != "" || *e.ValueMicros != 12_500_000 || e.Currency != "JPY" {
		t.Errorf("control: %+v %q", e, reason)
	}
	noID := ev
	noID.MessageID = ""
	if _, _, reason := conversions.Map(platforms.Meta, nil, noID); !strings.Contains(reason, "messageId") {
		t.Errorf("no message id: %q", reason)
	}
}

func TestMapMobile(t *testing.T) {
	t.Parallel()
	ev := conversions.CDPEvent{MessageID: "m", Type: "track", Event: "Signed Up", Timestamp: ts,
		Context: json.RawMessage(`{"library":{"name":"analytics-ios"},"traits":{"name":"Ann Lee","email":"a@b.co"}}`)}
	e, ok, _ := conversions.Map(platforms.TikTok, nil, ev)
	if !ok || e.Name != "CompleteRegistration" || e.ActionSource != "app" || e.User.FirstName != "Ann" || e.User.LastName != "Lee" {
		t.Fatalf("%+v", e)
	}
}

func TestValidateMappings(t *testing.T) {
	t.Parallel()
	ok := conversions.Mapping{Source: "Order Completed", Target: "Purchase", Value: "properties.revenue", ContentIDs: "properties.products.product_id"}
	if err := conversions.ValidateMappings(platforms.Meta, []conversions.Mapping{ok}); err != nil {
		t.Fatalf("valid mapping refused: %v", err)
	}
	many := make([]conversions.Mapping, conversions.MaxMappings+1)
	for i := range many {
		many[i] = conversions.Mapping{Source: "e" + strings.Repeat("x", i), Target: "Lead"}
	}
	cases := []struct {
		name     string
		platform string
		ms       []conversions.Mapping
		field    string
	}{
		{"unknown target", platforms.Meta, []conversions.Mapping{ok, {Source: "A", Target: "CompletePayment"}}, "eventMappings.1.target"},
		{"snapchat wants its names", platforms.Snapchat, []conversions.Mapping{ok}, "eventMappings.0.target"},
		{"duplicate source", platforms.Meta, []conversions.Mapping{ok, ok}, "eventMappings.1.source"},
		{"empty source", platforms.Meta, []conversions.Mapping{{Source: " ", Target: "Lead"}}, "eventMappings.0.source"},
		{"long source", platforms.Meta, []conversions.Mapping{{Source: strings.Repeat("a", 101), Target: "Lead"}}, "eventMappings.0.source"},
		{"bad path root", platforms.Meta, []conversions.Mapping{{Source: "A", Target: "Lead", Value: "props.revenue"}}, "eventMappings.0.value"},
		{"bad path syntax", platforms.Meta, []conversions.Mapping{{Source: "A", Target: "Lead", OrderID: "properties..id"}}, "eventMappings.0.orderId"},
		{"bad path chars", platforms.TikTok, []conversions.Mapping{{Source: "A", Target: "SubmitForm", Currency: "properties.cur rency"}}, "eventMappings.0.currency"},
		{"too many", platforms.Meta, many, "eventMappings"},
		{"platform", "SIMULATOR", nil, "platform"},
	}
	for _, c := range cases {
		err := conversions.ValidateMappings(c.platform, c.ms)
		e, isApp := apperr.As(err)
		if !isApp || e.Code != apperr.BadUserInput || strings.Join(e.Field, ".") != c.field {
			t.Errorf("%s: %v (field %v), want BAD_USER_INPUT at %s", c.name, err, e, c.field)
		}
	}
	if err := conversions.ValidateMappings(platforms.Snapchat, []conversions.Mapping{{Source: "Order Completed", Target: "PURCHASE"}}); err != nil {
		t.Errorf("snapchat control: %v", err)
	}
}

func TestMapClickIDsAndFallbacks(t *testing.T) {
	t.Parallel()
	ev := conversions.CDPEvent{MessageID: "m", Type: "track", Event: "Checkout Started", Timestamp: ts,
		Properties: json.RawMessage(`{"products":[{"sku":"s-1"},{"sku":"s-2"}],"orderId":"o-9","ttclid":"E.C.P.x","value":"3"}`),
		Context: json.RawMessage(`{"fbp":"fb.1.1.2","_ttp":"ttp-1","userAgent":"UA","page":{"url":"https://a.example/p?gbraid=GB&ScCid=SC&wbraid=WB"},
			"traits":{"email":"e@x.co"},"location":{"country":"France"}}`)}
	e, ok, reason := conversions.Map(platforms.Google, nil, ev)
	if !ok || reason != "" || e.Name != "InitiateCheckout" {
		t.Fatalf("%+v %q", e, reason)
	}
	u := e.User
	if u.Fbp != "fb.1.1.2" || u.TTclid != "E.C.P.x" || u.TTp != "ttp-1" || u.Gbraid != "GB" || u.Wbraid != "WB" || u.ScClickID != "SC" || u.Country != "France" {
		t.Errorf("click ids: %+v", u)
	}
	if strings.Join(e.ContentIDs, ",") != "s-1,s-2" || e.OrderID != "o-9" || *e.ValueMicros != 3_000_000 || e.ActionSource != "website" {
		t.Errorf("fallbacks: %+v", e)
	}
	// A click id given in context wins over the page's query string.
	ev.Context = json.RawMessage(`{"gclid":"ctx","page":{"search":"?gclid=query&fbclid=F"}}`)
	e, _, _ = conversions.Map(platforms.Google, nil, ev)
	if e.User.Gclid != "ctx" || !strings.HasSuffix(e.User.Fbc, ".F") {
		t.Errorf("precedence: %+v", e.User)
	}
}
