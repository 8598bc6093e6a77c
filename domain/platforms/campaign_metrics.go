package platforms

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// MaxMetricsDays bounds a metrics range (from and to included).
const MaxMetricsDays = 366

// Metric granularities (the GraphQL MetricGranularity enum). A WEEK starts
// on Monday, a MONTH on its first day; the first and last buckets of a
// range hold only the range's days.
const (
	GranularityDay   = "DAY"
	GranularityWeek  = "WEEK"
	GranularityMonth = "MONTH"
)

// ValidateRange checks an inclusive day range: from not after to and at
// most MaxMetricsDays days. path prefixes the argument names in errors.
func ValidateRange(path []string, from, to time.Time) error {
	at := func(f string) []string { return append(append([]string{}, path...), f) }
	if to.Before(from) {
		return apperr.Invalid(at("to"), "to must not be before from")
	}
	if days := int(to.Sub(from).Hours()/24) + 1; days > MaxMetricsDays {
		return apperr.Invalid(at("to"), "the range must be at most %d days (got %d)", MaxMetricsDays, days)
	}
	return nil
}

// MetricSums are summed delivery metrics of a campaign over some days.
// Money is in micros of the campaign's currency.
type MetricSums struct {
	SpendMicros   int64
	RevenueMicros int64
	Impressions   int64
	Clicks        int64
	Conversions   float64
}

// ROAS is revenue per unit of spend; false without spend.
func (m MetricSums) ROAS() (float64, bool) {
	if m.SpendMicros == 0 {
		return 0, false
	}
	return float64(m.RevenueMicros) / float64(m.SpendMicros), true
}

// CPAMicros is spend per conversion in micros, rounded to the nearest
// micro; false without conversions.
func (m MetricSums) CPAMicros() (int64, bool) {
	if m.Conversions <= 0 {
		return 0, false
	}
	return int64(math.Round(float64(m.SpendMicros) / m.Conversions)), true
}

// CTR is clicks per impression (a fraction, not a percentage); false
// without impressions.
func (m MetricSums) CTR() (float64, bool) {
	if m.Impressions == 0 {
		return 0, false
	}
	return float64(m.Clicks) / float64(m.Impressions), true
}

func (m *MetricSums) add(o MetricSums) {
	m.SpendMicros += o.SpendMicros
	m.RevenueMicros += o.RevenueMicros
	m.Impressions += o.Impressions
	m.Clicks += o.Clicks
	m.Conversions += o.Conversions
}

// MetricPoint is one bucket of a campaign's metrics: Date is the bucket's
// first day (or the range's first day for a partial first bucket).
type MetricPoint struct {
	Date time.Time
	MetricSums
}

// CampaignMetrics is a campaign's metrics over a range: every bucket of the
// range (zero where nothing was delivered), oldest first, and their sum.
type CampaignMetrics struct {
	Points []MetricPoint
	Totals MetricSums
}

// MetricsRange is what CampaignMetricsByID reads.
type MetricsRange struct {
	From, To    time.Time
	Granularity string
}

// Validate checks r, naming the GraphQL arguments in errors.
func (r MetricsRange) Validate() error {
	switch r.Granularity {
	case GranularityDay, GranularityWeek, GranularityMonth:
	default:
		return apperr.Invalid([]string{"granularity"}, "unknown granularity %q", r.Granularity)
	}
	return ValidateRange(nil, r.From, r.To)
}

// bucket returns the first day of d's bucket, not before from.
func (r MetricsRange) bucket(d time.Time) time.Time {
	switch r.Granularity {
	case GranularityWeek:
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case GranularityMonth:
		d = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	if d.Before(r.From) {
		return r.From
	}
	return d
}

// buckets lists the first day of every bucket of r.
func (r MetricsRange) buckets() []time.Time {
	var out []time.Time
	for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
		b := r.bucket(d)
		if len(out) == 0 || !out[len(out)-1].Equal(b) {
			out = append(out, b)
		}
	}
	return out
}

func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// CampaignMetricsByID returns the metrics of tenant's campaigns ids over r,
// by campaign id, in one query (the per-request loader batches a page's
// campaigns into one call). Every id gets a full series, also a campaign
// of another tenant (it reads as nothing delivered): callers load the
// campaign itself first.
func (s *Service) CampaignMetricsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID, r MetricsRange) (out map[uuid.UUID]*CampaignMetrics, err error) {
	defer derrors.Wrap(&err, "platforms.Service.CampaignMetricsByID(%v)", tenant)
	r.From, r.To = day(r.From), day(r.To)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var rows []DailyMetrics
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		rows, err = MetricsTx(ctx, tx, ids, r.From, r.To)
		return err
	})
	if err != nil {
		return nil, err
	}
	buckets := r.buckets()
	index := make(map[time.Time]int, len(buckets))
	for i, b := range buckets {
		index[b] = i
	}
	out = make(map[uuid.UUID]*CampaignMetrics, len(ids))
	for _, id := range ids {
		m := &CampaignMetrics{Points: make([]MetricPoint, len(buckets))}
		for i, b := range buckets {
			m.Points[i].Date = b
		}
		out[id] = m
	}
	for _, row := range rows {
		m := out[row.CampaignID]
		if m == nil {
			continue
		}
		sums := MetricSums{SpendMicros: row.SpendMicros, RevenueMicros: row.RevenueMicros, Impressions: row.Impressions,
			Clicks: row.Clicks, Conversions: row.Conversions}
		m.Points[index[r.bucket(day(row.Day))]].add(sums)
		m.Totals.add(sums)
	}
	return out, nil
}

// CurrencyTotals are the summed metrics of the campaigns of one currency.
type CurrencyTotals struct {
	Currency  string
	Campaigns int
	MetricSums
}

// CampaignTotals sums the metrics over [from, to] of every campaign of
// tenant matching q (its filters; its order is ignored), one total per
// currency (amounts in different currencies are never added), by currency
// code. Campaigns count whether or not they delivered.
func (s *Service) CampaignTotals(ctx context.Context, tenant uuid.UUID, q CampaignQuery, from, to time.Time) (out []CurrencyTotals, err error) {
	defer derrors.Wrap(&err, "platforms.Service.CampaignTotals(%v)", tenant)
	q.Order = CampaignOrder{}
	if err := q.validate(); err != nil {
		return nil, err
	}
	from, to = day(from), day(to)
	if err := ValidateRange(nil, from, to); err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		sel := q.filter(tx.NewSelect().TableExpr("ad_campaigns AS c")).
			Join(`LEFT JOIN ad_campaign_metrics AS m ON m.tenant_id = c.tenant_id AND m.campaign_id = c.id
				AND m.day BETWEEN ?::date AND ?::date`, from.Format(time.DateOnly), to.Format(time.DateOnly)).
			ColumnExpr("c.currency, count(DISTINCT c.id) AS campaigns").
			ColumnExpr("COALESCE(sum(m.spend_micros), 0) AS spend_micros, COALESCE(sum(m.revenue_micros), 0) AS revenue_micros").
			ColumnExpr("COALESCE(sum(m.impressions), 0) AS impressions, COALESCE(sum(m.clicks), 0) AS clicks, COALESCE(sum(m.conversions), 0) AS conversions").
			GroupExpr("c.currency").OrderExpr("c.currency")
		rows, err := sel.Rows(ctx)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t CurrencyTotals
			if err := rows.Scan(&t.Currency, &t.Campaigns, &t.SpendMicros, &t.RevenueMicros, &t.Impressions, &t.Clicks, &t.Conversions); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}
