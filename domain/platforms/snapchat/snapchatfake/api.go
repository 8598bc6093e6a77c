package snapchatfake

// The Marketing API endpoints, per
// https://developers.snap.com/api/marketing-api/Ads-API/api-patterns
// (GET /v1/{plural parent}/{id}/{plural}, envelopes of
// {"request_status","request_id","paging":{"next_link"},"<plural>":[{"sub_request_status","<singular>":{…}}]},
// limit 50–1000), campaigns, ad-squads, ads, organizations and
// ad-accounts pages for the entities' attributes.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	if s.knobs(w) {
		return
	}
	seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	get, put := r.Method == http.MethodGet, r.Method == http.MethodPut
	switch {
	case get && len(seg) == 2 && seg[0] == "me" && seg[1] == "organizations":
		s.listOrganizations(w, r)
	case get && len(seg) == 3 && seg[0] == "organizations" && seg[2] == "adaccounts":
		s.listAdAccounts(w, r, seg[1])
	case get && len(seg) == 3 && seg[0] == "adaccounts" && seg[2] == "campaigns":
		s.listCampaigns(w, r, seg[1])
	case put && len(seg) == 3 && seg[0] == "adaccounts" && seg[2] == "campaigns":
		s.updateCampaigns(w, r, seg[1])
	case get && len(seg) == 3 && seg[0] == "adaccounts" && seg[2] == "adsquads":
		s.listSquads(w, r, seg[1], "")
	case get && len(seg) == 3 && seg[0] == "adaccounts" && seg[2] == "ads":
		s.listAds(w, r, seg[1])
	case get && len(seg) == 3 && seg[0] == "adaccounts" && seg[2] == "stats":
		s.stats(w, r, seg[1])
	case get && len(seg) == 2 && seg[0] == "campaigns":
		s.getCampaign(w, r, seg[1])
	case get && len(seg) == 3 && seg[0] == "campaigns" && seg[2] == "adsquads":
		s.listSquads(w, r, "", seg[1])
	case put && len(seg) == 3 && seg[0] == "campaigns" && seg[2] == "adsquads":
		s.updateSquads(w, r, seg[1])
	default:
		s.malformed("%s %s: no such Marketing API endpoint", r.Method, r.URL.Path)
		writeError(w, http.StatusNotFound, "E3003", "Resource can not be found", "Resource can not be found")
	}
}

// notFound answers a well-formed request for an entity that does not
// exist (a real-world condition, not a client bug).
func notFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, "E3003", what+" not found", "We're sorry, but the requested resource is not available at this time")
}

// pageParams validates limit and cursor; extra lists other allowed
// parameters. It returns the offset and page size (0: everything).
func (s *Server) pageParams(w http.ResponseWriter, r *http.Request, extra ...string) (offset, limit int, ok bool) {
	q := r.URL.Query()
	if bad := unknownParams(q, append([]string{"limit", "cursor"}, extra...)...); len(bad) > 0 {
		s.reject(w, "E1001", "GET %s: unknown query parameters %v", r.URL.Path, bad)
		return 0, 0, false
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 50 || n > 1000 {
			s.reject(w, "E1001", "GET %s: limit must be an integer between 50 and 1000, got %q", r.URL.Path, l)
			return 0, 0, false
		}
		limit = n
	}
	if c := q.Get("cursor"); c != "" {
		n, err := decodeCursor(c)
		if err != nil {
			s.reject(w, "E1001", "GET %s: cursor %q was not issued by this server", r.URL.Path, c)
			return 0, 0, false
		}
		offset = n
	}
	return offset, limit, true
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("snapfake:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(string(b), "snapfake:")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(n)
}

// nextLink is the absolute URL of the page after offset+n, keeping the
// request's other parameters.
func (s *Server) nextLink(r *http.Request, next int) string {
	q := r.URL.Query()
	q.Set("cursor", encodeCursor(next))
	return s.base + r.URL.Path + "?" + q.Encode()
}

// writeList answers one page of a listing envelope.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, plural, singular string, items []any, offset, limit int) {
	end := len(items)
	if limit > 0 && offset+limit < end {
		end = offset + limit
	}
	if offset > len(items) {
		offset = len(items)
	}
	wrapped := make([]map[string]any, 0, end-offset)
	for _, it := range items[offset:end] {
		wrapped = append(wrapped, map[string]any{"sub_request_status": "SUCCESS", singular: it})
	}
	body := map[string]any{"request_status": "SUCCESS", "request_id": requestID(), plural: wrapped}
	if end < len(items) {
		body["paging"] = map[string]string{"next_link": s.nextLink(r, end)}
	} else {
		body["paging"] = map[string]string{}
	}
	writeJSON(w, http.StatusOK, body)
}

const stamp = "2026-01-01T00:00:00.000Z"

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) {
	offset, limit, ok := s.pageParams(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	var items []any
	for _, o := range s.st.orgs {
		items = append(items, map[string]any{"id": o.ID, "name": o.Name, "type": "ENTERPRISE", "state": "ACTIVE", "created_at": stamp, "updated_at": stamp})
	}
	s.mu.Unlock()
	s.writeList(w, r, "organizations", "organization", items, offset, limit)
}

func (s *Server) listAdAccounts(w http.ResponseWriter, r *http.Request, orgID string) {
	offset, limit, ok := s.pageParams(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	known := slices.ContainsFunc(s.st.orgs, func(o organization) bool { return o.ID == orgID })
	var items []any
	for _, a := range s.st.accounts {
		if a.OrganizationID == orgID {
			items = append(items, map[string]any{
				"id": a.ID, "name": a.Name, "type": "PARTNER", "status": a.Status, "organization_id": a.OrganizationID,
				"currency": a.Currency, "timezone": a.TimeZone, "created_at": stamp, "updated_at": stamp,
			})
		}
	}
	s.mu.Unlock()
	if !known {
		notFound(w, "Organization")
		return
	}
	s.writeList(w, r, "adaccounts", "adaccount", items, offset, limit)
}

func campaignJSON(c *Campaign) map[string]any {
	m := map[string]any{
		"id": c.ID, "updated_at": stamp, "created_at": stamp, "name": c.Name, "ad_account_id": c.AdAccountID,
		"status": c.Status, "objective": c.Objective, "start_time": c.StartTime, "delivery_status": []string{"VALID"},
	}
	if c.DailyBudgetMicro != nil {
		m["daily_budget_micro"] = *c.DailyBudgetMicro
	}
	if c.Deleted {
		m["deleted"] = true
	}
	return m
}

func squadJSON(sq *AdSquad) map[string]any {
	m := map[string]any{
		"id": sq.ID, "updated_at": stamp, "created_at": stamp, "name": sq.Name, "campaign_id": sq.CampaignID,
		"status": sq.Status, "type": sq.Type, "billing_event": sq.BillingEvent, "optimization_goal": sq.OptimizationGoal,
		"bid_strategy": sq.BidStrategy, "targeting": sq.Targeting, "delivery_status": []string{"VALID"},
	}
	if sq.BidMicro != nil {
		m["bid_micro"] = *sq.BidMicro
	}
	if sq.DailyBudgetMicro != nil {
		m["daily_budget_micro"] = *sq.DailyBudgetMicro
	}
	return m
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, accountID string) {
	offset, limit, ok := s.pageParams(w, r, "read_deleted_entities")
	if !ok {
		return
	}
	deleted := r.URL.Query().Get("read_deleted_entities") == "true"
	s.mu.Lock()
	acct := s.st.accountBy[accountID]
	var items []any
	for _, c := range s.st.campaigns[accountID] {
		if !c.Deleted || deleted {
			items = append(items, campaignJSON(c))
		}
	}
	s.mu.Unlock()
	if acct == nil {
		notFound(w, "Ad account")
		return
	}
	s.writeList(w, r, "campaigns", "campaign", items, offset, limit)
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request, id string) {
	if bad := unknownParams(r.URL.Query(), "read_deleted_entities"); len(bad) > 0 {
		s.reject(w, "E1001", "GET %s: unknown query parameters %v", r.URL.Path, bad)
		return
	}
	s.mu.Lock()
	c := s.st.campaign[id]
	var item map[string]any
	if c != nil && (!c.Deleted || r.URL.Query().Get("read_deleted_entities") == "true") {
		item = campaignJSON(c)
	}
	s.mu.Unlock()
	if item == nil {
		notFound(w, "Campaign")
		return
	}
	s.writeList(w, r, "campaigns", "campaign", []any{item}, 0, 0)
}

func (s *Server) listSquads(w http.ResponseWriter, r *http.Request, accountID, campaignID string) {
	offset, limit, ok := s.pageParams(w, r, "read_deleted_entities")
	if !ok {
		return
	}
	s.mu.Lock()
	var items []any
	var known bool
	if campaignID != "" {
		known = s.st.campaign[campaignID] != nil
		for _, sq := range s.st.squads[campaignID] {
			items = append(items, squadJSON(sq))
		}
	} else {
		known = s.st.accountBy[accountID] != nil
		for _, c := range s.st.campaigns[accountID] {
			for _, sq := range s.st.squads[c.ID] {
				items = append(items, squadJSON(sq))
			}
		}
	}
	s.mu.Unlock()
	if !known {
		notFound(w, "Parent entity")
		return
	}
	s.writeList(w, r, "adsquads", "adsquad", items, offset, limit)
}

func (s *Server) listAds(w http.ResponseWriter, r *http.Request, accountID string) {
	offset, limit, ok := s.pageParams(w, r, "read_deleted_entities")
	if !ok {
		return
	}
	s.mu.Lock()
	known := s.st.accountBy[accountID] != nil
	var items []any
	for _, ad := range s.st.ads[accountID] {
		items = append(items, map[string]any{
			"id": ad.ID, "updated_at": stamp, "created_at": stamp, "name": ad.Name, "ad_squad_id": ad.AdSquadID,
			"status": ad.Status, "type": ad.Type, "review_status": "APPROVED",
		})
	}
	s.mu.Unlock()
	if !known {
		notFound(w, "Ad account")
		return
	}
	s.writeList(w, r, "ads", "ad", items, offset, limit)
}

// ---- updates (full entity, per the campaigns and ad-squads pages) ----

// readOnly attributes may be sent back as read; they are ignored.
var readOnly = []string{"created_at", "updated_at", "delivery_status", "deleted", "created_by_app_id", "created_by_user", "last_updated_by_app_id", "last_updated_by_user"}

var campaignWritable = []string{"id", "ad_account_id", "name", "status", "start_time", "end_time", "daily_budget_micro", "lifetime_spend_cap_micro", "objective", "objective_v2_properties", "buy_model", "measurement_spec", "regulations"}

var squadWritable = []string{"id", "campaign_id", "name", "status", "type", "billing_event", "optimization_goal", "bid_strategy", "bid_micro", "daily_budget_micro", "lifetime_budget_micro", "targeting", "placement_v2", "start_time", "end_time", "pacing_type", "conversion_window", "child_ad_type", "delivery_constraint", "auto_bid", "target_bid", "roas_value_micro", "skadnetwork_properties", "event_sources", "forced_view_setting", "brand_safety_config", "measurement_provider_names"}

// Documented minimums: ad squad daily_budget_micro ≥ 5000000 in every
// currency (ad-squads page). Campaign daily spend caps are refused below
// 20 units of the currency as Ads Manager does.
const (
	minSquadBudgetMicro    = 5_000_000
	minCampaignBudgetMicro = 20_000_000
)

// minBidMicro is one minor unit of the currency (a bid below it is a
// cents-for-micros mistake).
func minBidMicro(currency string) int64 {
	switch currency {
	case "JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD":
		return 1_000_000
	case "KWD", "BHD", "JOD", "OMR", "TND", "IQD", "LYD":
		return 1_000
	}
	return 10_000
}

// decodeUpdate reads {"<plural>":[{…}]} into generic objects, numbers kept
// as json.Number so integer micros can be checked.
func (s *Server) decodeUpdate(w http.ResponseWriter, r *http.Request, plural string) ([]map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.reject(w, "E1001", "PUT %s: Content-Type must be application/json, got %q", r.URL.Path, ct)
		return nil, false
	}
	if len(r.URL.Query()) > 0 {
		s.reject(w, "E1001", "PUT %s: unexpected query parameters %v", r.URL.Path, r.URL.Query())
		return nil, false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.UseNumber()
	var body map[string]json.RawMessage
	if err := dec.Decode(&body); err != nil {
		s.reject(w, "E1001", "PUT %s: body is not a JSON object: %v", r.URL.Path, err)
		return nil, false
	}
	for k := range body {
		if k != plural {
			s.reject(w, "E1001", "PUT %s: unknown top-level field %q (want {%q:[…]})", r.URL.Path, k, plural)
			return nil, false
		}
	}
	var items []map[string]any
	d2 := json.NewDecoder(bytes.NewReader(body[plural]))
	d2.UseNumber()
	if err := d2.Decode(&items); err != nil || len(items) == 0 {
		s.reject(w, "E1001", "PUT %s: %q must be a non-empty array of objects", r.URL.Path, plural)
		return nil, false
	}
	return items, true
}

// micro reads an integer micro-currency attribute.
func micro(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(n.String(), ".eE") {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// checkFields reports the first attribute outside writable+readOnly.
func checkFields(obj map[string]any, writable []string) string {
	for k := range obj {
		if !slices.Contains(writable, k) && !slices.Contains(readOnly, k) {
			return k
		}
	}
	return ""
}

func str(obj map[string]any, k string) string { v, _ := obj[k].(string); return v }

func (s *Server) updateCampaigns(w http.ResponseWriter, r *http.Request, accountID string) {
	items, ok := s.decodeUpdate(w, r, "campaigns")
	if !ok {
		return
	}
	s.mu.Lock()
	acct := s.st.accountBy[accountID]
	s.mu.Unlock()
	if acct == nil {
		notFound(w, "Ad account")
		return
	}
	type change struct {
		c      *Campaign
		status string
		name   string
		budget *int64
	}
	var changes []change
	for i, obj := range items {
		if k := checkFields(obj, campaignWritable); k != "" {
			s.reject(w, "E1001", "PUT campaigns[%d]: unknown attribute %q", i, k)
			return
		}
		for _, req := range []string{"id", "ad_account_id", "name", "status", "start_time"} {
			if str(obj, req) == "" {
				s.reject(w, "E1001", "PUT campaigns[%d]: required attribute %q missing (updates take the full entity)", i, req)
				return
			}
		}
		if str(obj, "ad_account_id") != accountID {
			s.reject(w, "E1001", "PUT campaigns[%d]: ad_account_id %q does not match the path's %q", i, str(obj, "ad_account_id"), accountID)
			return
		}
		if st := str(obj, "status"); st != "ACTIVE" && st != "PAUSED" {
			s.reject(w, "E1001", "PUT campaigns[%d]: status must be ACTIVE or PAUSED, got %q", i, st)
			return
		}
		ch := change{status: str(obj, "status"), name: str(obj, "name")}
		if v, present := obj["daily_budget_micro"]; present && v != nil {
			b, ok := micro(v)
			if !ok || b < minCampaignBudgetMicro {
				s.reject(w, "E1001", "PUT campaigns[%d]: daily_budget_micro must be an integer amount of micro-currency ≥ %d, got %v", i, minCampaignBudgetMicro, v)
				return
			}
			ch.budget = &b
		}
		s.mu.Lock()
		ch.c = s.st.campaign[str(obj, "id")]
		s.mu.Unlock()
		if ch.c == nil || ch.c.AdAccountID != accountID || ch.c.Deleted {
			notFound(w, "Campaign")
			return
		}
		changes = append(changes, ch)
	}
	s.mu.Lock()
	var out []any
	for _, ch := range changes {
		c := ch.c
		var changed []string
		if c.Status != ch.status {
			changed = append(changed, "status")
		}
		if c.Name != ch.name {
			changed = append(changed, "name")
		}
		if (c.DailyBudgetMicro == nil) != (ch.budget == nil) || c.DailyBudgetMicro != nil && *c.DailyBudgetMicro != *ch.budget {
			changed = append(changed, "daily_budget_micro")
		}
		// Full-entity semantics: an omitted optional attribute is cleared.
		c.Status, c.Name, c.DailyBudgetMicro = ch.status, ch.name, ch.budget
		s.mutations = append(s.mutations, Mutation{Entity: "campaign", ID: c.ID, Changed: changed})
		out = append(out, map[string]any{"sub_request_status": "SUCCESS", "campaign": campaignJSON(c)})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"request_status": "SUCCESS", "request_id": requestID(), "campaigns": out})
}

func (s *Server) updateSquads(w http.ResponseWriter, r *http.Request, campaignID string) {
	items, ok := s.decodeUpdate(w, r, "adsquads")
	if !ok {
		return
	}
	s.mu.Lock()
	c := s.st.campaign[campaignID]
	currency := ""
	if c != nil {
		currency = s.st.accountBy[c.AdAccountID].Currency
	}
	s.mu.Unlock()
	if c == nil {
		notFound(w, "Campaign")
		return
	}
	type change struct {
		sq          *AdSquad
		status      string
		bid, budget *int64
	}
	var changes []change
	for i, obj := range items {
		if k := checkFields(obj, squadWritable); k != "" {
			s.reject(w, "E1001", "PUT adsquads[%d]: unknown attribute %q", i, k)
			return
		}
		for _, req := range []string{"id", "campaign_id", "name", "status", "type", "billing_event", "optimization_goal"} {
			if str(obj, req) == "" {
				s.reject(w, "E1001", "PUT adsquads[%d]: required attribute %q missing (updates take the full entity)", i, req)
				return
			}
		}
		if str(obj, "campaign_id") != campaignID {
			s.reject(w, "E1001", "PUT adsquads[%d]: campaign_id %q does not match the path's %q", i, str(obj, "campaign_id"), campaignID)
			return
		}
		if st := str(obj, "status"); st != "ACTIVE" && st != "PAUSED" {
			s.reject(w, "E1001", "PUT adsquads[%d]: status must be ACTIVE or PAUSED, got %q", i, st)
			return
		}
		ch := change{status: str(obj, "status")}
		if v, present := obj["bid_micro"]; present && v != nil {
			b, ok := micro(v)
			if !ok || b < minBidMicro(currency) {
				s.reject(w, "E1001", "PUT adsquads[%d]: bid_micro must be an integer amount of micro-currency ≥ %d (%s), got %v", i, minBidMicro(currency), currency, v)
				return
			}
			ch.bid = &b
		}
		if v, present := obj["daily_budget_micro"]; present && v != nil {
			b, ok := micro(v)
			if !ok || b < minSquadBudgetMicro {
				s.reject(w, "E1001", "PUT adsquads[%d]: daily_budget_micro must be an integer amount of micro-currency ≥ %d, got %v", i, minSquadBudgetMicro, v)
				return
			}
			ch.budget = &b
		}
		s.mu.Lock()
		ch.sq = s.st.squad[str(obj, "id")]
		s.mu.Unlock()
		if ch.sq == nil || ch.sq.CampaignID != campaignID {
			notFound(w, "Ad squad")
			return
		}
		changes = append(changes, ch)
	}
	s.mu.Lock()
	var out []any
	for _, ch := range changes {
		sq := ch.sq
		var changed []string
		if sq.Status != ch.status {
			changed = append(changed, "status")
		}
		if (sq.BidMicro == nil) != (ch.bid == nil) || sq.BidMicro != nil && *sq.BidMicro != *ch.bid {
			changed = append(changed, "bid_micro")
		}
		if (sq.DailyBudgetMicro == nil) != (ch.budget == nil) || sq.DailyBudgetMicro != nil && *sq.DailyBudgetMicro != *ch.budget {
			changed = append(changed, "daily_budget_micro")
		}
		sq.Status, sq.BidMicro, sq.DailyBudgetMicro = ch.status, ch.bid, ch.budget
		s.mutations = append(s.mutations, Mutation{Entity: "adsquad", ID: sq.ID, Changed: changed})
		out = append(out, map[string]any{"sub_request_status": "SUCCESS", "adsquad": squadJSON(sq)})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"request_status": "SUCCESS", "request_id": requestID(), "adsquads": out})
}

// ---- stats (measurement page) ----

// statFields are the documented stats fields the fake knows; it reports
// delivery for the first five and zero for the rest.
var statFields = []string{
	"impressions", "swipes", "spend", "conversion_purchases", "conversion_purchases_value",
	"quartile_1", "quartile_2", "quartile_3", "view_completion", "screen_time_millis", "video_views",
	"conversion_add_cart", "conversion_sign_ups", "conversion_page_views", "uniques", "frequency",
}

const snapTime = "2006-01-02T15:04:05.000-07:00"

// maxStatsDays is the longest DAY-granularity window Snap answers ("Timeseries
// queries with DAY granularity cannot query time intervals of more than 32 days").
const maxStatsDays = 32

func (s *Server) stats(w http.ResponseWriter, r *http.Request, accountID string) {
	q := r.URL.Query()
	if bad := unknownParams(q, "granularity", "breakdown", "fields", "start_time", "end_time", "omit_empty",
		"swipe_up_attribution_window", "view_attribution_window", "action_report_time", "conversion_source_types", "cursor"); len(bad) > 0 {
		s.reject(w, "E1001", "GET stats: unknown query parameters %v", bad)
		return
	}
	s.mu.Lock()
	acct := s.st.accountBy[accountID]
	loc := s.st.locs[accountID]
	var ids []string
	for _, c := range s.st.campaigns[accountID] {
		ids = append(ids, c.ID)
	}
	seeded := make([]seedRange, len(ids))
	for i, id := range ids {
		seeded[i] = s.st.seeded[id]
	}
	pageSize := s.statsPageSize
	s.mu.Unlock()
	if acct == nil {
		notFound(w, "Ad account")
		return
	}
	if g := q.Get("granularity"); g != "DAY" {
		s.reject(w, "E1001", "GET stats: this client must ask granularity=DAY, got %q", g)
		return
	}
	if b := q.Get("breakdown"); b != "campaign" {
		s.reject(w, "E1001", "GET stats: ad account stats carry only spend without breakdown; want breakdown=campaign, got %q", b)
		return
	}
	if o := q.Get("omit_empty"); o != "" && o != "true" && o != "false" {
		s.reject(w, "E1001", "GET stats: omit_empty must be true or false, got %q", o)
		return
	}
	fields := strings.Split(q.Get("fields"), ",")
	for _, f := range fields {
		if !slices.Contains(statFields, f) {
			s.reject(w, "E1001", "GET stats: unknown stats field %q", f)
			return
		}
	}
	start, end, ok := s.statsWindow(w, q, loc)
	if !ok {
		return
	}
	offset := 0
	if c := q.Get("cursor"); c != "" {
		n, err := decodeCursor(c)
		if err != nil || n > len(ids) {
			s.reject(w, "E1001", "GET stats: cursor %q was not issued by this server", c)
			return
		}
		offset = n
	}
	last := min(offset+pageSize, len(ids))
	next := ""
	if last < len(ids) {
		next = s.nextLink(r, last)
	}
	omitEmpty := q.Get("omit_empty") == "true"
	buf := make([]byte, 0, 256+(last-offset)*(200+int(end.Sub(start)/(24*time.Hour)+1)*(120+30*len(fields))))
	buf = writeStats(buf, accountID, acct.Currency, start, end, ids[offset:last], seeded[offset:last], fields, omitEmpty, next)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(buf)
}

// statsWindow checks start_time/end_time: ISO 8601 with the account's own
// UTC offset for that day (practitioners report Snap refuses the same
// instant written in another zone), each the start of a day (00:00:00) in
// the account's time zone, end after start, at most 32 days apart.
func (s *Server) statsWindow(w http.ResponseWriter, q url.Values, loc *time.Location) (start, end time.Time, ok bool) {
	parse := func(name string) (time.Time, bool) {
		raw := q.Get(name)
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			s.reject(w, "E1001", "GET stats: %s %q is not an ISO 8601 timestamp with offset", name, raw)
			return t, false
		}
		l := t.In(loc)
		_, off := t.Zone()
		if _, want := l.Zone(); off != want {
			// Snap wants the account's own offset on that day (DST
			// included), not the same instant in another zone.
			s.reject(w, "E1001", "GET stats: %s %q must carry the account's UTC offset for that day (%s, %s)", name, raw, loc, l.Format("-07:00"))
			return t, false
		}
		if l.Hour() != 0 || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
			s.reject(w, "E1001", "Unsupported Stats Query: Timeseries queries with DAY granularity must have a %s that is the start of day (00:00:00) for the account's timezone. This account's timezone is: %s (got %s)", name, loc, raw)
			return t, false
		}
		return l, true
	}
	if start, ok = parse("start_time"); !ok {
		return
	}
	if end, ok = parse("end_time"); !ok {
		return
	}
	days := daysBetween(start, end)
	if days < 1 || days > maxStatsDays {
		s.reject(w, "E1001", "Unsupported Stats Query: Timeseries queries with DAY granularity cannot query time intervals of more than %d days (or end before they start); got %d days", maxStatsDays, days)
		return start, end, false
	}
	return start, end, true
}

func daysBetween(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// writeStats appends the DAY timeseries envelope with breakdown_stats.campaign
// by hand (cheap enough to serve 1,000 campaigns × 90 days quickly).
func writeStats(b []byte, accountID, currency string, start, end time.Time, ids []string, seeded []seedRange, fields []string, omitEmpty bool, next string) []byte {
	b = append(b, `{"request_status":"SUCCESS","request_id":"`...)
	b = append(b, requestID()...)
	b = append(b, `","paging":{`...)
	if next != "" {
		b = append(b, `"next_link":`...)
		b = strconv.AppendQuote(b, next)
	}
	b = append(b, `},"timeseries_stats":[{"sub_request_status":"SUCCESS","timeseries_stat":{"id":"`...)
	b = append(b, accountID...)
	b = append(b, `","type":"AD_ACCOUNT","granularity":"DAY","start_time":"`...)
	b = start.AppendFormat(b, snapTime)
	b = append(b, `","end_time":"`...)
	b = end.AppendFormat(b, snapTime)
	b = append(b, `","finalized_data_end_time":"`...)
	b = end.AppendFormat(b, snapTime)
	b = append(b, `","breakdown_stats":{"campaign":[`...)
	loc := start.Location()
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = append(b, id...)
		b = append(b, `","type":"CAMPAIGN","granularity":"DAY","start_time":"`...)
		b = start.AppendFormat(b, snapTime)
		b = append(b, `","end_time":"`...)
		b = end.AppendFormat(b, snapTime)
		b = append(b, `","timeseries":[`...)
		first := true
		for d := start; d.Before(end); {
			nd := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
			var st Stats
			r := seeded[i]
			if !r.first.IsZero() && !day.Before(r.first) && !day.After(r.last) {
				st = genStats(id, day, currency)
			}
			if !(omitEmpty && st == Stats{}) {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = append(b, `{"start_time":"`...)
				b = d.AppendFormat(b, snapTime)
				b = append(b, `","end_time":"`...)
				b = nd.AppendFormat(b, snapTime)
				b = append(b, `","stats":{`...)
				for j, f := range fields {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, '"')
					b = append(b, f...)
					b = append(b, `":`...)
					b = strconv.AppendInt(b, statValue(st, f), 10)
				}
				b = append(b, `}}`...)
			}
			d = nd
		}
		b = append(b, `]}`...)
	}
	b = append(b, "]}}}]}\n"...)
	return b
}

func statValue(st Stats, field string) int64 {
	switch field {
	case "impressions":
		return st.Impressions
	case "swipes":
		return st.Swipes
	case "spend":
		return st.Spend
	case "conversion_purchases":
		return st.Purchases
	case "conversion_purchases_value":
		return st.PurchaseValueMicro
	}
	return 0
}
