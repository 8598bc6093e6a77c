package metafake

// GET /act_<id>/insights at level=campaign with time_increment=1.
// https://developers.facebook.com/docs/marketing-api/insights
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/
// https://developers.facebook.com/docs/marketing-api/insights/parameters
// https://developers.facebook.com/docs/marketing-api/reference/ads-action-stats/

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/stratumhq/stratum/internal/money"
)

// InsightRow is the fake's delivery of one campaign on one day, money in
// the account currency's minor unit. Purchases are reported under both
// omni_purchase and offsite_conversion.fb_pixel_purchase (the same
// purchases, as Meta does), plus an add_to_cart decoy with other values.
type InsightRow struct {
	CampaignID, Day     string
	SpendMinor          int64
	Impressions, Clicks int64
	Purchases           int64
	PurchaseValueMinor  int64
}

// Row returns the deterministic insight of campaignID on day.
func Row(campaignID, day string) InsightRow {
	h := fnv.New64a()
	h.Write([]byte(campaignID))
	h.Write([]byte(day))
	x := mix(h.Sum64())
	imp := int64(1000 + x%9000)
	clicks := imp * int64(5+(x>>14)%45) / 1000
	purchases := clicks * int64((x>>22)%6) / 20
	return InsightRow{
		CampaignID: campaignID, Day: day,
		SpendMinor:  int64(100 + (x>>30)%50000),
		Impressions: imp, Clicks: clicks, Purchases: purchases,
		PurchaseValueMinor: purchases * int64(1500+(x>>40)%6000),
	}
}

// mix is splitmix64's finalizer.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

type actionStat struct {
	ActionType string `json:"action_type"`
	Value      string `json:"value"`
}

type insightJSON struct {
	AccountID       string       `json:"account_id,omitempty"`
	AccountCurrency string       `json:"account_currency,omitempty"`
	CampaignID      string       `json:"campaign_id,omitempty"`
	CampaignName    string       `json:"campaign_name,omitempty"`
	Spend           string       `json:"spend,omitempty"`
	Impressions     string       `json:"impressions,omitempty"`
	Clicks          string       `json:"clicks,omitempty"`
	Actions         []actionStat `json:"actions,omitempty"`
	ActionValues    []actionStat `json:"action_values,omitempty"`
	DateStart       string       `json:"date_start"`
	DateStop        string       `json:"date_stop"`
}

func (row InsightRow) render(fields map[string]bool, currency, acct, name string) insightJSON {
	j := insightJSON{DateStart: row.Day, DateStop: row.Day}
	if fields["campaign_id"] {
		j.CampaignID = row.CampaignID
	}
	if fields["campaign_name"] {
		j.CampaignName = name
	}
	if fields["account_id"] {
		j.AccountID = acct
	}
	if fields["account_currency"] {
		j.AccountCurrency = currency
	}
	if fields["spend"] {
		j.Spend = money.FormatMicros(currency, money.MinorToMicros(currency, row.SpendMinor))
	}
	if fields["impressions"] {
		j.Impressions = strconv.FormatInt(row.Impressions, 10)
	}
	if fields["clicks"] {
		j.Clicks = strconv.FormatInt(row.Clicks, 10)
	}
	if fields["actions"] {
		j.Actions = []actionStat{{"link_click", strconv.FormatInt(row.Clicks, 10)}, {"add_to_cart", strconv.FormatInt(row.Purchases*3+1, 10)}}
		if row.Purchases > 0 { // Meta omits actions that did not happen
			p := strconv.FormatInt(row.Purchases, 10)
			j.Actions = append(j.Actions, actionStat{"offsite_conversion.fb_pixel_purchase", p}, actionStat{"omni_purchase", p})
		}
	}
	if fields["action_values"] {
		j.ActionValues = []actionStat{{"add_to_cart", money.FormatMicros(currency, money.MinorToMicros(currency, row.PurchaseValueMinor*2+100))}}
		if row.Purchases > 0 {
			v := money.FormatMicros(currency, money.MinorToMicros(currency, row.PurchaseValueMinor))
			j.ActionValues = append(j.ActionValues, actionStat{"offsite_conversion.fb_pixel_purchase", v}, actionStat{"omni_purchase", v})
		}
	}
	return j
}

// insightsQuery is a validated insights request.
type insightsQuery struct {
	fields       map[string]bool
	since, until string
}

func (s *Server) insightsParams(w http.ResponseWriter, r *http.Request, q url.Values) (insightsQuery, bool) {
	var iq insightsQuery
	if !s.allowOnly(w, r, q, "fields", "level", "time_increment", "time_range", "limit", "after", "action_report_time", "use_account_attribution_setting") ||
		!s.checkFields(w, r, q, "AdsInsights", insightKnown) {
		return iq, false
	}
	if l := q.Get("level"); l != "campaign" {
		s.violation(r, "level %q: the client reads level=campaign", l)
		badParam(w, "level must be one of {ad, adset, campaign, account}")
		return iq, false
	}
	if ti := q.Get("time_increment"); ti != "1" {
		s.violation(r, "time_increment %q: daily rows need time_increment=1", ti)
		badParam(w, "time_increment must be 1 for daily rows")
		return iq, false
	}
	var tr map[string]string
	if err := json.Unmarshal([]byte(q.Get("time_range")), &tr); err != nil || len(tr) != 2 || !day(tr["since"]) || !day(tr["until"]) || tr["since"] > tr["until"] {
		s.violation(r, "time_range %q must be {\"since\":\"YYYY-MM-DD\",\"until\":\"YYYY-MM-DD\"} with since <= until", q.Get("time_range"))
		badParam(w, "Param time_range must be a JSON object with since and until dates")
		return iq, false
	}
	iq.fields = map[string]bool{}
	for _, f := range splitFields(q.Get("fields")) {
		iq.fields[f] = true
	}
	iq.since, iq.until = tr["since"], tr["until"]
	return iq, true
}

func day(d string) bool {
	_, err := time.Parse(time.DateOnly, d)
	return err == nil && len(d) == len(time.DateOnly)
}

func (s *Server) insights(w http.ResponseWriter, r *http.Request, act string, st *accountState, q url.Values) {
	iq, ok := s.insightsParams(w, r, q)
	if !ok {
		return
	}
	edge := act + "/insights/" + iq.since + "/" + iq.until
	off, limit, ok := s.pageParams(w, r, q, edge)
	if !ok {
		return
	}
	s.mu.Lock()
	lo := sort.SearchStrings(s.days, iq.since)
	hi := sort.SearchStrings(s.days, iq.until)
	if hi < len(s.days) && s.days[hi] == iq.until {
		hi++
	}
	days := s.days[lo:hi]
	camps := st.campaigns
	currency := st.acct.Currency
	nd, total := len(days), len(days)*len(camps)
	names := map[string]string{}
	if iq.fields["campaign_name"] {
		for i := off; i < min(off+limit, total); i++ {
			id := camps[i/nd]
			names[id] = s.campaigns[id].Name
		}
	}
	s.mu.Unlock()
	accountID := act[len("act_"):]
	page(w, r, edge, off, limit, total, func(i int) any {
		id := camps[i/nd]
		return Row(id, days[i%nd]).render(iq.fields, currency, accountID, names[id])
	})
}

// splitFields splits a fields parameter.
func splitFields(f string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(f); i++ {
		if i == len(f) || f[i] == ',' {
			out = append(out, f[start:i])
			start = i + 1
		}
	}
	return out
}

// InsightPageURLs returns the URLs of every page of GET
// /act_<id>/insights for [since, until] at level=campaign, daily, with the
// given fields and page size, exactly as a client following the cursors
// requests them (appsecret_proof for tok included; send tok as the bearer
// header). It is for measuring the fake's own serving rate.
func (s *Server) InsightPageURLs(act, fields, since, until string, limit int, tok string) []string {
	s.mu.Lock()
	st := s.byAccount[act]
	lo := sort.SearchStrings(s.days, since)
	hi := sort.SearchStrings(s.days, until)
	if hi < len(s.days) && s.days[hi] == until {
		hi++
	}
	total := 0
	if st != nil {
		total = len(st.campaigns) * (hi - lo)
	}
	s.mu.Unlock()
	tr, _ := json.Marshal(map[string]string{"since": since, "until": until})
	q := url.Values{"fields": {fields}, "level": {"campaign"}, "time_increment": {"1"}, "time_range": {string(tr)}, "limit": {strconv.Itoa(limit)}, "appsecret_proof": {proofOf(tok)}}
	edge := act + "/insights/" + since + "/" + until
	var out []string
	for off := 0; off == 0 || off < total; off += limit {
		if off > 0 {
			q.Set("after", cursor(edge, off))
		}
		out = append(out, s.srv.URL+"/"+Version+"/"+act+"/insights?"+q.Encode())
	}
	return out
}
