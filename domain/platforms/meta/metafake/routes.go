package metafake

// Graph API nodes and edges served by the fake.
// https://developers.facebook.com/docs/graph-api/results
// https://developers.facebook.com/docs/marketing-api/reference/user/adaccounts/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/campaigns/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/adsets/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/ads/
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/#Updating
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign/#Updating

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/internal/money"
)

// maxLimit is the largest page size the fake accepts.
const maxLimit = 5000

func (s *Server) route(w http.ResponseWriter, r *http.Request, rest string, q url.Values) {
	node, edge, _ := strings.Cut(rest, "/")
	get := r.Method == http.MethodGet
	switch {
	case node == "me" && edge == "" && get:
		if s.allowOnly(w, r, q, "fields") && s.checkFields(w, r, q, "User", userKnown) {
			writeJSON(w, http.StatusOK, map[string]string{"id": "10001", "name": "Fake Marketer"})
		}
	case node == "me" && edge == "permissions" && get:
		if s.allowOnly(w, r, q) {
			writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]string{{"permission": "ads_read", "status": "granted"}, {"permission": "ads_management", "status": "granted"}, {"permission": "public_profile", "status": "granted"}}})
		}
	case node == "me" && edge == "adaccounts" && get:
		s.listAccounts(w, r, q)
	case strings.HasPrefix(node, "act_") && get && edge != "":
		s.accountEdge(w, r, node, edge, q)
	case get && edge == "":
		s.readNode(w, r, node, q)
	case get && edge == "adsets":
		s.campaignAdSets(w, r, node, q)
	case r.Method == http.MethodPost && edge == "":
		s.update(w, r, node, q)
	default:
		s.violation(r, "unsupported request (not an endpoint the Marketing API client uses)")
		writeErr(w, http.StatusBadRequest, graphErr{Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(r.Method), node), Code: 100, Subcode: 33})
	}
}

// cursor encodes an offset in an edge, opaque as Meta's cursors are.
func cursor(edge string, off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("fake:" + edge + ":" + strconv.Itoa(off)))
}

// pageParams validates limit and after for edge and returns the offset and
// page size.
func (s *Server) pageParams(w http.ResponseWriter, r *http.Request, q url.Values, edge string) (int, int, bool) {
	limit := 25 // Meta's default page size
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.violation(r, "limit %q must be an integer in 1..%d", v, maxLimit)
			badParam(w, "limit must be a positive integer")
			return 0, 0, false
		}
		limit = n
	}
	if q.Has("before") || q.Has("offset") {
		s.violation(r, "the client pages forward with after only")
	}
	off := 0
	if a := q.Get("after"); a != "" || q.Has("after") {
		raw, err := base64.RawURLEncoding.DecodeString(a)
		rest, ok := strings.CutPrefix(string(raw), "fake:"+edge+":")
		n, err2 := strconv.Atoi(rest)
		if err != nil || !ok || err2 != nil || n < 0 {
			s.violation(r, "after %q is not a cursor this edge returned", a)
			badParam(w, "The after parameter is not a valid cursor")
			return 0, 0, false
		}
		off = n
	}
	return off, limit, true
}

// page writes one page of data (total rows; item(i) renders row i).
func page(w http.ResponseWriter, r *http.Request, edge string, off, limit, total int, item func(i int) any) {
	writeJSON(w, http.StatusOK, pageBody(r, edge, off, limit, total, item))
}

// pageBody renders one page: {"data":[…],"paging":{"cursors":{…},"next":…}},
// next only when more rows follow, as Meta does.
func pageBody(r *http.Request, edge string, off, limit, total int, item func(i int) any) map[string]any {
	end := min(off+limit, total)
	data := make([]any, 0, max(end-off, 0))
	for i := off; i < end; i++ {
		data = append(data, item(i))
	}
	p := map[string]any{}
	if end > off {
		cur := map[string]string{"before": cursor(edge, off), "after": cursor(edge, end)}
		p["cursors"] = cur
		if end < total {
			nq := r.URL.Query()
			nq.Set("after", cur["after"])
			nq.Set("limit", strconv.Itoa(limit))
			p["next"] = "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
		}
	}
	return map[string]any{"data": data, "paging": p}
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, q url.Values) {
	if !s.allowOnly(w, r, q, "fields", "limit", "after") || !s.checkFields(w, r, q, "AdAccount", accountKnown) {
		return
	}
	off, limit, ok := s.pageParams(w, r, q, "me/adaccounts")
	if !ok {
		return
	}
	s.mu.Lock()
	accts := append([]*Account(nil), s.accounts...)
	s.mu.Unlock()
	page(w, r, "me/adaccounts", off, limit, len(accts), func(i int) any {
		a := accts[i]
		return map[string]any{"id": a.ID, "account_id": strings.TrimPrefix(a.ID, "act_"), "name": a.Name, "currency": a.Currency, "timezone_name": a.TimeZone, "account_status": a.Status}
	})
}

func (s *Server) accountEdge(w http.ResponseWriter, r *http.Request, act, edge string, q url.Values) {
	s.mu.Lock()
	st := s.byAccount[act]
	s.mu.Unlock()
	if st == nil {
		writeErr(w, http.StatusBadRequest, graphErr{Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", act), Code: 100, Subcode: 33})
		return
	}
	switch edge {
	case "campaigns":
		s.listCampaigns(w, r, act, st, q)
	case "adsets":
		s.listAdSets(w, r, act+"/adsets", st.adSets, q)
	case "ads":
		s.listAds(w, r, act, st, q)
	case "insights":
		s.insights(w, r, act, st, q)
	default:
		s.violation(r, "unknown ad account edge %q", edge)
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Unknown path components: /" + edge, Code: 2500})
	}
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, act string, st *accountState, q url.Values) {
	if !s.allowOnly(w, r, q, "fields", "limit", "after", "effective_status") || !s.checkFields(w, r, q, "Campaign", campaignKnown) {
		return
	}
	off, limit, ok := s.pageParams(w, r, q, act+"/campaigns")
	if !ok {
		return
	}
	s.mu.Lock()
	body := pageBody(r, act+"/campaigns", off, limit, len(st.campaigns), func(i int) any { return campaignJSON(s.campaigns[st.campaigns[i]]) })
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func campaignJSON(c *Campaign) map[string]any {
	m := map[string]any{"id": c.ID, "account_id": strings.TrimPrefix(c.AccountID, "act_"), "name": c.Name, "status": c.Status, "effective_status": c.Status, "objective": c.Objective}
	if c.DailyBudget > 0 { // Meta omits unset budgets
		m["daily_budget"] = strconv.FormatInt(c.DailyBudget, 10)
	}
	return m
}

func adSetJSON(a *AdSet) map[string]any {
	m := map[string]any{"id": a.ID, "account_id": strings.TrimPrefix(a.AccountID, "act_"), "campaign_id": a.CampaignID, "name": a.Name, "status": a.Status, "effective_status": a.Status}
	if a.DailyBudget > 0 {
		m["daily_budget"] = strconv.FormatInt(a.DailyBudget, 10)
	}
	if a.BidAmount > 0 {
		m["bid_amount"] = a.BidAmount // an integer, as documented
	}
	return m
}

func (s *Server) listAdSets(w http.ResponseWriter, r *http.Request, edge string, ids []string, q url.Values) {
	if !s.allowOnly(w, r, q, "fields", "limit", "after", "effective_status") || !s.checkFields(w, r, q, "AdSet", adSetKnown) {
		return
	}
	off, limit, ok := s.pageParams(w, r, q, edge)
	if !ok {
		return
	}
	s.mu.Lock()
	body := pageBody(r, edge, off, limit, len(ids), func(i int) any { return adSetJSON(s.adSets[ids[i]]) })
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) listAds(w http.ResponseWriter, r *http.Request, act string, st *accountState, q url.Values) {
	if !s.allowOnly(w, r, q, "fields", "limit", "after", "effective_status") || !s.checkFields(w, r, q, "Ad", adKnown) {
		return
	}
	off, limit, ok := s.pageParams(w, r, q, act+"/ads")
	if !ok {
		return
	}
	s.mu.Lock()
	body := pageBody(r, act+"/ads", off, limit, len(st.ads), func(i int) any {
		a := s.ads[st.ads[i]]
		return map[string]any{"id": a.ID, "adset_id": a.AdSetID, "name": a.Name, "status": a.Status, "effective_status": a.Status}
	})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// campaignAdSets serves GET /<campaign_id>/adsets.
func (s *Server) campaignAdSets(w http.ResponseWriter, r *http.Request, id string, q url.Values) {
	s.mu.Lock()
	c := s.campaigns[id]
	var ids []string
	if c != nil {
		for _, sid := range s.byAccount[c.AccountID].adSets {
			if s.adSets[sid].CampaignID == id {
				ids = append(ids, sid)
			}
		}
	}
	s.mu.Unlock()
	if c == nil {
		s.violation(r, "GET /%s/adsets: %s is not a campaign", id, id)
		writeErr(w, http.StatusBadRequest, graphErr{Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id), Code: 100, Subcode: 33})
		return
	}
	s.listAdSets(w, r, id+"/adsets", ids, q)
}

// readNode serves GET /<campaign_id> and GET /<adset_id>.
func (s *Server) readNode(w http.ResponseWriter, r *http.Request, id string, q url.Values) {
	s.mu.Lock()
	c, a := s.campaigns[id], s.adSets[id]
	var out map[string]any
	if c != nil {
		out = campaignJSON(c)
	} else if a != nil {
		out = adSetJSON(a)
	}
	s.mu.Unlock()
	switch {
	case c != nil:
		if !s.allowOnly(w, r, q, "fields") || !s.checkFields(w, r, q, "Campaign", campaignKnown) {
			return
		}
	case a != nil:
		if !s.allowOnly(w, r, q, "fields") || !s.checkFields(w, r, q, "AdSet", adSetKnown) {
			return
		}
	default:
		writeErr(w, http.StatusBadRequest, graphErr{Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id), Code: 100, Subcode: 33})
		return
	}
	keep := map[string]any{"id": out["id"]}
	for _, f := range strings.Split(q.Get("fields"), ",") {
		if v, ok := out[f]; ok {
			keep[f] = v
		}
	}
	writeJSON(w, http.StatusOK, keep)
}

// minorAmount parses a budget or bid: a positive integer in the currency's
// minor unit, at most maxUnits whole units, and not a thousandfold jump
// from the current value (what sending micros instead of cents looks like).
func (s *Server) minorAmount(w http.ResponseWriter, r *http.Request, field, v, currency string, current, maxUnits int64) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		s.violation(r, "%s %q must be a positive integer in the minor unit of %s (e.g. cents), not a decimal or micros", field, v, currency)
		badParam(w, fmt.Sprintf("Param %s must be an integer", field))
		return 0, false
	}
	unit := int64(1)
	for range money.Exponent(currency) {
		unit *= 10
	}
	if n > maxUnits*unit || (current > 0 && n >= current*1000) {
		s.violation(r, "%s %d %s minor units (%s %s) is implausible: micros sent where Meta takes the minor unit?", field, n, currency, money.FormatMicros(currency, money.MinorToMicros(currency, n)), currency)
		badParam(w, fmt.Sprintf("Invalid %s", field))
		return 0, false
	}
	return n, true
}

// update serves POST /<campaign_id> (status, daily_budget) and POST
// /<adset_id> (status, daily_budget, bid_amount).
func (s *Server) update(w http.ResponseWriter, r *http.Request, id string, form url.Values) {
	s.mu.Lock()
	c, a := s.campaigns[id], s.adSets[id]
	acctID := ""
	var curBudget, curBid int64
	switch {
	case c != nil:
		acctID, curBudget = c.AccountID, c.DailyBudget
	case a != nil:
		acctID, curBudget, curBid = a.AccountID, a.DailyBudget, a.BidAmount
	}
	currency := ""
	if st := s.byAccount[acctID]; st != nil {
		currency = st.acct.Currency
	}
	s.mu.Unlock()
	kind := "campaign"
	allowed := []string{"status", "daily_budget"}
	switch {
	case c != nil:
	case a != nil:
		kind, allowed = "adset", []string{"status", "daily_budget", "bid_amount"}
	default:
		writeErr(w, http.StatusBadRequest, graphErr{Message: fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id), Code: 100, Subcode: 33})
		return
	}
	if !s.allowOnly(w, r, form, allowed...) {
		return
	}
	applied := map[string]string{}
	var budget, bid int64
	status := form.Get("status")
	if form.Has("status") {
		switch status {
		case "ACTIVE", "PAUSED", "ARCHIVED", "DELETED":
			applied["status"] = status
		default:
			s.violation(r, "status %q is not ACTIVE, PAUSED, ARCHIVED or DELETED", status)
			badParam(w, "Param status must be one of {ACTIVE, PAUSED, DELETED, ARCHIVED}")
			return
		}
	}
	if v := form.Get("daily_budget"); form.Has("daily_budget") {
		n, ok := s.minorAmount(w, r, "daily_budget", v, currency, curBudget, 10_000_000)
		if !ok {
			return
		}
		budget, applied["daily_budget"] = n, v
	}
	if v := form.Get("bid_amount"); form.Has("bid_amount") {
		n, ok := s.minorAmount(w, r, "bid_amount", v, currency, curBid, 100_000)
		if !ok {
			return
		}
		bid, applied["bid_amount"] = n, v
	}
	if len(applied) == 0 {
		s.violation(r, "POST with no field to update")
		badParam(w, "No fields to update")
		return
	}
	s.mu.Lock()
	if c != nil {
		if status != "" {
			c.Status = status
		}
		if budget > 0 {
			c.DailyBudget = budget
		}
	} else {
		if status != "" {
			a.Status = status
		}
		if budget > 0 {
			a.DailyBudget = budget
		}
		if bid > 0 {
			a.BidAmount = bid
		}
	}
	s.mutations = append(s.mutations, Mutation{Object: id, Kind: kind, Params: applied})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}
