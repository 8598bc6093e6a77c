package signals

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Range is a span of history the dashboard charts, ending now.
type Range string

// The ranges of a trend.
const (
	Last24Hours Range = "LAST_24_HOURS"
	Last7Days   Range = "LAST_7_DAYS"
	Last30Days  Range = "LAST_30_DAYS"
)

// rangeSteps is each range's span and bucket size: at most 60 points a
// chart, whatever the range.
var rangeSteps = map[Range]struct{ span, step time.Duration }{
	Last24Hours: {24 * time.Hour, time.Hour},
	Last7Days:   {7 * 24 * time.Hour, 4 * time.Hour},
	Last30Days:  {30 * 24 * time.Hour, 12 * time.Hour},
}

// Steps returns the span of r and the size of its buckets; ok is false for
// an unknown range.
func (r Range) Steps() (span, step time.Duration, ok bool) {
	s, ok := rangeSteps[r]
	return s.span, s.step, ok
}

// TrendPoint is one bucket of a trend, folded from the hourly history.
type TrendPoint struct {
	Bucket                  time.Time
	Average, Min, Max, Last float64
	Status                  Status
	Samples                 int
	// Simulated is true when any hour of the bucket was simulated.
	Simulated bool
}

// Trend is a platform's (or the overall) score over a range, oldest bucket
// first.
type Trend struct {
	Range    Range
	From, To time.Time
	Step     time.Duration
	Points   []TrendPoint
}

// Simulated reports whether any point of the trend is (partly) simulated.
func (t *Trend) Simulated() bool {
	for _, p := range t.Points {
		if p.Simulated {
			return true
		}
	}
	return false
}

// Trend folds tenant's hourly history on platform (Overall for the overall
// score) into the buckets of rng: hours-long buckets aligned to UTC, the
// last one holding the current hour. Buckets without a computation are
// absent (a gap in the chart, not a made-up value).
func (s *Service) Trend(ctx context.Context, tenant uuid.UUID, platform string, rng Range) (_ *Trend, err error) {
	defer derrors.Wrap(&err, "signals.Service.Trend(%v, %s, %s)", tenant, platform, rng)
	span, step, ok := rng.Steps()
	if !ok {
		return nil, apperr.Invalid([]string{"range"}, "range must be LAST_24_HOURS, LAST_7_DAYS or LAST_30_DAYS")
	}
	t := &Trend{Range: rng, Step: step, Points: []TrendPoint{}}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		t.To = now.UTC().Truncate(step).Add(step)
		t.From = t.To.Add(-span)
		return tx.NewRaw(`SELECT date_bin(?::interval, bucket, 'epoch'::timestamptz) AS bucket,
			sum(score_avg * samples) / sum(samples) AS average, min(score_min) AS min, max(score_max) AS max,
			(array_agg(last_score ORDER BY bucket DESC))[1] AS last, (array_agg(last_status ORDER BY bucket DESC))[1] AS status,
			sum(samples) AS samples, bool_or(simulated) AS simulated
			FROM signal_health_history
			WHERE platform = ? AND granularity = ? AND bucket >= ? AND bucket < ?
			GROUP BY 1 ORDER BY 1`,
			fmt.Sprintf("%d seconds", int(step.Seconds())), platform, Hourly, t.From, t.To).Scan(ctx, &t.Points)
	})
	if err != nil {
		return nil, err
	}
	for i := range t.Points {
		p := &t.Points[i]
		p.Bucket = p.Bucket.UTC()
		p.Average = round(p.Average, 2)
	}
	return t, nil
}

// SimulatedHour is one made-up hour of history of a simulated (demo)
// tenant: the scores a computation every few minutes would have seen.
type SimulatedHour struct {
	// Platform is the platform, Overall for the overall score.
	Platform string
	// Hour is the start of the hour.
	Hour                    time.Time
	Average, Min, Max, Last float64
}

// SeedSimulatedHistoryTx stores hours as hourly history marked simulated,
// with daily buckets folded from them, in the caller's tenant transaction.
// Buckets that exist are left alone (real history is never overwritten), so
// seeding again only fills gaps. Statuses follow the scores with the same
// hysteresis as live computations.
func (s *Service) SeedSimulatedHistoryTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, hours []SimulatedHour) (err error) {
	defer derrors.Wrap(&err, "signals.Service.SeedSimulatedHistoryTx(%v)", tenant)
	if len(hours) == 0 {
		return nil
	}
	cfg, now := s.cfg(), s.DB.Now(ctx)
	sorted := append([]SimulatedHour(nil), hours...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Hour.Before(sorted[j].Hour) })
	prev := map[string]Status{}
	rows := make([]HistoryPoint, 0, len(sorted)+len(sorted)/24+2)
	days := map[string]int{} // platform/day → index in rows
	for _, h := range sorted {
		st := cfg.StatusFor(h.Last, prev[h.Platform])
		prev[h.Platform] = st
		rows = append(rows, HistoryPoint{TenantID: tenant, Platform: h.Platform, Granularity: Hourly, Bucket: h.Hour.UTC().Truncate(time.Hour),
			ScoreAvg: round(h.Average, 2), ScoreMin: round(h.Min, 2), ScoreMax: round(h.Max, 2), Samples: 1,
			LastScore: round(h.Last, 2), LastStatus: st, UpdatedAt: now, Simulated: true})
		day := h.Hour.UTC().Truncate(24 * time.Hour)
		key := h.Platform + "/" + day.Format(time.DateOnly)
		i, ok := days[key]
		if !ok {
			days[key] = len(rows)
			rows = append(rows, HistoryPoint{TenantID: tenant, Platform: h.Platform, Granularity: Daily, Bucket: day,
				ScoreMin: math.Inf(1), ScoreMax: math.Inf(-1), UpdatedAt: now, Simulated: true})
			i = len(rows) - 1
		}
		d := &rows[i]
		d.ScoreAvg = (d.ScoreAvg*float64(d.Samples) + h.Average) / float64(d.Samples+1)
		d.ScoreMin, d.ScoreMax = math.Min(d.ScoreMin, h.Min), math.Max(d.ScoreMax, h.Max)
		d.Samples++
		d.LastScore, d.LastStatus = round(h.Last, 2), st
	}
	for i := range rows {
		rows[i].ScoreAvg = round(rows[i].ScoreAvg, 2)
	}
	if _, err := tx.NewInsert().Model(&rows).On("CONFLICT (tenant_id, platform, granularity, bucket) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("seed simulated history: %w", err)
	}
	return nil
}
