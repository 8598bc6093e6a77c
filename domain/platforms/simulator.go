package platforms

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Simulator degradation components and severities (the GraphQL
// simulateSignalDegradation input).
const (
	ComponentEMQ       = "EMQ"
	ComponentFreshness = "FRESHNESS"
	ComponentVariance  = "VARIANCE"
	ComponentAnomaly   = "ANOMALY"
	ComponentCDP       = "CDP"

	Minor    = "MINOR"
	Major    = "MAJOR"
	Critical = "CRITICAL"
)

// simSource is the measurement source of simulated data.
const simSource = "simulator"

// Sim is the built-in SIMULATED ad platform. Its "remote" state is
// ad_campaigns and ad_campaign_metrics themselves; it generates
// deterministic, slightly noisy data per tenant and day, and lets operators
// degrade one signal component at a time:
//
//	EMQ        MINOR 6.0/10, MAJOR 3.5/10, CRITICAL 1.0/10 (normal ≈ 8.6)
//	FRESHNESS  data stops; newest data 30 h / 40 h / 72 h old; MAJOR reports
//	           status DEGRADED, CRITICAL an OUTAGE
//	VARIANCE   platform-reported totals 12% / 20% / 40% above first-party (normal 3%)
//	ANOMALY    1 / 2 / 4 of spend, conversions, CPA, ROAS reported at 3× today
//	CDP        identity-match quality 55 / 30 / 5 (normal 85)
//
// With all other components healthy the overall score is ≈ 93; EMQ CRITICAL
// alone brings it to ≈ 66 (DEGRADED, autopilot LIMITED).
type Sim struct {
	Platforms *Service
}

// Platform implements Connector.
func (m *Sim) Platform() string { return Simulator }

type simCampaign struct {
	name                   string
	budget, pace, cpa, aov float64
	targetROAS, targetCPA  float64
	ctr, cpm               float64
}

// The demo campaigns: one scaling candidate, one under-pacing, one on
// target, one losing money (reduce, then pause after 7 days).
var simCampaigns = []simCampaign{
	{"Prospecting – Broad Audience", 500, 0.97, 25, 85, 2.5, 30, 0.012, 9},
	{"Retargeting – Cart Abandoners", 200, 0.62, 12, 70, 4, 15, 0.025, 14},
	{"Brand Search", 150, 1.0, 8, 40, 5, 10, 0.08, 30},
	{"Spring Sale – Lookalike 3%", 300, 1.0, 60, 55, 2.5, 30, 0.009, 8},
}

func simCampaignID(tenant uuid.UUID, i int) uuid.UUID {
	return uuid.NewSHA1(tenant, []byte(fmt.Sprintf("simulator-campaign-%d", i)))
}

// noise is a deterministic value in [−1, 1] for the given keys.
func noise(tenant uuid.UUID, parts ...any) float64 {
	h := fnv.New64a()
	h.Write(tenant[:])
	fmt.Fprint(h, parts...)
	return float64(h.Sum64()%20001)/10000 - 1
}

func (m *Sim) day(tenant uuid.UUID, i int, day time.Time) DailyMetrics {
	c := simCampaigns[i]
	d := day.Unix() / 86400
	spend := c.budget * c.pace * (1 + 0.05*noise(tenant, i, d, "spend"))
	conv := spend / c.cpa * (1 + 0.05*noise(tenant, i, d, "conv"))
	imps := spend / c.cpm * 1000
	return DailyMetrics{
		TenantID: tenant, CampaignID: simCampaignID(tenant, i), Day: day,
		SpendMicros: Micros(round2(spend)), Conversions: round2(conv), RevenueMicros: Micros(round2(conv * c.aov)),
		Impressions: int64(imps), Clicks: int64(imps * c.ctr),
	}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// simState is the simulator's per-tenant row.
type simState struct {
	bun.BaseModel `bun:"table:simulator_state"`
	TenantID      uuid.UUID         `bun:"tenant_id,pk"`
	Degradations  map[string]string `bun:"degradations,type:jsonb"`
	UpdatedAt     time.Time         `bun:"updated_at"`
}

// inTenant runs fn in the simulator's own tenant transaction. The simulator
// stands for another company's service, so it never joins a transaction of
// its caller (and nobody calls it with one open).
func (m *Sim) inTenant(ctx context.Context, tenant uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	return m.Platforms.DB.InTenant(ctx, tenant, fn)
}

// errNotSimulated refuses simulator operations on real tenants.
var errNotSimulated = apperr.Invalid([]string{"input", "platform"}, "the simulator runs only for simulated (demo) tenants and workspaces with a sandbox connection")

// tenantHasSandbox reports whether the tenant of tx has a sandbox connection.
func tenantHasSandbox(ctx context.Context, tx bun.Tx) (bool, error) {
	return tx.NewSelect().Table("platform_connections").Where("sandbox").Exists(ctx)
}

func simulated(ctx context.Context, tx bun.Tx) (bool, error) {
	return tenancy.SimulatedTx(ctx, tx)
}

func (m *Sim) state(ctx context.Context, tx bun.Tx) (*simState, error) {
	var st []simState
	if err := tx.NewSelect().Model(&st).For("NO KEY UPDATE").Scan(ctx); err != nil {
		return nil, err
	}
	if len(st) == 0 {
		return nil, nil
	}
	return &st[0], nil
}

// SeedSimulator sets up the simulated platform for tenant (which must have
// tenants.simulated = true): four campaigns, 30 days of metrics and
// measurements, status OPERATIONAL. It is idempotent: an existing
// simulator is left as it is apart from a fresh tick.
func (m *Sim) SeedSimulator(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "platforms.Sim.SeedSimulator(%v)", tenant)
	return m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ok, err := simulated(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return errNotSimulated
		}
		now := m.Platforms.DB.Now(ctx)
		st := &simState{TenantID: tenant, Degradations: map[string]string{}, UpdatedAt: now}
		res, err := tx.NewInsert().Model(st).On("CONFLICT (tenant_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("seed simulator state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if err := m.backfill(ctx, tx, tenant, now); err != nil {
				return err
			}
		}
		return m.TickTx(ctx, tx, tenant)
	})
}

func (m *Sim) backfill(ctx context.Context, tx bun.Tx, tenant uuid.UUID, now time.Time) error {
	cs := make([]Campaign, len(simCampaigns))
	for i, c := range simCampaigns {
		roas, cpa := c.targetROAS, Micros(c.targetCPA)
		cs[i] = Campaign{TenantID: tenant, ID: simCampaignID(tenant, i), Platform: Simulator, AccountID: "sim-account-1",
			ExternalID: fmt.Sprintf("sim-%d", i+1), Name: c.name, Status: CampaignActive, DailyBudgetMicros: Micros(c.budget),
			TargetROAS: &roas, TargetCPAMicros: &cpa, CreatedAt: now.Add(-30 * 24 * time.Hour), UpdatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&cs).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("seed simulator campaigns: %w", err)
	}
	today := now.Truncate(24 * time.Hour)
	var days []DailyMetrics
	var ms []signals.Measurement
	for d := 30; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		var dm []DailyMetrics
		for i := range simCampaigns {
			dm = append(dm, m.day(tenant, i, day))
		}
		days = append(days, dm...)
		ms = append(ms, m.measurements(tenant, day.Add(12*time.Hour), dm, nil)...)
	}
	if _, err := tx.NewInsert().Model(&days).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("seed simulator metrics: %w", err)
	}
	return m.Platforms.Signals.Record(ctx, tx, tenant, ms)
}

// measurements are what a sync at `at` reports for the day's metrics dm
// under the degradations deg.
func (m *Sim) measurements(tenant uuid.UUID, at time.Time, dm []DailyMetrics, deg map[string]string) []signals.Measurement {
	var spend, conv, rev float64
	for _, d := range dm {
		spend += d.Spend()
		conv += d.Conversions
		rev += d.Revenue()
	}
	hour := at.Unix() / 3600
	emq := 8.6 + 0.2*noise(tenant, hour, "emq")
	switch deg[ComponentEMQ] {
	case Minor:
		emq = 6.0
	case Major:
		emq = 3.5
	case Critical:
		emq = 1.0
	}
	over := map[string]float64{Minor: 1.12, Major: 1.20, Critical: 1.40}[deg[ComponentVariance]]
	if over == 0 {
		over = 1.03
	}
	cdp := map[string]float64{Minor: 55, Major: 30, Critical: 5}[deg[ComponentCDP]]
	if cdp == 0 {
		cdp = 85 + 3*noise(tenant, hour, "cdp")
	}
	daily := map[string]float64{
		signals.MetricSpend: spend, signals.MetricConversions: conv,
		signals.MetricCPA: spend / conv, signals.MetricROAS: rev / spend,
	}
	n := map[string]int{Minor: 1, Major: 2, Critical: 4}[deg[ComponentAnomaly]]
	for _, metric := range signals.AnomalyMetrics[:n] {
		daily[metric] *= 3
	}
	mk := func(platform, metric string, v float64) signals.Measurement {
		return signals.Measurement{Platform: platform, Metric: metric, Source: simSource, ObservedAt: at, Value: math.Round(v*1000) / 1000}
	}
	ms := []signals.Measurement{
		mk(Simulator, signals.MetricEMQ, emq),
		mk(signals.Overall, signals.MetricCDPMatchQuality, cdp),
	}
	if deg[ComponentFreshness] != "" {
		return ms // the sync is stuck: only EMQ (from CAPI) and the CDP still report
	}
	ms = append(ms,
		mk(Simulator, signals.MetricPlatformRevenue, rev*over), mk(Simulator, signals.MetricFirstPartyRevenue, rev),
		mk(Simulator, signals.MetricPlatformConversions, conv*over), mk(Simulator, signals.MetricFirstPartyConversions, conv))
	for _, metric := range signals.AnomalyMetrics {
		ms = append(ms, mk(Simulator, metric, daily[metric]))
	}
	return ms
}

// Tick runs one simulated sync for tenant (a no-op for tenants that are not
// simulated or not seeded): today's metrics, EMQ, totals, CDP quality and
// status, under the active degradations.
func (m *Sim) Tick(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Tick(%v)", tenant)
	return m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error { return m.TickTx(ctx, tx, tenant) })
}

// TickTx is Tick in the caller's tenant transaction.
func (m *Sim) TickTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "platforms.Sim.TickTx(%v)", tenant)
	st, err := m.state(ctx, tx)
	if err != nil || st == nil {
		return err
	}
	now := m.Platforms.DB.Now(ctx)
	at := now.Truncate(time.Microsecond)
	day := now.Truncate(24 * time.Hour)
	var dm []DailyMetrics
	for i := range simCampaigns {
		dm = append(dm, m.day(tenant, i, day))
	}
	sim, err := simulated(ctx, tx)
	if err != nil {
		return err
	}
	// A sandbox-only tenant has no legacy simulator campaigns: its metrics
	// come from syncing the sandbox account (SandboxAPI).
	if st.Degradations[ComponentFreshness] == "" && sim {
		if _, err := tx.NewInsert().Model(&dm).On("CONFLICT (tenant_id, campaign_id, day) DO UPDATE").
			Set("spend_micros = EXCLUDED.spend_micros, impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, conversions = EXCLUDED.conversions, revenue_micros = EXCLUDED.revenue_micros").
			Exec(ctx); err != nil {
			return fmt.Errorf("simulator metrics: %w", err)
		}
	}
	if err := m.Platforms.Signals.Record(ctx, tx, tenant, m.measurements(tenant, at, dm, st.Degradations)); err != nil {
		return err
	}
	status, msg := Operational, "Simulated platform operating normally"
	switch st.Degradations[ComponentFreshness] {
	case Major:
		status, msg = DegradedOps, "Simulated reporting delay"
	case Critical:
		status, msg = Outage, "Simulated platform outage"
	}
	_, err = m.Platforms.SetStatusTx(ctx, tx, tenant, Simulator, status, msg)
	return err
}

// staleFor is how old the newest data is under a freshness degradation.
var staleFor = map[string]time.Duration{Minor: 30 * time.Hour, Major: 40 * time.Hour, Critical: 72 * time.Hour}

// Degrade degrades one signal component of tenant's simulated platform to
// severity and runs a tick, so measurements (and, through the recompute
// they trigger, health, incidents and autopilot) reflect it. Degradations
// of different components stack; Recover clears them all.
func (m *Sim) Degrade(ctx context.Context, tenant uuid.UUID, component, severity string) (err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Degrade(%v, %s, %s)", tenant, component, severity)
	switch component {
	case ComponentEMQ, ComponentFreshness, ComponentVariance, ComponentAnomaly, ComponentCDP:
	default:
		return apperr.Invalid([]string{"input", "component"}, "component must be EMQ, FRESHNESS, VARIANCE, ANOMALY or CDP")
	}
	if _, ok := staleFor[severity]; !ok {
		return apperr.Invalid([]string{"input", "severity"}, "severity must be MINOR, MAJOR or CRITICAL")
	}
	return m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		st, err := m.seeded(ctx, tx, tenant)
		if err != nil {
			return err
		}
		st.Degradations[component] = severity
		if _, err := tx.NewUpdate().Model(st).Column("degradations").Set("updated_at = ?", m.Platforms.DB.Now(ctx)).WherePK().Exec(ctx); err != nil {
			return err
		}
		if component == ComponentFreshness {
			if err := m.stall(ctx, tx, tenant, staleFor[severity]); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "simulator.degrade",
			Details: map[string]any{"component": component, "severity": severity}}); err != nil {
			return err
		}
		return m.TickTx(ctx, tx, tenant)
	})
}

// seeded is the simulator state of a simulated tenant, or of a tenant with
// a sandbox connection (whose state row it creates on first use: the
// simulate-degradation controls work on sandbox accounts, see SandboxAPI).
func (m *Sim) seeded(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (*simState, error) {
	ok, err := simulated(ctx, tx)
	if err != nil {
		return nil, err
	}
	sandbox := false
	if !ok {
		if sandbox, err = tenantHasSandbox(ctx, tx); err != nil {
			return nil, err
		}
		if !sandbox {
			return nil, errNotSimulated
		}
	}
	st, err := m.state(ctx, tx)
	if err != nil {
		return nil, err
	}
	if st == nil && sandbox {
		st = &simState{TenantID: tenant, Degradations: map[string]string{}, UpdatedAt: m.Platforms.DB.Now(ctx)}
		if _, err := tx.NewInsert().Model(st).Exec(ctx); err != nil {
			return nil, fmt.Errorf("sandbox simulator state: %w", err)
		}
	}
	if st == nil {
		return nil, apperr.Conflictf("the simulator is not set up for this tenant yet")
	}
	if st.Degradations == nil {
		st.Degradations = map[string]string{}
	}
	return st, nil
}

// stall makes the newest simulated data exactly `age` old: it drops data
// measurements newer than that and reports one sync at now − age.
func (m *Sim) stall(ctx context.Context, tx bun.Tx, tenant uuid.UUID, age time.Duration) error {
	at := m.Platforms.DB.Now(ctx).Add(-age).Truncate(time.Minute)
	if err := signals.DeleteAfterTx(ctx, tx, Simulator, simSource, at, []string{signals.MetricEMQ, signals.MetricPlatformUp}); err != nil {
		return fmt.Errorf("stall simulator: %w", err)
	}
	var dm []DailyMetrics
	for i := range simCampaigns {
		dm = append(dm, m.day(tenant, i, at.Truncate(24*time.Hour)))
	}
	var ms []signals.Measurement
	for _, x := range m.measurements(tenant, at, dm, nil) {
		if x.Metric != signals.MetricEMQ && x.Platform == Simulator {
			ms = append(ms, x)
		}
	}
	return m.Platforms.Signals.Record(ctx, tx, tenant, ms)
}

// Recover clears every degradation of tenant's simulated platform and runs
// a tick (fresh data, operational status).
func (m *Sim) Recover(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Recover(%v)", tenant)
	return m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		st, err := m.seeded(ctx, tx, tenant)
		if err != nil {
			return err
		}
		st.Degradations = map[string]string{}
		if _, err := tx.NewUpdate().Model(st).Column("degradations").Set("updated_at = ?", m.Platforms.DB.Now(ctx)).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "simulator.recover"}); err != nil {
			return err
		}
		return m.TickTx(ctx, tx, tenant)
	})
}

// Degradations returns the active degradations of tenant (component → severity).
func (m *Sim) Degradations(ctx context.Context, tenant uuid.UUID) (_ map[string]string, err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Degradations(%v)", tenant)
	out := map[string]string{}
	err = m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var st []simState
		if err := tx.NewSelect().Model(&st).Scan(ctx); err != nil || len(st) == 0 {
			return err
		}
		out = st[0].Degradations
		return nil
	})
	return out, err
}

// Campaigns implements Connector.
func (m *Sim) Campaigns(ctx context.Context, tenant uuid.UUID) (cs []Campaign, err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Campaigns(%v)", tenant)
	err = m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		cs, err = CampaignsTx(ctx, tx, CampaignFilter{Platforms: []string{Simulator}})
		return err
	})
	return cs, err
}

// Metrics implements Connector.
func (m *Sim) Metrics(ctx context.Context, tenant uuid.UUID, from, to time.Time) (out []DailyMetrics, err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Metrics(%v)", tenant)
	err = m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		cs, err := CampaignsTx(ctx, tx, CampaignFilter{Platforms: []string{Simulator}})
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(cs))
		for i := range cs {
			ids[i] = cs[i].ID
		}
		out, err = MetricsTx(ctx, tx, ids, from, to)
		return err
	})
	return out, err
}

// Status implements Connector.
func (m *Sim) Status(ctx context.Context, tenant uuid.UUID) (st PlatformStatus, err error) {
	defer derrors.Wrap(&err, "platforms.Sim.Status(%v)", tenant)
	err = m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []PlatformStatus
		if err := tx.NewSelect().Model(&rows).Where("platform = ?", Simulator).Scan(ctx); err != nil {
			return err
		}
		st = PlatformStatus{TenantID: tenant, Platform: Simulator, Status: Operational}
		if len(rows) == 1 {
			st = rows[0]
		}
		return nil
	})
	return st, err
}

type appliedChange struct {
	bun.BaseModel  `bun:"table:simulator_applied_changes"`
	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	IdempotencyKey string    `bun:"idempotency_key,pk"`
	CampaignID     uuid.UUID `bun:"campaign_id"`
	Result         Result    `bun:"result,type:jsonb"`
	AppliedAt      time.Time `bun:"applied_at"`
}

// Apply implements Connector: it changes the campaign at most once per
// idempotency key, in its own transaction, and refuses with ErrUnavailable
// during an outage. Calls with one key are serialised by a transaction-level
// advisory lock on (tenant, key), so an overlapping second call waits and
// replays the first one's result.
func (m *Sim) Apply(ctx context.Context, tenant uuid.UUID, ch Change) (res Result, err error) {
	if ch.IdempotencyKey == "" {
		return res, errors.New("simulator: change needs an idempotency key")
	}
	err = m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.LockTx(ctx, tx, "simulator-apply:"+tenant.String()+":"+ch.IdempotencyKey); err != nil {
			return fmt.Errorf("simulator: lock idempotency key: %w", err)
		}
		var prev []appliedChange
		if err := tx.NewSelect().Model(&prev).Where("idempotency_key = ?", ch.IdempotencyKey).Scan(ctx); err != nil {
			return err
		}
		if len(prev) == 1 {
			res = prev[0].Result
			res.Replayed = true
			return nil
		}
		var st []PlatformStatus
		if err := tx.NewSelect().Model(&st).Where("platform = ?", Simulator).Scan(ctx); err != nil {
			return err
		}
		if len(st) == 1 && st[0].Status == Outage {
			return fmt.Errorf("simulator: %w (%s)", ErrUnavailable, st[0].Message)
		}
		c := new(Campaign)
		if err := tx.NewSelect().Model(c).Where("c.id = ? AND c.platform = ?", ch.CampaignID, Simulator).For("NO KEY UPDATE").Scan(ctx); err != nil {
			return db.NotFound(err, "campaign not found on the simulator")
		}
		res.Before = c.Settings()
		if ch.Status != nil {
			c.Status = *ch.Status
		}
		if ch.DailyBudget != nil {
			c.DailyBudgetMicros = Micros(round2(*ch.DailyBudget))
		}
		if ch.Bid != nil {
			b := Micros(round2(*ch.Bid))
			c.BidMicros = &b
		}
		res.After = c.Settings()
		c.UpdatedAt = m.Platforms.DB.Now(ctx)
		if _, err := tx.NewUpdate().Model(c).Column("status", "daily_budget_micros", "bid_micros", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("simulator apply: %w", err)
		}
		rec := &appliedChange{TenantID: tenant, IdempotencyKey: ch.IdempotencyKey, CampaignID: c.ID, Result: res, AppliedAt: c.UpdatedAt}
		_, err := tx.NewInsert().Model(rec).Exec(ctx)
		return err
	})
	return res, err
}

var _ Connector = (*Sim)(nil)
