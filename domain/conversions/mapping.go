package conversions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/jsonscan"
	"github.com/stratumhq/stratum/internal/money"
)

// Bounds of a destination's mappings.
const (
	MaxMappings   = 100
	MaxNameBytes  = 100
	MaxPathBytes  = 200
	maxContentIDs = 100
)

// pathRE is the property path syntax: a root (properties, traits,
// context) and 1–8 dot-separated keys of letters, digits, "_", "-", "$".
var pathRE = regexp.MustCompile(`^(properties|traits|context)(\.[A-Za-z0-9_$-]{1,64}){1,8}$`)

// ValidateMappings checks a destination's mappings for platform; the error
// is an *apperr.Error (BAD_USER_INPUT) with the path of the offending field
// under "eventMappings" (e.g. ["eventMappings", "2", "target"]).
func ValidateMappings(platform string, mappings []Mapping) error {
	if !ValidPlatform(platform) {
		return apperr.Invalid([]string{"platform"}, "unknown platform %q", platform)
	}
	if len(mappings) > MaxMappings {
		return apperr.Invalid([]string{"eventMappings"}, "at most %d event mappings per destination (got %d)", MaxMappings, len(mappings))
	}
	seen := make(map[string]int, len(mappings))
	for i, m := range mappings {
		at := func(f string) []string { return []string{"eventMappings", strconv.Itoa(i), f} }
		if err := checkMappingName(m.Source, at("source"), "source event name"); err != nil {
			return err
		}
		if j, dup := seen[m.Source]; dup {
			return apperr.Invalid(at("source"), "event %q is already mapped by mapping %d", m.Source, j)
		}
		seen[m.Source] = i
		if err := checkMappingName(m.Target, at("target"), "platform event name"); err != nil {
			return err
		}
		if !PlatformEvents[platform][m.Target] {
			return apperr.Invalid(at("target"), "%q is not a %s event name", m.Target, platform)
		}
		for _, p := range []struct{ field, path string }{{"value", m.Value}, {"currency", m.Currency}, {"contentIds", m.ContentIDs}, {"orderId", m.OrderID}} {
			if p.path == "" {
				continue
			}
			if len(p.path) > MaxPathBytes || !pathRE.MatchString(p.path) {
				return apperr.Invalid(at(p.field), "property path must look like properties.revenue or properties.products.product_id (a root of properties, traits or context and up to 8 keys)")
			}
		}
	}
	return nil
}

func checkMappingName(s string, field []string, what string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return apperr.Invalid(field, "%s is required", what)
	case len(s) > MaxNameBytes:
		return apperr.Invalid(field, "%s is longer than %d bytes", what, MaxNameBytes)
	case !utf8.ValidString(s):
		return apperr.Invalid(field, "%s is not valid UTF-8", what)
	}
	return nil
}

// Map turns a CDP event into the Event sent to platform under the
// destination's mappings (tenant mappings first, then the platform's
// defaults for standard events of track calls). ok is false when the event
// is not forwarded to this platform at all (no mapping applies): no
// delivery row. A non-empty reason means it maps but cannot be sent as it
// is (a value unparseable, a currency not ISO 4217, no message id): the
// delivery is recorded FAILED with that reason. The platform's
// required-field rules are the Sender's Check, applied after Map.
func Map(platform string, mappings []Mapping, ev CDPEvent) (out Event, ok bool, reason string) {
	var m *Mapping
	for i := range mappings {
		if mappings[i].Source == ev.Event {
			m = &mappings[i]
			break
		}
	}
	name := ""
	if m != nil {
		name = m.Target
	} else if ev.Type == "track" || ev.Type == "" {
		name = DefaultEventName(platform, ev.Event)
	}
	if name == "" {
		return Event{}, false, ""
	}
	if m == nil {
		m = &Mapping{}
	}
	out = Event{EventID: ev.MessageID, SourceEvent: ev.Event, Name: name, Time: ev.Timestamp}
	doc, err := parseEvent(ev)
	if err != nil {
		return out, true, err.Error()
	}
	if ev.MessageID == "" {
		return out, true, "the event has no messageId (the platforms' deduplication id)"
	}
	out.User = userData(doc, ev)
	out.SourceURL = doc.str("context.page.url")
	if out.SourceURL == "" && ev.Type == "page" {
		out.SourceURL = doc.str("properties.url")
	}
	out.ActionSource = actionSource(doc, out)
	if reason := mapMoney(doc, m, &out); reason != "" {
		return out, true, reason
	}
	out.ContentIDs = contentIDs(doc, m.ContentIDs)
	out.OrderID = doc.first(pathOr(m.OrderID, "properties.order_id", "properties.orderId")...)
	return out, true, ""
}

func pathOr(path string, defaults ...string) []string {
	if path != "" {
		return []string{path}
	}
	return defaults
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// mapMoney reads value (into micros, exactly) and currency.
func mapMoney(doc eventTree, m *Mapping, out *Event) string {
	for _, p := range pathOr(m.Value, "properties.revenue", "properties.total", "properties.value") {
		vs := doc.get(p)
		if len(vs) == 0 || vs[0] == nil {
			continue
		}
		s, ok := jsonScalar(vs[0])
		if !ok {
			return fmt.Sprintf("%s is not a number", p)
		}
		micros, err := money.ParseMicros(strings.TrimSpace(s))
		if err != nil {
			return fmt.Sprintf("%s %q is not a decimal amount (at most 6 decimals)", p, clip(s, 40))
		}
		out.ValueMicros = &micros
		break
	}
	if c := doc.first(pathOr(m.Currency, "properties.currency")...); c != "" {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !currencyRE.MatchString(c) {
			return fmt.Sprintf("currency %q is not an ISO 4217 code", clip(c, 20))
		}
		out.Currency = c
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// contentIDs reads product ids: the mapping's path, else every
// properties.products[].product_id (or sku), else properties.product_id
// (or sku).
func contentIDs(doc eventTree, path string) []string {
	paths := pathOr(path, "properties.products.product_id", "properties.products.sku", "properties.product_id", "properties.sku")
	for _, p := range paths {
		var ids []string
		for _, v := range doc.get(p) {
			if s, ok := jsonScalar(v); ok && s != "" && len(ids) < maxContentIDs {
				ids = append(ids, s)
			}
		}
		if len(ids) > 0 {
			return ids
		}
	}
	return nil
}

// userData reads the customer information of the event: traits (the
// event's, then context.traits), identity, context and click ids.
func userData(doc eventTree, ev CDPEvent) UserData {
	// The roots are looked up once (the same walk str does from the top).
	var ctxTraits any
	if c, ok := doc["context"].(map[string]any); ok {
		ctxTraits = c["traits"]
	}
	traits := [2]any{doc["traits"], ctxTraits}
	t := func(keys ...string) string {
		for _, root := range traits {
			for _, k := range keys {
				if s := scalarIn(root, k); s != "" {
					return s
				}
			}
		}
		return ""
	}
	u := UserData{
		Email:       firstNonEmpty(t("email"), doc.str("properties.email")),
		Phone:       firstNonEmpty(t("phone"), doc.str("properties.phone")),
		FirstName:   t("firstName", "first_name"),
		LastName:    t("lastName", "last_name"),
		Gender:      t("gender"),
		DateOfBirth: t("birthday", "birthDate", "date_of_birth"),
		City:        t("address.city"),
		State:       t("address.state"),
		Zip:         t("address.postalCode", "address.postal_code", "address.zip"),
		Country:     firstNonEmpty(t("address.country"), doc.str("context.location.country")),
		ExternalID:  ev.UserID,
		ClientIP:    doc.str("context.ip"),
		UserAgent:   doc.str("context.userAgent"),
	}
	if u.FirstName == "" && u.LastName == "" {
		if full := t("name"); full != "" {
			u.FirstName, u.LastName, _ = strings.Cut(strings.TrimSpace(full), " ")
		}
	}
	clickRoots := [2]any{doc["context"], doc["properties"]}
	click := func(keys ...string) string {
		for _, root := range clickRoots {
			for _, k := range keys {
				if s := scalarIn(root, k); s != "" {
					return s
				}
			}
		}
		return ""
	}
	u.Fbc, u.Fbp = click("fbc", "_fbc"), click("fbp", "_fbp")
	u.Gclid, u.Gbraid, u.Wbraid = click("gclid"), click("gbraid"), click("wbraid")
	u.TTclid, u.TTp = click("ttclid"), click("ttp", "_ttp")
	u.ScClickID, u.ScCookie1 = click("ScCid", "sc_click_id"), click("scid", "_scid", "sc_cookie1")
	clickIDsFromQuery(doc, ev, &u)
	return u
}

// clickIDsFromQuery fills click ids missing from context/properties from
// the landing page's query string (context.page.search, else the page
// url's query). A Meta fbclid becomes an fbc in Meta's documented format
// fb.1.<creation time in ms>.<fbclid>, the creation time being the event's.
func clickIDsFromQuery(doc eventTree, ev CDPEvent, u *UserData) {
	q := doc.str("context.page.search")
	if q == "" {
		if _, after, ok := strings.Cut(doc.str("context.page.url"), "?"); ok {
			q = after
		}
	}
	if q == "" {
		return
	}
	vals, err := url.ParseQuery(strings.TrimPrefix(q, "?"))
	if err != nil && len(vals) == 0 {
		return
	}
	fill := func(dst *string, key string) {
		if *dst == "" {
			*dst = vals.Get(key)
		}
	}
	fill(&u.Gclid, "gclid")
	fill(&u.Gbraid, "gbraid")
	fill(&u.Wbraid, "wbraid")
	fill(&u.TTclid, "ttclid")
	fill(&u.ScClickID, "ScCid")
	if fbclid := vals.Get("fbclid"); u.Fbc == "" && fbclid != "" {
		u.Fbc = fmt.Sprintf("fb.1.%d.%s", ev.Timestamp.UnixMilli(), fbclid)
	}
}

// mobileLibraries are CDP library names of app SDKs.
var mobileLibraries = []string{"ios", "android", "react-native", "flutter", "swift", "kotlin"}

// actionSource says where the event happened: app for mobile SDK
// contexts, website when there is a page or a browser, other otherwise.
func actionSource(doc eventTree, e Event) string {
	lib := strings.ToLower(doc.str("context.library.name"))
	for _, m := range mobileLibraries {
		if strings.Contains(lib, m) {
			return "app"
		}
	}
	if len(doc.get("context.app")) > 0 && e.SourceURL == "" {
		return "app"
	}
	if e.SourceURL != "" || e.User.UserAgent != "" {
		return "website"
	}
	return "other"
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// eventTree is a decoded CDP event: roots properties, traits, context.
type eventTree map[string]any

// parseEvent decodes the event's properties, traits and context as
// encoding/json with UseNumber would (objects as map[string]any, the last
// of repeated keys winning; numbers as json.Number; strings unescaped), with
// the jsonscan pull scanner instead of reflection: a quarter of the time.
func parseEvent(ev CDPEvent) (eventTree, error) {
	t := eventTree{}
	for _, part := range []struct {
		root string
		raw  json.RawMessage
	}{{"properties", ev.Properties}, {"traits", ev.Traits}, {"context", ev.Context}} {
		raw := bytes.TrimSpace(part.raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		s := jsonscan.New(raw)
		if s.Peek() != jsonscan.Object {
			return nil, fmt.Errorf("the event's %s are not a JSON object", part.root)
		}
		v := decodeValue(&s)
		if s.End() != nil {
			return nil, fmt.Errorf("the event's %s are not a JSON object", part.root)
		}
		t[part.root] = v
	}
	return t, nil
}

// decodeValue reads the next value as encoding/json decodes into an any
// with UseNumber. An error stays in s (End reports it).
func decodeValue(s *jsonscan.Scanner) any {
	switch s.Peek() {
	case jsonscan.Object:
		m := map[string]any{}
		s.EnterObject()
		for s.More() {
			k := string(s.Key())
			m[k] = decodeValue(s)
		}
		return m
	case jsonscan.Array:
		a := []any{}
		s.EnterArray()
		for s.More() {
			a = append(a, decodeValue(s))
		}
		return a
	case jsonscan.String:
		v, _ := s.String()
		return string(v)
	case jsonscan.Number:
		return json.Number(s.Number())
	case jsonscan.True, jsonscan.False:
		return s.Bool()
	case jsonscan.Null:
		s.Null()
		return nil
	}
	s.Skip() // not a value: the error is recorded
	return nil
}

// get returns the values at a dot path; arrays on the way fan out (every
// element), so "properties.products.product_id" returns every product's id.
func (t eventTree) get(path string) []any {
	return appendPath(nil, map[string]any(t), path)
}

// appendPath appends the values at path below c to dst: the path's first
// key in an object, every element of an array (with the same path).
func appendPath(dst []any, c any, path string) []any {
	switch v := c.(type) {
	case map[string]any:
		key, rest, more := strings.Cut(path, ".")
		x, ok := v[key]
		if !ok || x == nil {
			return dst
		}
		if !more {
			return append(dst, x)
		}
		return appendPath(dst, x, rest)
	case []any:
		for _, e := range v {
			dst = appendPath(dst, e, path)
		}
	}
	return dst
}

// str returns the first scalar at path as a string, "" when none: the
// first of get(path)'s values that is a scalar, found by walking the tree
// depth first (the same document order get returns) without building the
// lists, since it is called some fifty times per event.
func (t eventTree) str(path string) string {
	s, _ := firstScalar(map[string]any(t), path)
	return strings.TrimSpace(s)
}

// scalarIn is str of path below root (a value of the tree), "" when root
// is nil.
func scalarIn(root any, path string) string {
	if root == nil {
		return ""
	}
	s, _ := firstScalar(root, path)
	return strings.TrimSpace(s)
}

func firstScalar(c any, path string) (string, bool) {
	switch v := c.(type) {
	case map[string]any:
		key, rest, more := strings.Cut(path, ".")
		x, ok := v[key]
		if !ok || x == nil {
			return "", false
		}
		if !more {
			return jsonScalar(x)
		}
		return firstScalar(x, rest)
	case []any:
		for _, e := range v {
			if s, ok := firstScalar(e, path); ok {
				return s, true
			}
		}
	}
	return "", false
}

// first returns the first non-empty str of paths.
func (t eventTree) first(paths ...string) string {
	for _, p := range paths {
		if s := t.str(p); s != "" {
			return s
		}
	}
	return ""
}

// scalar renders a JSON string or number as a string (numbers exactly as
// written).
func jsonScalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}
