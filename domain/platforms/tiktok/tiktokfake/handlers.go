package tiktokfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/stratumhq/stratum/internal/money"
)

// authorizePage is /portal/auth: it checks app_id, state and redirect_uri
// and redirects at once with a code for every advertiser (a consenting
// advertiser), as auth_code and code, plus state.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	c := &call{s: s, w: w, r: r, name: "portal/auth"}
	q, ok := c.query([]string{"app_id", "state", "redirect_uri", "scope"}, "app_id", "redirect_uri")
	if !ok {
		return
	}
	if q.Get("app_id") != s.appID {
		c.malformed("app_id %q is not the app's id", q.Get("app_id"))
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !target.IsAbs() {
		c.malformed("redirect_uri %q is not an absolute URL", q.Get("redirect_uri"))
		return
	}
	code := s.IssueCode(s.Advertisers()...)
	tq := target.Query()
	tq.Set("auth_code", code)
	tq.Set("code", code)
	if st := q.Get("state"); st != "" {
		tq.Set("state", st)
	}
	target.RawQuery = tq.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// accessToken is oauth2/access_token: {app_id, secret, auth_code}.
func (c *call) accessToken() {
	m, ok := c.body([]string{"app_id", "secret", "auth_code"}, "app_id", "secret", "auth_code")
	if !ok {
		return
	}
	var f [3]string
	for i, k := range []string{"app_id", "secret", "auth_code"} {
		if f[i], ok = c.str(m, k); !ok {
			return
		}
	}
	if f[0] != c.s.appID || f[1] != c.s.secret {
		c.fail(codeParam, "app_id or secret is invalid.")
		return
	}
	c.s.mu.Lock()
	ids, found := c.s.codes[f[2]]
	delete(c.s.codes, f[2]) // single use
	var tok string
	if found {
		tok = c.s.issueLocked(ids)
	}
	c.s.mu.Unlock()
	if !found {
		c.fail(codeParam, "auth_code is invalid or has expired.")
		return
	}
	c.ok(map[string]any{"access_token": tok, "advertiser_ids": ids, "scope": []int{1, 2, 4}})
}

// authorizedAdvertisers is oauth2/advertiser/get (app_id, secret).
func (c *call) authorizedAdvertisers() {
	q, ok := c.query([]string{"app_id", "secret"}, "app_id", "secret")
	if !ok {
		return
	}
	if q.Get("app_id") != c.s.appID || q.Get("secret") != c.s.secret {
		c.fail(codeParam, "app_id or secret is invalid.")
		return
	}
	c.s.mu.Lock()
	g := c.s.tokens[c.r.Header.Get("Access-Token")]
	list := []map[string]string{}
	for _, a := range c.s.advertisers {
		if g.advertisers[a.ID] {
			list = append(list, map[string]string{"advertiser_id": a.ID, "advertiser_name": a.Name})
		}
	}
	c.s.mu.Unlock()
	c.ok(map[string]any{"list": list})
}

var advertiserFields = set("advertiser_id", "name", "currency", "timezone", "display_timezone", "status", "company", "country", "balance", "create_time", "role")

// advertiserInfo is advertiser/info (advertiser_ids ≤ 100, fields).
func (c *call) advertiserInfo() {
	q, ok := c.query([]string{"advertiser_ids", "fields"}, "advertiser_ids")
	if !ok {
		return
	}
	ids, ok := c.stringList(q, "advertiser_ids", nil, 100)
	if !ok {
		return
	}
	if _, ok := c.stringList(q, "fields", advertiserFields, 50); !ok {
		return
	}
	list := []map[string]string{}
	for _, id := range ids {
		if !c.allowed(id) {
			return
		}
		c.s.mu.Lock()
		a := *c.s.advByID[id]
		c.s.mu.Unlock()
		list = append(list, map[string]string{
			"advertiser_id": a.ID, "name": a.Name, "currency": a.Currency,
			"timezone": a.TimeZone, "display_timezone": a.TimeZone, "status": "STATUS_ENABLE",
		})
	}
	c.ok(map[string]any{"list": list})
}

var (
	campaignFieldSet = set("campaign_id", "campaign_name", "advertiser_id", "budget", "budget_mode", "operation_status", "secondary_status", "objective", "objective_type", "create_time", "modify_time", "is_new_structure", "special_industries")
	adGroupFieldSet  = set("adgroup_id", "adgroup_name", "campaign_id", "advertiser_id", "budget", "budget_mode", "bid_type", "bid_price", "operation_status", "secondary_status", "optimization_goal", "billing_event", "create_time", "modify_time")
	adFieldSet       = set("ad_id", "ad_name", "adgroup_id", "campaign_id", "advertiser_id", "operation_status", "secondary_status", "create_time", "modify_time")
)

// listQuery validates a */get query and returns its filter and paging.
func (c *call) listQuery(fields map[string]bool, filterKeys ...string) (adv string, filter map[string][]string, deleted bool, page, size int, ok bool) {
	q, ok := c.query([]string{"advertiser_id", "fields", "filtering", "page", "page_size"}, "advertiser_id")
	if !ok {
		return
	}
	adv = q.Get("advertiser_id")
	if _, ok = c.stringList(q, "fields", fields, 100); !ok {
		return
	}
	if filter, deleted, ok = c.filtering(q.Get("filtering"), filterKeys); !ok {
		return
	}
	if page, size, ok = c.paging(q); !ok {
		return
	}
	ok = c.allowed(adv)
	return
}

// filtering parses the filtering JSON object: id lists under filterKeys
// and secondary_status (only *_STATUS_DELETE lists deleted entities, which
// are left out otherwise).
func (c *call) filtering(raw string, keys []string) (map[string][]string, bool, bool) {
	out := map[string][]string{}
	if raw == "" {
		return out, false, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		c.malformed("filtering must be a JSON object, got %q", raw)
		return nil, false, false
	}
	allowed := set(keys...)
	deleted := false
	for k, v := range m {
		switch {
		case k == "secondary_status":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				c.malformed("filtering.secondary_status must be a string")
				return nil, false, false
			}
			deleted = strings.HasSuffix(s, "_STATUS_DELETE")
		case allowed[k]:
			var ids []string
			if err := json.Unmarshal(v, &ids); err != nil || len(ids) == 0 || len(ids) > 100 {
				c.malformed("filtering.%s must be a JSON array of 1–100 id strings, got %s", k, v)
				return nil, false, false
			}
			out[k] = ids
		default:
			c.malformed("unknown filtering key %q for %s", k, c.name)
			return nil, false, false
		}
	}
	return out, deleted, true
}

func matches(filter map[string][]string, key, id string) bool {
	ids, ok := filter[key]
	if !ok {
		return true
	}
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func operation(enabled bool) string {
	if enabled {
		return "ENABLE"
	}
	return "DISABLE"
}

func secondary(prefix string, enabled, deleted bool) string {
	switch {
	case deleted:
		return prefix + "_STATUS_DELETE"
	case enabled:
		return prefix + "_STATUS_ENABLE"
	default:
		return prefix + "_STATUS_DISABLE"
	}
}

// number is a decimal as a JSON number, the way TikTok writes budgets.
func number(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("0")
	}
	return json.RawMessage(s)
}

func (c *call) campaignGet() {
	adv, filter, deleted, page, size, ok := c.listQuery(campaignFieldSet, "campaign_ids")
	if !ok {
		return
	}
	c.s.mu.Lock()
	var rows []map[string]any
	for _, x := range c.s.campaigns[adv] {
		if x.Deleted != deleted || !matches(filter, "campaign_ids", x.ID) {
			continue
		}
		rows = append(rows, map[string]any{
			"campaign_id": x.ID, "campaign_name": x.Name, "advertiser_id": adv, "objective_type": x.Objective,
			"budget_mode": x.BudgetMode, "budget": number(x.Budget),
			"operation_status": operation(x.Enabled), "secondary_status": secondary("CAMPAIGN", x.Enabled, x.Deleted),
		})
	}
	c.s.mu.Unlock()
	c.listAnswer(rows, page, size)
}

func (c *call) adGroupGet() {
	adv, filter, deleted, page, size, ok := c.listQuery(adGroupFieldSet, "campaign_ids", "adgroup_ids")
	if !ok {
		return
	}
	c.s.mu.Lock()
	var rows []map[string]any
	for _, x := range c.s.adGroups[adv] {
		if x.Deleted != deleted || !matches(filter, "campaign_ids", x.CampaignID) || !matches(filter, "adgroup_ids", x.ID) {
			continue
		}
		rows = append(rows, map[string]any{
			"adgroup_id": x.ID, "adgroup_name": x.Name, "campaign_id": x.CampaignID, "advertiser_id": adv,
			"budget_mode": x.BudgetMode, "budget": number(x.Budget), "bid_type": x.BidType, "bid_price": number(x.BidPrice),
			"operation_status": operation(x.Enabled), "secondary_status": secondary("ADGROUP", x.Enabled, x.Deleted),
		})
	}
	c.s.mu.Unlock()
	c.listAnswer(rows, page, size)
}

func (c *call) adGet() {
	adv, filter, deleted, page, size, ok := c.listQuery(adFieldSet, "campaign_ids", "adgroup_ids", "ad_ids")
	if !ok {
		return
	}
	c.s.mu.Lock()
	var rows []map[string]any
	for _, x := range c.s.ads[adv] {
		g := c.s.agByID[x.AdGroupID]
		if x.Deleted != deleted || !matches(filter, "ad_ids", x.ID) || !matches(filter, "adgroup_ids", x.AdGroupID) || !matches(filter, "campaign_ids", g.CampaignID) {
			continue
		}
		rows = append(rows, map[string]any{
			"ad_id": x.ID, "ad_name": x.Name, "adgroup_id": x.AdGroupID, "campaign_id": g.CampaignID, "advertiser_id": adv,
			"operation_status": operation(x.Enabled), "secondary_status": secondary("AD", x.Enabled, x.Deleted),
		})
	}
	c.s.mu.Unlock()
	c.listAnswer(rows, page, size)
}

func (c *call) listAnswer(rows []map[string]any, page, size int) {
	lo, hi := bounds(page, size, len(rows))
	list := rows[lo:hi]
	if list == nil {
		list = []map[string]any{}
	}
	c.ok(map[string]any{"list": list, "page_info": pageInfo(page, size, len(rows))})
}

// amount validates a budget or bid: a JSON number (not a string) with at
// most the currency's decimals, positive, and not so large that it must
// have been sent in micros or cents.
func (c *call) amount(m map[string]json.RawMessage, name, currency string) (string, bool) {
	raw := strings.TrimSpace(string(m[name]))
	if raw == "" || raw[0] == '"' {
		c.malformed("%s must be a JSON number in %s, got %s", name, currency, raw)
		return "", false
	}
	micros, err := money.ParseMicros(raw)
	if err != nil {
		c.malformed("%s %s is not a plain decimal amount", name, raw)
		return "", false
	}
	if _, frac, _ := strings.Cut(raw, "."); len(frac) > money.Exponent(currency) {
		c.malformed("%s %s has more decimals than %s allows (%d)", name, raw, currency, money.Exponent(currency))
		return "", false
	}
	limit := int64(10_000_000) // units: 10 million a day is no real budget or bid
	if money.Exponent(currency) == 0 {
		limit = 1_000_000_000
	}
	if micros > limit*money.Micro {
		c.malformed("%s %s %s is implausibly large: was it sent in micros or minor units?", name, raw, currency)
		return "", false
	}
	if micros <= 0 {
		c.fail(codeParam, fmt.Sprintf("%s must be greater than 0.", name))
		return "", false
	}
	return raw, true
}

func (c *call) currency(adv string) string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.advByID[adv].Currency
}

// campaignStatusUpdate is campaign/status/update.
func (c *call) campaignStatusUpdate() {
	m, ok := c.body([]string{"advertiser_id", "campaign_ids", "operation_status", "postback_window_mode"}, "advertiser_id", "campaign_ids", "operation_status")
	if !ok {
		return
	}
	adv, ok := c.str(m, "advertiser_id")
	if !ok {
		return
	}
	op, ok := c.str(m, "operation_status")
	if !ok {
		return
	}
	if op != "ENABLE" && op != "DISABLE" && op != "DELETE" {
		c.malformed("operation_status must be ENABLE, DISABLE or DELETE, got %q", op)
		return
	}
	var ids []string
	if err := json.Unmarshal(m["campaign_ids"], &ids); err != nil || len(ids) < 1 || len(ids) > 20 {
		c.malformed("campaign_ids must be a JSON array of 1–20 id strings, got %s", m["campaign_ids"])
		return
	}
	if !c.allowed(adv) {
		return
	}
	c.s.mu.Lock()
	for _, id := range ids {
		x, ok := c.s.campByID[id]
		if !ok || x.AdvertiserID != adv || x.Deleted {
			c.s.mu.Unlock()
			c.fail(codeParam, fmt.Sprintf("Campaign %s does not exist or has been deleted.", id))
			return
		}
	}
	for _, id := range ids {
		x := c.s.campByID[id]
		from := operation(x.Enabled)
		switch op {
		case "DELETE":
			x.Deleted = true
		default:
			x.Enabled = op == "ENABLE"
		}
		c.s.mutations = append(c.s.mutations, Mutation{Endpoint: c.name, AdvertiserID: adv, ObjectID: id, Field: "operation_status", From: from, To: op})
	}
	c.s.mu.Unlock()
	c.ok(map[string]any{"campaign_ids": ids})
}

// campaignUpdate is campaign/update (budget only matters here).
func (c *call) campaignUpdate() {
	m, ok := c.body([]string{"advertiser_id", "campaign_id", "campaign_name", "budget", "budget_mode", "roas_bid", "special_industries"}, "advertiser_id", "campaign_id")
	if !ok {
		return
	}
	adv, ok := c.str(m, "advertiser_id")
	if !ok {
		return
	}
	id, ok := c.str(m, "campaign_id")
	if !ok || !c.allowed(adv) {
		return
	}
	var budget string
	if _, has := m["budget"]; has {
		if budget, ok = c.amount(m, "budget", c.currency(adv)); !ok {
			return
		}
	}
	c.s.mu.Lock()
	x, found := c.s.campByID[id]
	var refusal string
	switch {
	case !found || x.AdvertiserID != adv || x.Deleted:
		refusal = fmt.Sprintf("Campaign %s does not exist or has been deleted.", id)
	case budget != "" && x.BudgetMode == "BUDGET_MODE_INFINITE":
		refusal = "budget cannot be set when budget_mode is BUDGET_MODE_INFINITE."
	case budget != "":
		c.s.mutations = append(c.s.mutations, Mutation{Endpoint: c.name, AdvertiserID: adv, ObjectID: id, Field: "budget", From: x.Budget, To: budget})
		x.Budget = budget
	}
	c.s.mu.Unlock()
	if refusal != "" {
		c.fail(codeParam, refusal)
		return
	}
	c.ok(map[string]any{"campaign_id": id})
}

// adGroupUpdate is adgroup/update (bid_price only matters here).
func (c *call) adGroupUpdate() {
	m, ok := c.body([]string{"advertiser_id", "adgroup_id", "adgroup_name", "bid_price", "conversion_bid_price", "budget", "schedule_type", "schedule_start_time", "schedule_end_time"}, "advertiser_id", "adgroup_id")
	if !ok {
		return
	}
	adv, ok := c.str(m, "advertiser_id")
	if !ok {
		return
	}
	id, ok := c.str(m, "adgroup_id")
	if !ok || !c.allowed(adv) {
		return
	}
	var bid string
	if _, has := m["bid_price"]; has {
		if bid, ok = c.amount(m, "bid_price", c.currency(adv)); !ok {
			return
		}
	}
	c.s.mu.Lock()
	g, found := c.s.agByID[id]
	var refusal string
	switch {
	case !found || g.Deleted || c.s.campByID[g.CampaignID].AdvertiserID != adv:
		refusal = fmt.Sprintf("Ad group %s does not exist or has been deleted.", id)
	case bid != "" && g.BidType != "BID_TYPE_CUSTOM":
		refusal = "To specify bid_price, bid_type must be BID_TYPE_CUSTOM."
	case bid != "":
		c.s.mutations = append(c.s.mutations, Mutation{Endpoint: c.name, AdvertiserID: adv, ObjectID: id, Field: "bid_price", From: g.BidPrice, To: bid})
		g.BidPrice = bid
	}
	c.s.mu.Unlock()
	if refusal != "" {
		c.fail(codeParam, refusal)
		return
	}
	c.ok(map[string]any{"adgroup_id": id})
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
