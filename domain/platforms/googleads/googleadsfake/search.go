package googleadsfake

// googleAds:searchStream as documented:
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/searchStream
//     (body {"query", "summaryRowSetting"}; the response is a JSON array of
//      SearchGoogleAdsStreamResponse batches with results, fieldMask, requestId)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/GoogleAdsRow
//   https://protobuf.dev/programming-guides/json/ (lowerCamelCase names, int64 as strings)

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/internal/money"
)

// rowCtx is the entities behind one result row.
type rowCtx struct {
	cust   *customerState
	client *customerState
	level  int
	camp   *Campaign
	group  *AdGroup
	ad     *Ad
	date   string
	m      Metrics
}

// getter returns a field's value and whether it is a JSON string.
type getter func(*rowCtx) (string, bool)

func str(f func(*rowCtx) string) getter {
	return func(c *rowCtx) (string, bool) { return f(c), true }
}

func raw(f func(*rowCtx) string) getter {
	return func(c *rowCtx) (string, bool) { return f(c), false }
}

func i64(f func(*rowCtx) int64) getter {
	return func(c *rowCtx) (string, bool) { return strconv.FormatInt(f(c), 10), true }
}

func boolean(f func(*rowCtx) bool) getter {
	return func(c *rowCtx) (string, bool) { return strconv.FormatBool(f(c)), false }
}

func campaignRN(c *rowCtx) string {
	return "customers/" + c.cust.ID + "/campaigns/" + c.camp.ID
}

func adGroupRN(cid, id string) string { return "customers/" + cid + "/adGroups/" + id }

var getters = map[string]getter{
	"customer.id":               str(func(c *rowCtx) string { return c.cust.ID }),
	"customer.resource_name":    str(func(c *rowCtx) string { return "customers/" + c.cust.ID }),
	"customer.descriptive_name": str(func(c *rowCtx) string { return c.cust.Name }),
	"customer.currency_code":    str(func(c *rowCtx) string { return c.cust.Currency }),
	"customer.time_zone":        str(func(c *rowCtx) string { return c.cust.TimeZone }),
	"customer.manager":          boolean(func(c *rowCtx) bool { return c.cust.Manager }),
	"customer.status":           str(func(*rowCtx) string { return "ENABLED" }),
	"customer.test_account":     boolean(func(*rowCtx) bool { return false }),

	"customer_client.client_customer":  str(func(c *rowCtx) string { return "customers/" + c.client.ID }),
	"customer_client.id":               str(func(c *rowCtx) string { return c.client.ID }),
	"customer_client.resource_name":    str(func(c *rowCtx) string { return "customers/" + c.cust.ID + "/customerClients/" + c.client.ID }),
	"customer_client.descriptive_name": str(func(c *rowCtx) string { return c.client.Name }),
	"customer_client.currency_code":    str(func(c *rowCtx) string { return c.client.Currency }),
	"customer_client.time_zone":        str(func(c *rowCtx) string { return c.client.TimeZone }),
	"customer_client.manager":          boolean(func(c *rowCtx) bool { return c.client.Manager }),
	"customer_client.status":           str(func(*rowCtx) string { return "ENABLED" }),
	"customer_client.level":            i64(func(c *rowCtx) int64 { return int64(c.level) }),
	"customer_client.hidden":           boolean(func(*rowCtx) bool { return false }),

	"campaign.id":                       str(func(c *rowCtx) string { return c.camp.ID }),
	"campaign.resource_name":            str(campaignRN),
	"campaign.name":                     str(func(c *rowCtx) string { return c.camp.Name }),
	"campaign.status":                   str(func(c *rowCtx) string { return c.camp.Status }),
	"campaign.advertising_channel_type": str(func(c *rowCtx) string { return c.camp.Channel }),
	"campaign.campaign_budget":          str(func(c *rowCtx) string { return budgetRN(c) }),
	"campaign_budget.id":                str(func(c *rowCtx) string { return c.camp.BudgetID }),
	"campaign_budget.resource_name":     str(budgetRN),
	"campaign_budget.amount_micros":     i64(func(c *rowCtx) int64 { return c.camp.BudgetMicros }),

	"segments.date":             str(func(c *rowCtx) string { return c.date }),
	"metrics.cost_micros":       i64(func(c *rowCtx) int64 { return c.m.CostMicros }),
	"metrics.impressions":       i64(func(c *rowCtx) int64 { return c.m.Impressions }),
	"metrics.clicks":            i64(func(c *rowCtx) int64 { return c.m.Clicks }),
	"metrics.conversions":       raw(func(c *rowCtx) string { return strconv.FormatFloat(c.m.Conversions, 'f', -1, 64) }),
	"metrics.conversions_value": raw(func(c *rowCtx) string { return decimal(c.m.ConversionsValueMicros) }),

	"ad_group.id":             str(func(c *rowCtx) string { return c.group.ID }),
	"ad_group.resource_name":  str(func(c *rowCtx) string { return adGroupRN(c.cust.ID, c.group.ID) }),
	"ad_group.name":           str(func(c *rowCtx) string { return c.group.Name }),
	"ad_group.status":         str(func(c *rowCtx) string { return c.group.Status }),
	"ad_group.cpc_bid_micros": i64(func(c *rowCtx) int64 { return c.group.CpcBidMicros }),
	"ad_group.campaign":       str(campaignRN),

	"ad_group_ad.resource_name":    str(func(c *rowCtx) string { return "customers/" + c.cust.ID + "/adGroupAds/" + c.group.ID + "~" + c.ad.ID }),
	"ad_group_ad.ad.id":            str(func(c *rowCtx) string { return c.ad.ID }),
	"ad_group_ad.ad.resource_name": str(func(c *rowCtx) string { return "customers/" + c.cust.ID + "/ads/" + c.ad.ID }),
	"ad_group_ad.ad.name":          str(func(c *rowCtx) string { return c.ad.Name }),
	"ad_group_ad.status":           str(func(c *rowCtx) string { return c.ad.Status }),
	"ad_group_ad.ad_group":         str(func(c *rowCtx) string { return adGroupRN(c.cust.ID, c.group.ID) }),
}

func budgetRN(c *rowCtx) string {
	return "customers/" + c.cust.ID + "/campaignBudgets/" + c.camp.BudgetID
}

// decimal writes micros as a JSON number in units, always with a fraction
// ("12.34", "1200.0"), as a double prints.
func decimal(micros int64) string {
	s := money.FormatMicros("XXX", micros)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		frac = "0"
	}
	return whole + "." + frac
}

// camel turns a snake_case path segment into lowerCamelCase.
func camel(s string) string {
	var b strings.Builder
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			up = true
		case up && c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
			up = false
		default:
			b.WriteByte(c)
			up = false
		}
	}
	return b.String()
}

// column is one output field: its JSON path and getter.
type column struct {
	path []string
	get  getter
}

// plan is a query's columns in output order (grouped by object), with the
// resource names of the selected top-level objects added, as Google does.
func plan(q *query) ([]column, string) {
	names := append([]string(nil), q.Select...)
	tops := map[string]bool{}
	for _, f := range q.Select {
		top := f[:strings.IndexByte(f, '.')]
		if top != "segments" && top != "metrics" && !tops[top] {
			tops[top] = true
			if rn := top + ".resource_name"; getters[rn] != nil && !contains(names, rn) {
				names = append(names, rn)
			}
		}
	}
	sort.Strings(names)
	cols := make([]column, 0, len(names))
	for _, n := range names {
		segs := strings.Split(n, ".")
		for i := range segs {
			segs[i] = camel(segs[i])
		}
		cols = append(cols, column{path: segs, get: getters[n]})
	}
	mask := make([]string, len(q.Select))
	for i, f := range q.Select {
		segs := strings.Split(f, ".")
		for j := range segs {
			segs[j] = camel(segs[j])
		}
		mask[i] = strings.Join(segs, ".")
	}
	return cols, strings.Join(mask, ",")
}

// appendRow writes one GoogleAdsRow object.
func appendRow(b []byte, cols []column, c *rowCtx) []byte {
	var open []string
	b = append(b, '{')
	first := true
	for _, col := range cols {
		// close objects not shared with this path
		common := 0
		for common < len(open) && common < len(col.path)-1 && open[common] == col.path[common] {
			common++
		}
		for len(open) > common {
			b = append(b, '}')
			open = open[:len(open)-1]
		}
		for _, seg := range col.path[len(open) : len(col.path)-1] {
			if !first {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, seg...)
			b = append(b, `":{`...)
			open = append(open, seg)
			first = true
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, col.path[len(col.path)-1]...)
		b = append(b, `":`...)
		v, quoted := col.get(c)
		if quoted {
			b = strconv.AppendQuote(b, v)
		} else {
			b = append(b, v...)
		}
	}
	for range open {
		b = append(b, '}')
	}
	return append(b, '}')
}

// searchStream answers googleAds:searchStream.
func (s *Server) searchStream(w http.ResponseWriter, r *http.Request, cs *customerState) {
	var body struct {
		Query             string `json:"query"`
		SummaryRowSetting string `json:"summaryRowSetting"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		s.invalid(w, "requestError", "INVALID_INPUT", "searchStream body: %v (fields: query, summaryRowSetting)", err)
		return
	}
	if body.SummaryRowSetting != "" && body.SummaryRowSetting != "NO_SUMMARY_ROW" {
		s.invalid(w, "requestError", "INVALID_INPUT", "summaryRowSetting %q is not served by the fake", body.SummaryRowSetting)
		return
	}
	if strings.TrimSpace(body.Query) == "" {
		s.invalid(w, "queryError", "QUERY_NOT_SPECIFIED", "searchStream needs a query")
		return
	}
	q, err := parseQuery(body.Query)
	if err != nil {
		code := "PROHIBITED_CLAUSE_IN_WHERE"
		switch {
		case strings.Contains(err.Error(), "unrecognized field"):
			code = "UNRECOGNIZED_FIELD"
		case strings.Contains(err.Error(), "resource name"):
			code = "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"
		case strings.Contains(err.Error(), "segments.date"):
			code = "FILTER_HAS_TOO_MANY_VALUES"
		}
		s.invalid(w, "queryError", code, "%s (query: %s)", err, body.Query)
		return
	}
	cols, mask := plan(q)
	var where []cond
	var whereGet []getter
	for _, c := range q.Where {
		if c.Field == "segments.date" {
			continue
		}
		where = append(where, c)
		whereGet = append(whereGet, getters[c.Field])
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	bw := bufio.NewWriterSize(w, 64<<10)
	st := &stream{w: bw, mask: mask, batch: s.batch, limit: q.Limit}
	st.buf = append(st.buf, '[')
	// Stream from a copy, so a slow reader never holds the lock (a client
	// may mutate from inside its callback).
	snap, all := s.snapshot(cs, q.Resource == "customer_client")
	err = rows(q, snap, all, func(c *rowCtx) error {
		for i, cd := range where {
			v, _ := whereGet[i](c)
			if !cd.match(v) {
				return nil
			}
		}
		return st.add(cols, c)
	})
	if err == nil || errors.Is(err, errLimit) {
		st.finish()
	}
	_ = bw.Flush()
}

var errLimit = errors.New("limit reached")

// stream writes rows in batches.
type stream struct {
	w       *bufio.Writer
	buf     []byte
	mask    string
	batch   int
	limit   int
	n, in   int
	batches int
}

func (st *stream) add(cols []column, c *rowCtx) error {
	if st.in == 0 {
		if st.batches > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, `{"results":[`...)
	} else {
		st.buf = append(st.buf, ',')
	}
	st.buf = appendRow(st.buf, cols, c)
	st.in++
	st.n++
	if st.in == st.batch {
		st.closeBatch()
	}
	if len(st.buf) > 32<<10 {
		if _, err := st.w.Write(st.buf); err != nil {
			return err
		}
		st.buf = st.buf[:0]
	}
	if st.limit > 0 && st.n >= st.limit {
		return errLimit
	}
	return nil
}

func (st *stream) closeBatch() {
	st.buf = append(st.buf, `],"fieldMask":`...)
	st.buf = strconv.AppendQuote(st.buf, st.mask)
	st.buf = append(st.buf, `,"requestId":"fake-request"}`...)
	st.in = 0
	st.batches++
}

func (st *stream) finish() {
	if st.in > 0 {
		st.closeBatch()
	}
	if st.batches == 0 {
		st.buf = append(st.buf, `{"fieldMask":`...)
		st.buf = strconv.AppendQuote(st.buf, st.mask)
		st.buf = append(st.buf, `,"requestId":"fake-request"}`...)
	}
	st.buf = append(st.buf, ']')
	_, _ = st.w.Write(st.buf)
}

// snapshot copies cs's entities (and, for customer_client, every
// customer) under the read lock.
func (s *Server) snapshot(cs *customerState, customers bool) (*customerState, []*customerState) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &customerState{Customer: cs.Customer, campByID: make(map[string]*Campaign, len(cs.campaigns)),
		groupByID: make(map[string]*AdGroup, len(cs.adGroups)), override: make(map[string]Metrics, len(cs.override))}
	camps := make([]Campaign, len(cs.campaigns))
	for i, c := range cs.campaigns {
		camps[i] = *c
		out.campaigns = append(out.campaigns, &camps[i])
		out.campByID[c.ID] = &camps[i]
	}
	groups := make([]AdGroup, len(cs.adGroups))
	for i, g := range cs.adGroups {
		groups[i] = *g
		out.adGroups = append(out.adGroups, &groups[i])
		out.groupByID[g.ID] = &groups[i]
	}
	ads := make([]Ad, len(cs.ads))
	for i, a := range cs.ads {
		ads[i] = *a
		out.ads = append(out.ads, &ads[i])
	}
	for k, v := range cs.override {
		out.override[k] = v
	}
	var all []*customerState
	if customers {
		for _, id := range s.order {
			all = append(all, &customerState{Customer: s.customers[id].Customer})
		}
	}
	return out, all
}

// rows enumerates q's resource rows for customer cs (a snapshot; all is
// every customer, for customer_client).
func rows(q *query, cs *customerState, all []*customerState, fn func(*rowCtx) error) error {
	c := &rowCtx{cust: cs}
	switch q.Resource {
	case "customer":
		return fn(c)
	case "customer_client":
		return clients(all, cs.Customer, 0, c, fn)
	case "campaign":
		if q.From == "" {
			for _, camp := range cs.campaigns {
				c.camp = camp
				if err := fn(c); err != nil {
					return err
				}
			}
			return nil
		}
		return metricRows(q, cs, c, fn)
	case "ad_group":
		for _, g := range cs.adGroups {
			c.group, c.camp = g, cs.campByID[g.CampaignID]
			if err := fn(c); err != nil {
				return err
			}
		}
	case "ad_group_ad":
		for _, a := range cs.ads {
			c.ad, c.group = a, cs.groupByID[a.AdGroupID]
			c.camp = cs.campByID[c.group.CampaignID]
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// clients walks the customer hierarchy below cs (level 0: cs itself).
func clients(all []*customerState, cust Customer, level int, c *rowCtx, fn func(*rowCtx) error) error {
	c.client, c.level = &customerState{Customer: cust}, level
	if err := fn(c); err != nil {
		return err
	}
	if level >= 10 {
		return nil
	}
	for _, child := range all {
		if child.ManagerID == cust.ID {
			if err := clients(all, child.Customer, level+1, c, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// metricRows yields campaign × day rows with metrics, omitting all-zero days.
func metricRows(q *query, cs *customerState, c *rowCtx, fn func(*rowCtx) error) error {
	from, _ := time.Parse(time.DateOnly, q.From)
	to, _ := time.Parse(time.DateOnly, q.To)
	var days []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	unit := int64(1)
	for i := money.Exponent(cs.Currency); i < 6; i++ {
		unit *= 10
	}
	for _, camp := range cs.campaigns {
		c.camp = camp
		for _, day := range days {
			m, ok := cs.override[camp.ID+"|"+day]
			if !ok {
				if camp.Start != "" && day < camp.Start || camp.End != "" && day > camp.End {
					continue
				}
				m = generate(cs.ID, camp.ID, day, unit)
			}
			if m == (Metrics{}) {
				continue
			}
			c.date, c.m = day, m
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// generate derives a campaign-day's metrics from a hash: cheap, stable and
// the same on every call. Money is whole minor units (unit micros each).
func generate(cid, campID, day string, unit int64) Metrics {
	h := uint64(14695981039346656037)
	for _, part := range [...]string{cid, campID, day} {
		for i := 0; i < len(part); i++ {
			h ^= uint64(part[i])
			h *= 1099511628211
		}
		h ^= '|'
		h *= 1099511628211
	}
	imp := int64(500 + h%5000)
	clicks := imp / int64(10+(h>>16)%40)
	cpc := int64(20+(h>>24)%200) * unit
	halves := int64((h >> 32) % 20)
	return Metrics{
		Impressions: imp, Clicks: clicks, CostMicros: clicks * cpc,
		Conversions:            float64(halves) / 2,
		ConversionsValueMicros: halves * int64(500+(h>>40)%5000) * unit,
	}
}
