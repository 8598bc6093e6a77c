package signals

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Realtime topics published by Recompute. Envelope ID is the platform ("" overall).
const (
	// TopicSignalHealthChanged: a health's score (by ≥ 0.1) or status changed.
	TopicSignalHealthChanged = "signals.health_changed"
	// TopicEMQUpdated: a platform's EMQ changed (ID is the platform; "" is the overall average).
	TopicEMQUpdated = "signals.emq_updated"
)

// Health is the current signal health of a tenant on one platform, or
// overall (Platform == Overall).
type Health struct {
	bun.BaseModel   `bun:"table:signal_health"`
	TenantID        uuid.UUID   `bun:"tenant_id,pk"`
	Platform        string      `bun:"platform,pk"`
	Score           float64     `bun:"score"`
	Status          Status      `bun:"status"`
	Components      []Component `bun:"components,type:jsonb"`
	Issues          []Issue     `bun:"issues,type:jsonb"`
	EMQ             *float64    `bun:"emq"`
	Outage          bool        `bun:"outage"`
	ComputedAt      time.Time   `bun:"computed_at"`
	StatusChangedAt time.Time   `bun:"status_changed_at"`
	// EMQDrop is set while the EMQ fell sharply within the drop window (not stored).
	EMQDrop *EMQDrop `bun:"-"`
}

// Change is one health before (nil the first time) and after a recompute.
type Change struct {
	Prev *Health
	Curr *Health
}

// StatusChanged reports whether the status band changed (or appeared).
func (c Change) StatusChanged() bool { return c.Prev == nil || c.Prev.Status != c.Curr.Status }

// Listener reacts to every recompute inside its transaction (incidents open
// and close, the autopilot mode follows the score). Returning an error rolls
// the recompute back.
type Listener interface {
	HealthChanged(ctx context.Context, tx bun.Tx, tenant uuid.UUID, changes []Change) error
}

// Service computes and serves signal health. Its time ("now" for windows,
// freshness and history buckets) is the transaction's (DB.Now): a test sets
// DB.Clock to control it.
type Service struct {
	DB *db.DB
	// Config holds weights and thresholds (DefaultConfig when zero).
	Config Config
	// Listeners are called in the recompute transaction, in order.
	Listeners []Listener
	// OnMeasured, if set, is called by Record in the writer's transaction;
	// jobs sets it to enqueue a debounced recompute.
	OnMeasured func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error
}

func (s *Service) cfg() Config {
	if s.Config.HealthyAt == 0 && s.Config.Weights.EMQ == 0 {
		return DefaultConfig()
	}
	return s.Config
}

// Recompute recomputes tenant's health from its measurements, stores it and
// its history, publishes changes and calls the listeners, in one transaction.
func (s *Service) Recompute(ctx context.Context, tenant uuid.UUID) (changes []Change, err error) {
	defer derrors.Wrap(&err, "signals.Service.Recompute(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		changes, err = s.RecomputeTx(ctx, tx, tenant)
		return err
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

// RecomputeTx is Recompute inside the caller's tenant transaction.
func (s *Service) RecomputeTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (_ []Change, err error) {
	defer derrors.Wrap(&err, "signals.Service.RecomputeTx(%v)", tenant)
	cfg, now := s.cfg(), s.DB.Now(ctx)
	// Serialise with writers and other recomputes of the tenant: hysteresis and
	// history read the previous state, and a writer holding the row commits
	// before we read measurements.
	// One statement creates the row if needed and locks it (an upsert's
	// update waits for, then holds, the row lock).
	if _, err := tx.ExecContext(ctx, `INSERT INTO signal_recompute_state (tenant_id) VALUES (?)
		ON CONFLICT (tenant_id) DO UPDATE SET version = signal_recompute_state.version`, tenant); err != nil {
		return nil, err
	}
	ms, err := loadWindow(ctx, tx, now.Add(-cfg.AnomalyWindow), now)
	if err != nil {
		return nil, err
	}
	var prevRows []Health
	if err := tx.NewSelect().Model(&prevRows).Column("platform", "score", "status", "emq", "outage", "status_changed_at").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load health: %w", err)
	}
	prev := make(map[string]*Health, len(prevRows))
	for i := range prevRows {
		prev[prevRows[i].Platform] = &prevRows[i]
	}
	healths := cfg.Evaluate(now, ms, prev)
	if len(healths) == 0 {
		return nil, nil
	}
	for i := range healths {
		healths[i].TenantID = tenant
	}
	if _, err := tx.NewInsert().Model(&healths).On("CONFLICT (tenant_id, platform) DO UPDATE").
		Set("score = EXCLUDED.score, status = EXCLUDED.status, components = EXCLUDED.components, issues = EXCLUDED.issues").
		Set("emq = EXCLUDED.emq, outage = EXCLUDED.outage, computed_at = EXCLUDED.computed_at, status_changed_at = EXCLUDED.status_changed_at").
		Exec(ctx); err != nil {
		return nil, fmt.Errorf("store health: %w", err)
	}
	if err := recordHistory(ctx, tx, tenant, now, healths); err != nil {
		return nil, err
	}
	changes := make([]Change, len(healths))
	for i := range healths {
		changes[i] = Change{Prev: prev[healths[i].Platform], Curr: &healths[i]}
		if err := publish(ctx, tx, tenant, changes[i]); err != nil {
			return nil, err
		}
	}
	for _, l := range s.Listeners {
		if err := l.HealthChanged(ctx, tx, tenant, changes); err != nil {
			return nil, err
		}
	}
	return changes, nil
}

// loadWindow reads the measurements observed in (from, to]. Values are
// aggregated into one array row per platform and metric: scanning ~1,000
// rows through database/sql costs several times more than the query (see
// docs/benchmarks.md).
func loadWindow(ctx context.Context, tx bun.Tx, from, to time.Time) ([]Measurement, error) {
	rows, err := tx.QueryContext(ctx, `SELECT platform, metric,
		array_agg((extract(epoch FROM observed_at) * 1000000)::bigint ORDER BY observed_at)::text,
		array_agg(value ORDER BY observed_at)::text
		FROM signal_measurements WHERE observed_at > ? AND observed_at <= ? GROUP BY platform, metric`, from, to)
	if err != nil {
		return nil, fmt.Errorf("load measurements: %w", err)
	}
	defer rows.Close()
	var ms []Measurement
	for rows.Next() {
		var platform, metric, ats, vals string
		if err := rows.Scan(&platform, &metric, &ats, &vals); err != nil {
			return nil, err
		}
		at, v := splitArray(ats), splitArray(vals)
		if len(at) != len(v) {
			return nil, fmt.Errorf("load measurements: %d times for %d values", len(at), len(v))
		}
		for i := range at {
			micros, err1 := strconv.ParseInt(at[i], 10, 64)
			value, err2 := strconv.ParseFloat(v[i], 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("load measurements: bad element %q/%q", at[i], v[i])
			}
			ms = append(ms, Measurement{Platform: platform, Metric: metric, ObservedAt: time.UnixMicro(micros).UTC(), Value: value})
		}
	}
	return ms, rows.Err()
}

// splitArray splits a PostgreSQL text array of numbers ("{1,2.5,3}").
func splitArray(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func publish(ctx context.Context, tx bun.Tx, tenant uuid.UUID, c Change) error {
	if c.StatusChanged() || math.Abs(c.Prev.Score-c.Curr.Score) >= 0.1 {
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicSignalHealthChanged, ID: c.Curr.Platform}); err != nil {
			return err
		}
	}
	if c.Curr.EMQ != nil && (c.Prev == nil || c.Prev.EMQ == nil || math.Abs(*c.Prev.EMQ-*c.Curr.EMQ) >= 0.01) {
		return realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicEMQUpdated, ID: c.Curr.Platform})
	}
	return nil
}

// Granularity is a history bucket size.
type Granularity string

// History granularities.
const (
	Hourly Granularity = "HOUR"
	Daily  Granularity = "DAY"
)

// HistoryPoint is one bucket of health history.
type HistoryPoint struct {
	bun.BaseModel `bun:"table:signal_health_history,alias:h"`
	TenantID      uuid.UUID   `bun:"tenant_id,pk"`
	Platform      string      `bun:"platform,pk"`
	Granularity   Granularity `bun:"granularity,pk"`
	Bucket        time.Time   `bun:"bucket,pk"`
	ID            uuid.UUID   `bun:"id,nullzero,default:gen_random_uuid()"`
	ScoreAvg      float64     `bun:"score_avg"`
	ScoreMin      float64     `bun:"score_min"`
	ScoreMax      float64     `bun:"score_max"`
	Samples       int         `bun:"samples"`
	LastScore     float64     `bun:"last_score"`
	LastStatus    Status      `bun:"last_status"`
	UpdatedAt     time.Time   `bun:"updated_at"`
	// Simulated marks buckets the demo seed made up (SeedSimulatedHistoryTx);
	// computations folded in later keep the mark.
	Simulated bool `bun:"simulated"`
}

func recordHistory(ctx context.Context, tx bun.Tx, tenant uuid.UUID, now time.Time, hs []Health) error {
	rows := make([]HistoryPoint, 0, 2*len(hs))
	for _, h := range hs {
		for _, g := range []struct {
			gran Granularity
			d    time.Duration
		}{{Hourly, time.Hour}, {Daily, 24 * time.Hour}} {
			rows = append(rows, HistoryPoint{TenantID: tenant, Platform: h.Platform, Granularity: g.gran, Bucket: now.Truncate(g.d),
				ScoreAvg: h.Score, ScoreMin: h.Score, ScoreMax: h.Score, Samples: 1, LastScore: h.Score, LastStatus: h.Status, UpdatedAt: now})
		}
	}
	_, err := tx.NewInsert().Model(&rows).On("CONFLICT (tenant_id, platform, granularity, bucket) DO UPDATE").
		Set("score_avg = (h.score_avg * h.samples + EXCLUDED.score_avg) / (h.samples + 1)").
		Set("score_min = least(h.score_min, EXCLUDED.score_min), score_max = greatest(h.score_max, EXCLUDED.score_max)").
		Set("samples = h.samples + 1, last_score = EXCLUDED.last_score, last_status = EXCLUDED.last_status, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record health history: %w", err)
	}
	return nil
}

// Get returns tenant's current health on platform (Overall for the overall
// score), or nil when it has never been computed (no measurements yet).
func (s *Service) Get(ctx context.Context, tenant uuid.UUID, platform string) (_ *Health, err error) {
	defer derrors.Wrap(&err, "signals.Service.Get(%v, %s)", tenant, platform)
	return s.get(ctx, tenant, platform)
}

// GetScore is Get without the components and issues (left nil): the
// columns a read of the score, status, EMQ and times needs, not the JSON
// that explains the score (issue 16: `{ signalHealth { score status } }`
// decoded both on every request).
func (s *Service) GetScore(ctx context.Context, tenant uuid.UUID, platform string) (_ *Health, err error) {
	defer derrors.Wrap(&err, "signals.Service.GetScore(%v, %s)", tenant, platform)
	return s.get(ctx, tenant, platform, "components", "issues")
}

// get reads tenant's health row on platform without the columns in
// exclude (nil when there is none).
func (s *Service) get(ctx context.Context, tenant uuid.UUID, platform string, exclude ...string) (h *Health, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		h, err = GetTx(ctx, tx, platform, exclude...)
		return err
	})
	return h, err
}

// GetTx is Get inside the caller's tenant transaction, without the columns
// in exclude ("components", "issues": those fields stay nil).
func GetTx(ctx context.Context, tx bun.IDB, platform string, exclude ...string) (_ *Health, err error) {
	defer derrors.Wrap(&err, "signals.GetTx(%s)", platform)
	var hs []Health
	q := tx.NewSelect().Model(&hs).Where("platform = ?", platform)
	if len(exclude) > 0 {
		q = q.ExcludeColumn(exclude...)
	}
	if err := q.Scan(ctx); err != nil || len(hs) == 0 {
		return nil, err
	}
	return &hs[0], nil
}

// List returns every current health of tenant, overall first.
func (s *Service) List(ctx context.Context, tenant uuid.UUID) (hs []Health, err error) {
	defer derrors.Wrap(&err, "signals.Service.List(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&hs).OrderExpr("platform").Scan(ctx)
	})
	return hs, err
}

// ListTx is List inside the caller's tenant transaction (the trust gate
// reads the scores with the rest of its inputs in one transaction).
func ListTx(ctx context.Context, tx bun.IDB) (_ []Health, err error) {
	defer derrors.Wrap(&err, "signals.ListTx")
	var hs []Health
	if err := tx.NewSelect().Model(&hs).OrderExpr("platform").Scan(ctx); err != nil {
		return nil, err
	}
	return hs, nil
}

// HistoryFilter selects history points.
type HistoryFilter struct {
	Platform    string
	From, To    *time.Time
	Granularity Granularity // Hourly when empty
}

// History pages tenant's health history, newest bucket first.
func (s *Service) History(ctx context.Context, tenant uuid.UUID, f HistoryFilter, args relay.Args) (page *relay.Page[HistoryPoint], err error) {
	defer derrors.Wrap(&err, "signals.Service.History(%v)", tenant)
	if f.Granularity == "" {
		f.Granularity = Hourly
	}
	if f.Granularity != Hourly && f.Granularity != Daily {
		return nil, apperr.Invalid([]string{"granularity"}, "granularity must be HOUR or DAY")
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return nil, apperr.Invalid([]string{"to"}, "to must not be before from")
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*HistoryPoint)(nil)).Where("platform = ?", f.Platform).Where("granularity = ?", f.Granularity)
		if f.From != nil {
			q = q.Where("bucket >= ?", *f.From)
		}
		if f.To != nil {
			q = q.Where("bucket <= ?", *f.To)
		}
		page, err = relay.Paginate(ctx, q, args, "bucket", "h.id",
			func(p *HistoryPoint) relay.Cursor { return relay.Cursor{At: p.Bucket, ID: p.ID} })
		return err
	})
	return page, err
}
