package tiktokfake

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/internal/money"
)

// Report metrics the fake serves (a subset of the documented basic and
// attribution metrics; any other name is refused as a typo).
var reportMetrics = set("spend", "impressions", "clicks", "conversion", "total_complete_payment_rate", "complete_payment", "ctr", "cpc", "cpm", "reach")

// maxReportDays is the documented longest span of a daily report.
const maxReportDays = 30

type reportDims struct {
	CampaignID  string `json:"campaign_id"`
	StatTimeDay string `json:"stat_time_day"`
}

// reportMetricValues holds the requested metrics (unrequested ones are
// empty and left out).
type reportMetricValues struct {
	Spend           string `json:"spend,omitempty"`
	Impressions     string `json:"impressions,omitempty"`
	Clicks          string `json:"clicks,omitempty"`
	Conversion      string `json:"conversion,omitempty"`
	Value           string `json:"total_complete_payment_rate,omitempty"`
	CompletePayment string `json:"complete_payment,omitempty"`
	CTR             string `json:"ctr,omitempty"`
	CPC             string `json:"cpc,omitempty"`
	CPM             string `json:"cpm,omitempty"`
	Reach           string `json:"reach,omitempty"`
}

type reportRow struct {
	Dimensions reportDims         `json:"dimensions"`
	Metrics    reportMetricValues `json:"metrics"`
}

// reportGet is report/integrated/get: BASIC, AUCTION_CAMPAIGN, daily rows.
func (c *call) reportGet() {
	q, ok := c.query([]string{"advertiser_id", "report_type", "data_level", "dimensions", "metrics", "start_date", "end_date", "page", "page_size", "filtering", "order_field", "order_type", "enable_total_metrics", "service_type"},
		"advertiser_id", "report_type", "data_level", "dimensions", "metrics", "start_date", "end_date")
	if !ok {
		return
	}
	if q.Get("report_type") != "BASIC" {
		c.malformed("report_type must be BASIC, got %q", q.Get("report_type"))
		return
	}
	if q.Get("data_level") != "AUCTION_CAMPAIGN" {
		c.malformed("the fake serves data_level AUCTION_CAMPAIGN, got %q", q.Get("data_level"))
		return
	}
	if q.Get("filtering") != "" || q.Get("order_field") != "" {
		c.malformed("the fake serves no report filtering or ordering")
		return
	}
	dims, ok := c.stringList(q, "dimensions", set("campaign_id", "stat_time_day"), 4)
	if !ok {
		return
	}
	if sort.Strings(dims); strings.Join(dims, ",") != "campaign_id,stat_time_day" {
		c.malformed("dimensions must be [\"campaign_id\",\"stat_time_day\"], got %s", q.Get("dimensions"))
		return
	}
	metrics, ok := c.stringList(q, "metrics", reportMetrics, 100)
	if !ok {
		return
	}
	start, err1 := time.Parse(time.DateOnly, q.Get("start_date"))
	end, err2 := time.Parse(time.DateOnly, q.Get("end_date"))
	switch {
	case err1 != nil || err2 != nil:
		c.malformed("start_date and end_date must be YYYY-MM-DD, got %q and %q", q.Get("start_date"), q.Get("end_date"))
		return
	case end.Before(start):
		c.malformed("end_date %s is before start_date %s", q.Get("end_date"), q.Get("start_date"))
		return
	case end.Sub(start) >= maxReportDays*24*time.Hour:
		c.malformed("with stat_time_day the span is at most %d days, got %s–%s", maxReportDays, q.Get("start_date"), q.Get("end_date"))
		return
	}
	page, size, ok := c.paging(q)
	if !ok {
		return
	}
	adv := q.Get("advertiser_id")
	if !c.allowed(adv) {
		return
	}
	rows, total := c.s.reportPage(adv, start, end, page, size, metrics)
	c.ok(map[string]any{"list": rows, "page_info": pageInfo(page, size, total)})
}

// reportPage builds one page of rows: campaign-major, then day, computing
// only the rows on the page.
func (s *Server) reportPage(adv string, start, end time.Time, page, size int, metrics []string) ([]reportRow, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.winFrom.After(start) {
		start = s.winFrom
	}
	if s.winTo.Before(end) {
		end = s.winTo
	}
	camps := s.campaigns[adv]
	days := 0
	if !end.Before(start) && !s.winTo.IsZero() {
		days = int(end.Sub(start).Hours()/24) + 1
	}
	total := len(camps) * days
	lo, hi := bounds(page, size, total)
	cur := s.advByID[adv].Currency
	rows := make([]reportRow, 0, hi-lo)
	for i := lo; i < hi; i++ {
		camp := camps[i/days]
		day := start.AddDate(0, 0, i%days).Format(time.DateOnly)
		m := s.metricsLocked(camp.ID, day)
		var vals reportMetricValues
		for _, name := range metrics {
			*vals.field(name) = metricValue(cur, name, m)
		}
		rows = append(rows, reportRow{Dimensions: reportDims{CampaignID: camp.ID, StatTimeDay: day + " 00:00:00"}, Metrics: vals})
	}
	return rows, total
}

// metricValue writes one metric the way the report does: a string, money
// in the currency's decimals.
func metricValue(cur, name string, m Metrics) string {
	switch name {
	case "spend":
		return money.FormatMicros(cur, m.SpendMicros)
	case "total_complete_payment_rate":
		return money.FormatMicros(cur, m.ValueMicros)
	case "impressions":
		return strconv.FormatInt(m.Impressions, 10)
	case "clicks":
		return strconv.FormatInt(m.Clicks, 10)
	case "conversion", "complete_payment":
		return strconv.FormatInt(m.Conversions, 10)
	default:
		return "0"
	}
}

func (v *reportMetricValues) field(name string) *string {
	switch name {
	case "spend":
		return &v.Spend
	case "impressions":
		return &v.Impressions
	case "clicks":
		return &v.Clicks
	case "conversion":
		return &v.Conversion
	case "total_complete_payment_rate":
		return &v.Value
	case "complete_payment":
		return &v.CompletePayment
	case "ctr":
		return &v.CTR
	case "cpc":
		return &v.CPC
	case "cpm":
		return &v.CPM
	default:
		return &v.Reach
	}
}
