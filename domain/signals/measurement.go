package signals

import (
	"context"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Overall is the platform value of tenant-wide rows: the overall health and
// measurements not tied to one platform (CDP).
const Overall = ""

// Metric names the scorer reads. Other metrics may be stored; they are ignored.
const (
	// MetricEMQ is a platform's event match quality, 0–10.
	MetricEMQ = "emq"
	// MetricPlatformUp is 1 while the platform is operational, 0 in an outage.
	MetricPlatformUp = "platform_up"
	// Platform-reported and first-party totals compared by the variance component.
	MetricPlatformRevenue       = "platform_revenue"
	MetricFirstPartyRevenue     = "first_party_revenue"
	MetricPlatformConversions   = "platform_conversions"
	MetricFirstPartyConversions = "first_party_conversions"
	// Daily delivery metrics checked by the anomaly component.
	MetricSpend       = "spend"
	MetricConversions = "conversions"
	MetricCPA         = "cpa"
	MetricROAS        = "roas"
	// MetricCDPMatchQuality is the CDP's identity-match quality of first-party
	// data, 0–100, tenant-wide (platform Overall). Its presence adds the CDP component.
	MetricCDPMatchQuality = "cdp_match_quality"
)

// AnomalyMetrics are the metrics the anomaly component checks.
var AnomalyMetrics = []string{MetricSpend, MetricConversions, MetricCPA, MetricROAS}

// Measurement is one observed value.
type Measurement struct {
	bun.BaseModel `bun:"table:signal_measurements"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	Platform      string    `bun:"platform,pk"`
	Metric        string    `bun:"metric,pk"`
	Source        string    `bun:"source,pk"`
	ObservedAt    time.Time `bun:"observed_at,pk"`
	Value         float64   `bun:"value"`
}

var (
	platformRe = regexp.MustCompile(`^[A-Z_]{0,32}$`)
	metricRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// Validate checks m's fields (field paths are relative to a measurement input).
func (m *Measurement) Validate() error {
	switch {
	case !platformRe.MatchString(m.Platform):
		return apperr.Invalid([]string{"input", "platform"}, "platform %q is not an upper-case platform name", m.Platform)
	case !metricRe.MatchString(m.Metric):
		return apperr.Invalid([]string{"input", "metric"}, "metric %q must be snake_case", m.Metric)
	case m.Source == "" || len(m.Source) > 64:
		return apperr.Invalid([]string{"input", "source"}, "source must be 1–64 characters")
	case m.ObservedAt.IsZero():
		return apperr.Invalid([]string{"input", "observedAt"}, "observedAt is required")
	}
	return nil
}

// Record stores ms for tenant in tx (the caller's tenant transaction),
// replacing values already recorded under the same key (recorded_at is the
// transaction's time), and asks for a
// debounced recompute through OnMeasured. It holds the tenant's
// signal_recompute_state row lock until tx ends, so writers of one tenant
// serialise and a concurrent recompute waits for tx to commit.
func (s *Service) Record(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ms []Measurement) (err error) {
	defer derrors.Wrap(&err, "signals.Service.Record(%v)", tenant)
	if len(ms) == 0 {
		return nil
	}
	for i := range ms {
		ms[i].TenantID = tenant
		ms[i].ObservedAt = ms[i].ObservedAt.UTC().Truncate(time.Microsecond)
		if err := ms[i].Validate(); err != nil {
			return err
		}
	}
	if _, err := tx.NewInsert().Model(&ms).Value("recorded_at", "?", s.DB.Now(ctx)).
		On("CONFLICT (tenant_id, platform, metric, source, observed_at) DO UPDATE").
		Set("value = EXCLUDED.value, recorded_at = EXCLUDED.recorded_at").Exec(ctx); err != nil {
		return err
	}
	// Lock the tenant's recompute row until this transaction ends: a
	// recompute that starts meanwhile waits and then sees these rows.
	if _, err := tx.ExecContext(ctx, `INSERT INTO signal_recompute_state (tenant_id, version) VALUES (?, 1)
		ON CONFLICT (tenant_id) DO UPDATE SET version = signal_recompute_state.version + 1`, tenant); err != nil {
		return err
	}
	if s.OnMeasured != nil {
		return s.OnMeasured(ctx, tx, tenant)
	}
	return nil
}

// DeleteAfterTx deletes platform's measurements from source observed after
// at, except those of the metrics in keep, in the caller's tenant
// transaction. The simulator uses it to make its data look stale; it asks
// for no recompute (the caller records fresh measurements next).
func DeleteAfterTx(ctx context.Context, tx bun.IDB, platform, source string, at time.Time, keep []string) (err error) {
	defer derrors.Wrap(&err, "signals.DeleteAfterTx(%s, %s)", platform, source)
	q := tx.NewDelete().Model((*Measurement)(nil)).
		Where("platform = ? AND source = ? AND observed_at > ?", platform, source, at)
	if len(keep) > 0 {
		q = q.Where("metric NOT IN (?)", bun.List(keep))
	}
	if _, err := q.Exec(ctx); err != nil {
		return err
	}
	return nil
}
