package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// System is the actor of automatic decisions.
const System = "system"

// Service runs the trust gate, rules and the action queue.
type Service struct {
	DB *db.DB
	// Config holds thresholds (DefaultConfig when zero).
	Config    Config
	Platforms *platforms.Service
	Incidents *incidents.Service
	// OnExecutable, if set, is called in the transaction that made an action
	// executable (gate PASS, approval); jobs sets it to enqueue execution.
	OnExecutable func(ctx context.Context, tx bun.Tx, tenant, actionID uuid.UUID) error
	// OnAwaitingApproval, if set, is called in the transaction that leaves
	// an action QUEUED with a HOLD decision (waiting for a person);
	// OnModeChanged in the one that moves the autopilot mode. app sets them
	// to notifications.Service's hooks.
	OnAwaitingApproval func(ctx context.Context, tx bun.Tx, a *Action) error
	OnModeChanged      func(ctx context.Context, tx bun.Tx, tenant uuid.UUID, from, to Mode, score float64) error
	// Autopilot, if set, reports whether the tenant of tx has the autopilot
	// feature (app sets it to billing's flag). When it has not, the gate
	// holds for approval what GUARDED_AUTO would run without a person — at
	// proposal and again when the execution job starts — and says why in
	// the gate decision (trustAuditLog).
	Autopilot func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (bool, error)
}

func (s *Service) cfg() Config {
	if s.Config.Thresholds == nil {
		return DefaultConfig()
	}
	return s.Config
}

// HealthChanged implements signals.Listener: it moves the autopilot mode
// with the overall score (with hysteresis) and, when it changes, publishes
// TopicAutopilotModeChanged and re-gates pending actions.
func (s *Service) HealthChanged(ctx context.Context, tx bun.Tx, tenant uuid.UUID, changes []signals.Change) (err error) {
	defer derrors.Wrap(&err, "automation.Service.HealthChanged(%v)", tenant)
	var overall *signals.Health
	for _, c := range changes {
		if c.Curr.Platform == signals.Overall {
			overall = c.Curr
		}
	}
	if overall == nil {
		return nil
	}
	// Read without locking first: on the common path the mode is unchanged.
	st, err := settingsTx(ctx, tx, tenant, false)
	if err != nil {
		return err
	}
	if st.AutopilotModeScore != nil && s.cfg().ModeFor(overall.Score, st.AutopilotMode) == st.AutopilotMode {
		return nil
	}
	if st, err = settingsTx(ctx, tx, tenant, true); err != nil {
		return err
	}
	prev := st.AutopilotMode
	if st.AutopilotModeScore == nil {
		prev = "" // first score: no hysteresis against the default
	}
	mode := s.cfg().ModeFor(overall.Score, prev)
	if mode == st.AutopilotMode && st.AutopilotModeScore != nil {
		return nil
	}
	score := overall.Score
	st.AutopilotMode, st.AutopilotModeScore, st.AutopilotModeChangedAt = mode, &score, s.DB.Now(ctx)
	if _, err := tx.NewUpdate().Model(st).Column("autopilot_mode", "autopilot_mode_score", "autopilot_mode_changed_at").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update autopilot mode: %w", err)
	}
	if mode != prev || prev == "" && mode != Normal {
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicAutopilotModeChanged, ID: string(mode)}); err != nil {
			return err
		}
		if s.OnModeChanged != nil {
			if err := s.OnModeChanged(ctx, tx, tenant, prev, mode, score); err != nil {
				return err
			}
		}
	}
	return s.regate(ctx, tx, tenant, st, CauseScoreChanged, System)
}

var _ signals.Listener = (*Service)(nil)

// Overview is the trust gate's state for a tenant (the trustGate query).
type Overview struct {
	Mode            Mode
	Level           Level
	EnforcementMode EnforcementMode
	KillSwitch      bool
	Score           *float64
	Status          signals.Status
	// DecisionCounts counts the actions the gate decided on in the last 24
	// hours, each once by its latest decision (dry runs excluded).
	DecisionCounts map[Decision]int
	// Settings are the tenant's enforcement settings, Rules its custom
	// enforcement rules by violation type.
	Settings *Settings
	Rules    []EnforcementRule
	// Health is the overall signal health (nil before the first
	// computation, and when OverviewOf was not asked for it).
	Health *signals.Health
}

// OverviewParts says which of the trust gate's optional reads OverviewOf
// runs; the settings row (mode, level, enforcement mode, kill switch and
// the settings themselves) is always read. A caller that needs only the
// mode asks for nothing more (issue 16: the trustGate query used to read the
// enforcement rules and count 24 hours of gate decisions whatever it
// selected).
type OverviewParts struct {
	// Health reads the overall signal health: Score, Status and Health
	// (without its components, which the trust gate never shows).
	Health bool
	// Verdict reads the health's issues too, which Verdict names (implies
	// Health).
	Verdict bool
	// Rules reads the custom enforcement rules.
	Rules bool
	// DecisionCounts counts the last 24 hours' gate decisions.
	DecisionCounts bool
}

// AllParts reads everything an Overview holds.
var AllParts = OverviewParts{Health: true, Verdict: true, Rules: true, DecisionCounts: true}

// Overview returns tenant's whole trust-gate state, read in one
// transaction.
func (s *Service) Overview(ctx context.Context, tenant uuid.UUID) (_ *Overview, err error) {
	defer derrors.Wrap(&err, "automation.Service.Overview(%v)", tenant)
	return s.overview(ctx, tenant, AllParts)
}

// OverviewOf returns tenant's trust-gate state with the parts asked for,
// read in one transaction; the others are left zero (Rules and Health nil,
// DecisionCounts all 0).
func (s *Service) OverviewOf(ctx context.Context, tenant uuid.UUID, parts OverviewParts) (_ *Overview, err error) {
	defer derrors.Wrap(&err, "automation.Service.OverviewOf(%v)", tenant)
	return s.overview(ctx, tenant, parts)
}

func (s *Service) overview(ctx context.Context, tenant uuid.UUID, parts OverviewParts) (*Overview, error) {
	o := &Overview{DecisionCounts: map[Decision]int{Pass: 0, Hold: 0, Block: 0}}
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) (err error) {
		if o.Settings, err = settingsTx(ctx, tx, tenant, false); err != nil {
			return err
		}
		st := o.Settings
		o.Mode, o.Level, o.EnforcementMode, o.KillSwitch = st.AutopilotMode, st.AutopilotLevel, st.EnforcementMode, st.KillSwitch
		if parts.Rules {
			if err := tx.NewSelect().Model(&o.Rules).OrderExpr("violation_type").Scan(ctx); err != nil {
				return err
			}
		}
		if parts.Health || parts.Verdict {
			exclude := []string{"components"}
			if !parts.Verdict {
				exclude = append(exclude, "issues")
			}
			if o.Health, err = signals.GetTx(ctx, tx, signals.Overall, exclude...); err != nil {
				return err
			}
			if o.Health != nil {
				o.Score, o.Status = &o.Health.Score, o.Health.Status
			}
		}
		if !parts.DecisionCounts {
			return nil
		}
		return s.countDecisions(ctx, tx, o.DecisionCounts)
	})
	return o, err
}

// countDecisions counts the actions the gate decided on in the last 24
// hours, each once, by its latest decision: an action re-gated when the
// score moves, then approved and executed, has several decisions but is one
// action (dry runs have no action and are left out).
//
// The window starts at a whole second (at most a second more than 24
// hours), so the statement's text is the same for a second and a
// connection runs it prepared (docs/adr/0028, part 4).
func (s *Service) countDecisions(ctx context.Context, tx bun.Tx, into map[Decision]int) error {
	since := s.DB.Now(ctx).Add(-24 * time.Hour).Truncate(time.Second)
	latest := tx.NewSelect().Model((*GateDecision)(nil)).DistinctOn("g.action_id").ColumnExpr("g.action_id, g.decision").
		Where("g.at > ? AND NOT g.dry_run AND g.action_id IS NOT NULL", since).
		OrderExpr("g.action_id, g.at DESC, g.id DESC")
	var rows []struct {
		Decision Decision
		N        int
	}
	if err := tx.NewSelect().TableExpr("(?) AS latest", latest).ColumnExpr("decision, count(*) AS n").
		Group("decision").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		into[r.Decision] = r.N
	}
	return nil
}
