package platforms

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/money"
)

// Platform names (the GraphQL Platform enum).
const (
	Meta      = "META"
	Google    = "GOOGLE"
	TikTok    = "TIKTOK"
	Snapchat  = "SNAPCHAT"
	Simulator = "SIMULATOR"
)

// All lists every platform.
var All = []string{Meta, Google, TikTok, Snapchat, Simulator}

// Valid reports whether p names a platform.
func Valid(p string) bool {
	for _, x := range All {
		if x == p {
			return true
		}
	}
	return false
}

// TopicPlatformStatusChanged is published when a platform's status changes
// (envelope ID: the platform).
const TopicPlatformStatusChanged = "platforms.status_changed"

// Platform statuses.
const (
	Operational = "OPERATIONAL"
	DegradedOps = "DEGRADED"
	Outage      = "OUTAGE"
)

// Campaign statuses.
const (
	CampaignActive = "ACTIVE"
	CampaignPaused = "PAUSED"
)

// ErrUnavailable is returned (wrapped) by a connector whose platform is
// down or rate-limits: the change was not applied and the caller may retry
// it later with the same idempotency key.
var ErrUnavailable = errors.New("platforms: platform unavailable")

// Transient reports whether a connector's error leaves the change to be
// tried again later with the same idempotency key: the platform was
// unavailable (ErrUnavailable: nothing was applied) or the call ended with
// its context (the platform may or may not have applied it; the key makes
// the retry safe). Any other error is the platform refusing the change.
func Transient(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Campaign is a campaign as last synced.
type Campaign struct {
	bun.BaseModel `bun:"table:ad_campaigns,alias:c"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	Platform      string    `bun:"platform"`
	AccountID     string    `bun:"account_id"`
	ExternalID    string    `bun:"external_id"`
	Name          string    `bun:"name"`
	Status        string    `bun:"status"`
	// AdAccountID is the synced ad account (nil for the demo tenant's
	// legacy simulator campaigns).
	AdAccountID *uuid.UUID `bun:"ad_account_id"`
	Objective   string     `bun:"objective,nullzero,default:''"`
	// BudgetID is the platform's separate budget resource (Google).
	BudgetID string `bun:"budget_id,nullzero,default:''"`
	// DailyBudgetMicros is the daily budget in micros of Currency.
	DailyBudgetMicros int64 `bun:"daily_budget_micros"`
	// Currency is the ISO 4217 code of the ad account's currency, which
	// budgets, bids and spend are in.
	Currency string `bun:"currency,nullzero,default:'USD'"`
	// BidMicros is the manual bid, when the campaign has one.
	BidMicros       *int64    `bun:"bid_micros"`
	TargetROAS      *float64  `bun:"target_roas"`
	TargetCPAMicros *int64    `bun:"target_cpa_micros"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

// DailyBudget is the daily budget in units of Currency (for display and
// ratios; sums use DailyBudgetMicros).
func (c *Campaign) DailyBudget() float64 { return money.Float(c.DailyBudgetMicros) }

// Bid is the manual bid in units of Currency, or nil.
func (c *Campaign) Bid() *float64 { return unitsPtr(c.BidMicros) }

// TargetCPA is the target CPA in units of Currency, or nil.
func (c *Campaign) TargetCPA() *float64 { return unitsPtr(c.TargetCPAMicros) }

// Settings are the campaign's changeable settings, in units of Currency.
func (c *Campaign) Settings() Settings {
	return Settings{Status: c.Status, DailyBudget: c.DailyBudget(), Bid: c.Bid()}
}

func unitsPtr(m *int64) *float64 {
	if m == nil {
		return nil
	}
	v := money.Float(*m)
	return &v
}

// Micros converts an amount in currency units to micros, rounding to the
// nearest micro (automation computes changes in units; the platforms take
// whole minor units, which each client rounds to).
func Micros(units float64) int64 { return int64(math.Round(units * money.Micro)) }

// DailyMetrics are one campaign's delivery on one day.
type DailyMetrics struct {
	bun.BaseModel `bun:"table:ad_campaign_metrics,alias:m"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	CampaignID    uuid.UUID `bun:"campaign_id,pk"`
	Day           time.Time `bun:"day,pk,type:date"`
	SpendMicros   int64     `bun:"spend_micros"`
	Impressions   int64     `bun:"impressions"`
	Clicks        int64     `bun:"clicks"`
	Conversions   float64   `bun:"conversions"`
	// RevenueMicros is the platform-reported conversion value.
	RevenueMicros int64 `bun:"revenue_micros"`
}

// Spend is the day's spend in currency units.
func (m *DailyMetrics) Spend() float64 { return money.Float(m.SpendMicros) }

// Revenue is the day's conversion value in currency units.
func (m *DailyMetrics) Revenue() float64 { return money.Float(m.RevenueMicros) }

// PlatformStatus is a platform's last reported status.
type PlatformStatus struct {
	bun.BaseModel `bun:"table:platform_status"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	Platform      string    `bun:"platform,pk"`
	Status        string    `bun:"status"`
	Message       string    `bun:"message"`
	ChangedAt     time.Time `bun:"changed_at"`
	CheckedAt     time.Time `bun:"checked_at"`
}

// Settings are the campaign fields a change can touch.
type Settings struct {
	Status      string   `json:"status"`
	DailyBudget float64  `json:"dailyBudget"`
	Bid         *float64 `json:"bid,omitempty"`
}

// Change is one change to apply to a campaign. Nil fields are left alone.
// Automation stores the changes of an execution in flight (as JSON) so a
// retry sends exactly the same ones.
type Change struct {
	// IdempotencyKey identifies the change; applying the same key twice
	// returns the first result without changing anything (automation passes
	// the action id, or action id:campaign id for pause_all).
	IdempotencyKey string    `json:"idempotencyKey"`
	CampaignID     uuid.UUID `json:"campaignId"`
	Status         *string   `json:"status,omitempty"`
	DailyBudget    *float64  `json:"dailyBudget,omitempty"`
	Bid            *float64  `json:"bid,omitempty"`
	// Note describes changes with no settings effect (e.g. expand_targeting).
	Note string `json:"note,omitempty"`
}

// Result is a change's effect.
type Result struct {
	Before Settings `json:"before"`
	After  Settings `json:"after"`
	// Replayed is true when the key had been applied before.
	Replayed bool `json:"-"`
}

// Connector is what every ad platform implements. It talks to another
// service, so it is never called inside a database transaction (no row
// locks are held while the platform answers) and never joins one: a
// connector that stores something (the simulator does) uses its own short
// transaction. Errors follow Transient: ErrUnavailable for "try again
// later", anything else is a refusal shown to people as the platform's
// words.
type Connector interface {
	// Platform is the platform name (e.g. "META").
	Platform() string
	// Campaigns lists the tenant's campaigns on the platform.
	Campaigns(ctx context.Context, tenant uuid.UUID) ([]Campaign, error)
	// Metrics returns daily metrics for days in [from, to].
	Metrics(ctx context.Context, tenant uuid.UUID, from, to time.Time) ([]DailyMetrics, error)
	// Status reports the platform's health as seen by the connector.
	Status(ctx context.Context, tenant uuid.UUID) (PlatformStatus, error)
	// Apply applies ch at most once per ch.IdempotencyKey, also when two
	// calls with one key overlap (a retry racing the attempt it retries):
	// a repeated key returns the first result with Replayed set. A refusal
	// or an unavailable platform records nothing, so the key can be retried.
	Apply(ctx context.Context, tenant uuid.UUID, ch Change) (Result, error)
}

// TokenSource gives the jobs a connection's current grant: it opens the
// sealed token and refreshes it first when it is about to expire (calling
// the platform with no transaction open). A grant the platform refused
// marks the connection NEEDS_REAUTH and returns an ErrorAuth *APIError.
type TokenSource interface {
	Token(ctx context.Context, c *Connection) (Token, error)
}

// ReauthMarker is implemented by the TokenSource that owns connections
// (Connections): a grant the platform refused during a sync marks its
// connection NEEDS_REAUTH there, with its one incident.
type ReauthMarker interface {
	MarkNeedsReauth(ctx context.Context, tenant, id uuid.UUID, message string) error
}

// Service holds the connectors and the stored platform state. Its times
// (and the simulator's) are the transaction's (DB.Now): a test sets
// DB.Clock to control them.
type Service struct {
	DB      *db.DB
	Signals *signals.Service
	// Connectors by platform; NewService registers the simulator.
	Connectors map[string]Connector
	// APIs are the real platforms' clients by platform (META, GOOGLE,
	// TIKTOK, SNAPCHAT), built from configuration in app.NewServices; a
	// platform without credentials is present and not Configured.
	APIs map[string]API
	// Tokens opens (and refreshes) a connection's stored grant for the
	// sync and action jobs.
	Tokens TokenSource
	// Sync configures the sync runs (sync.go): the hook that enqueues a
	// run's job, windows and chunk size.
	Sync SyncOptions

	sim *Sim
}

// NewService returns a service with the simulator registered.
func NewService(d *db.DB, sig *signals.Service) *Service {
	s := &Service{DB: d, Signals: sig, Connectors: map[string]Connector{}, APIs: map[string]API{}}
	s.sim = &Sim{Platforms: s}
	s.Connectors[Simulator] = s.sim
	// Sandbox connections (platform SIMULATOR) sync through the same code
	// path as real platforms, against the simulator-backed SandboxAPI.
	s.APIs[Simulator] = &SandboxAPI{Platforms: s}
	return s
}

// Simulator returns the simulated platform (its seeding and degradation
// controls), even when Connectors[Simulator] has been wrapped.
func (s *Service) Simulator() *Sim { return s.sim }

// Connector returns platform's connector, or BAD_USER_INPUT when none is available.
func (s *Service) Connector(platform string) (Connector, error) {
	c, ok := s.Connectors[platform]
	if !ok {
		return nil, apperr.Invalid([]string{"input", "platform"}, "no connector for platform %q", platform)
	}
	return c, nil
}

// CampaignFilter scopes Campaigns. Empty slices mean "any".
type CampaignFilter struct {
	Platforms   []string    `json:"platforms,omitempty"`
	AccountIDs  []string    `json:"accountIds,omitempty"`
	CampaignIDs []uuid.UUID `json:"campaignIds,omitempty"`
}

// CampaignsTx lists stored campaigns matching f in the caller's tenant transaction.
func CampaignsTx(ctx context.Context, tx bun.IDB, f CampaignFilter) (_ []Campaign, err error) {
	defer derrors.Wrap(&err, "platforms.CampaignsTx")
	var cs []Campaign
	q := tx.NewSelect().Model(&cs).OrderExpr("c.name, c.id")
	if len(f.Platforms) > 0 {
		q = q.Where("c.platform IN (?)", bun.List(f.Platforms))
	}
	if len(f.AccountIDs) > 0 {
		q = q.Where("c.account_id IN (?)", bun.List(f.AccountIDs))
	}
	if len(f.CampaignIDs) > 0 {
		q = q.Where("c.id IN (?)", bun.List(f.CampaignIDs))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	return cs, nil
}

// Campaigns lists tenant's stored campaigns matching f.
func (s *Service) Campaigns(ctx context.Context, tenant uuid.UUID, f CampaignFilter) (cs []Campaign, err error) {
	defer derrors.Wrap(&err, "platforms.Service.Campaigns(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		cs, err = CampaignsTx(ctx, tx, f)
		return err
	})
	return cs, err
}

// MetricsTx returns the daily metrics of campaigns for days in [from, to],
// oldest first, in the caller's tenant transaction.
func MetricsTx(ctx context.Context, tx bun.IDB, campaigns []uuid.UUID, from, to time.Time) (_ []DailyMetrics, err error) {
	defer derrors.Wrap(&err, "platforms.MetricsTx")
	var ms []DailyMetrics
	if len(campaigns) == 0 {
		return nil, nil
	}
	err = tx.NewSelect().Model(&ms).Where("m.campaign_id IN (?)", bun.List(campaigns)).
		Where("m.day BETWEEN ?::date AND ?::date", from.Format(time.DateOnly), to.Format(time.DateOnly)).
		OrderExpr("m.day, m.campaign_id").Scan(ctx)
	if err != nil {
		return nil, err
	}
	return ms, nil
}

// Statuses lists tenant's platform statuses.
func (s *Service) Statuses(ctx context.Context, tenant uuid.UUID) (out []PlatformStatus, err error) {
	defer derrors.Wrap(&err, "platforms.Service.Statuses(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&out).OrderExpr("platform").Scan(ctx)
	})
	return out, err
}

// SetStatusTx records platform's status in the caller's tenant transaction.
// A change publishes TopicPlatformStatusChanged; every call records a
// platform_up measurement so signal health sees outages.
func (s *Service) SetStatusTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, platform, status, message string) (changed bool, err error) {
	defer derrors.Wrap(&err, "platforms.Service.SetStatusTx(%v, %s)", tenant, platform)
	now := s.DB.Now(ctx)
	var prev []PlatformStatus
	if err := tx.NewSelect().Model(&prev).Where("platform = ?", platform).For("NO KEY UPDATE").Scan(ctx); err != nil {
		return false, err
	}
	changed = len(prev) == 0 || prev[0].Status != status
	st := &PlatformStatus{TenantID: tenant, Platform: platform, Status: status, Message: message, ChangedAt: now, CheckedAt: now}
	if !changed {
		st.ChangedAt = prev[0].ChangedAt
	}
	if _, err := tx.NewInsert().Model(st).On("CONFLICT (tenant_id, platform) DO UPDATE").
		Set("status = EXCLUDED.status, message = EXCLUDED.message, changed_at = EXCLUDED.changed_at, checked_at = EXCLUDED.checked_at").
		Exec(ctx); err != nil {
		return false, fmt.Errorf("store platform status: %w", err)
	}
	if changed {
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicPlatformStatusChanged, ID: platform}); err != nil {
			return false, err
		}
	}
	up := 1.0
	if status == Outage {
		up = 0
	}
	if s.Signals != nil {
		err = s.Signals.Record(ctx, tx, tenant, []signals.Measurement{{Platform: platform, Metric: signals.MetricPlatformUp, Source: "platform_status", ObservedAt: now.Truncate(time.Minute), Value: up}})
	}
	return changed, err
}

// SeedSimulator sets up the simulated platform for a simulated tenant (see
// Sim.SeedSimulator); seeding calls it for the demo tenant.
func (s *Service) SeedSimulator(ctx context.Context, tenant uuid.UUID) error {
	return s.Simulator().SeedSimulator(ctx, tenant)
}

// SeedSimulatedHistory gives a simulated tenant 30 days of made-up signal
// health history, marked simulated (see Sim.SeedHistory); seeding calls it
// for the demo tenant.
func (s *Service) SeedSimulatedHistory(ctx context.Context, tenant uuid.UUID) error {
	return s.Simulator().SeedHistory(ctx, tenant)
}

// Degrade degrades one signal component of platform (only SIMULATOR can be
// degraded) for tenant: the simulateSignalDegradation mutation.
func (s *Service) Degrade(ctx context.Context, tenant uuid.UUID, platform, component, severity string) error {
	if platform != Simulator {
		return apperr.Invalid([]string{"input", "platform"}, "only the SIMULATOR platform can be degraded")
	}
	return s.Simulator().Degrade(ctx, tenant, component, severity)
}

// Recover clears the degradations of platform for tenant: the
// simulateSignalRecovery mutation.
func (s *Service) Recover(ctx context.Context, tenant uuid.UUID, platform string) error {
	if platform != Simulator {
		return apperr.Invalid([]string{"input", "platform"}, "only the SIMULATOR platform can be recovered")
	}
	return s.Simulator().Recover(ctx, tenant)
}
