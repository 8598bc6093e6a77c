package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Settings are a tenant's enforcement settings, autopilot level and current
// autopilot mode. A tenant without a row has DefaultSettings.
type Settings struct {
	bun.BaseModel          `bun:"table:automation_settings"`
	TenantID               uuid.UUID       `bun:"tenant_id,pk"`
	KillSwitch             bool            `bun:"kill_switch"`
	EnforcementMode        EnforcementMode `bun:"enforcement_mode"`
	AutopilotLevel         Level           `bun:"autopilot_level"`
	MaxDailyBudget         *float64        `bun:"max_daily_budget"`
	MaxCampaignBudget      *float64        `bun:"max_campaign_budget"`
	MaxBudgetIncreasePct   float64         `bun:"max_budget_increase_pct"`
	MinROAS                float64         `bun:"min_roas"`
	MinROASWindowDays      int             `bun:"min_roas_window_days"`
	MaxBudgetChangesPerDay int             `bun:"max_budget_changes_per_day"`
	MinHoursBetween        float64         `bun:"min_hours_between_changes"`
	AutopilotMode          Mode            `bun:"autopilot_mode"`
	AutopilotModeScore     *float64        `bun:"autopilot_mode_score"`
	AutopilotModeChangedAt time.Time       `bun:"autopilot_mode_changed_at"`
	UpdatedAt              time.Time       `bun:"updated_at"`
	UpdatedBy              string          `bun:"updated_by"`
}

// DefaultSettings are the settings of a tenant that never changed them:
// SOFT_BLOCK, APPROVAL_REQUIRED, +30% per change, min ROAS 1.0 over 7 days,
// 5 budget changes a day, 4 h between changes, no budget caps.
func DefaultSettings(tenant uuid.UUID) Settings {
	return Settings{TenantID: tenant, EnforcementMode: SoftBlock, AutopilotLevel: ApprovalRequired, MaxBudgetIncreasePct: 30,
		MinROAS: 1.0, MinROASWindowDays: 7, MaxBudgetChangesPerDay: 5, MinHoursBetween: 4, AutopilotMode: Normal, UpdatedBy: "system"}
}

// Topic published when the autopilot mode, level or kill switch changes
// (envelope ID: the new mode).
const TopicAutopilotModeChanged = "automation.autopilot_mode_changed"

// settingsTx loads (creating if missing) and locks the tenant's settings.
func settingsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, lock bool) (*Settings, error) {
	def := DefaultSettings(tenant)
	if lock {
		row := def
		row.AutopilotModeChangedAt, row.UpdatedAt = db.TxNow(ctx), db.TxNow(ctx)
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT (tenant_id) DO NOTHING").
			ExcludeColumn("autopilot_mode_score").Exec(ctx); err != nil {
			return nil, fmt.Errorf("create settings: %w", err)
		}
	}
	var rows []Settings
	q := tx.NewSelect().Model(&rows)
	if lock {
		q = q.For("NO KEY UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	if len(rows) == 0 {
		return &def, nil
	}
	return &rows[0], nil
}

// Settings returns tenant's settings.
func (s *Service) Settings(ctx context.Context, tenant uuid.UUID) (st *Settings, err error) {
	defer derrors.Wrap(&err, "automation.Service.Settings(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		st, err = settingsTx(ctx, tx, tenant, false)
		return err
	})
	return st, err
}

// SettingsInput changes enforcement settings; nil fields are left alone.
// ClearMaxDailyBudget / ClearMaxCampaignBudget remove a cap.
type SettingsInput struct {
	EnforcementMode        *EnforcementMode
	MaxDailyBudget         *float64
	ClearMaxDailyBudget    bool
	MaxCampaignBudget      *float64
	ClearMaxCampaignBudget bool
	MaxBudgetIncreasePct   *float64
	MinROAS                *float64
	MinROASWindowDays      *int
	MaxBudgetChangesPerDay *int
	MinHoursBetween        *float64
}

func (in SettingsInput) validate() error {
	f := func(name string) []string { return []string{"input", name} }
	if in.EnforcementMode != nil && *in.EnforcementMode != Advisory && *in.EnforcementMode != SoftBlock && *in.EnforcementMode != HardBlock {
		return apperr.Invalid(f("enforcementMode"), "enforcementMode must be ADVISORY, SOFT_BLOCK or HARD_BLOCK")
	}
	for name, v := range map[string]*float64{"maxDailyBudget": in.MaxDailyBudget, "maxCampaignBudget": in.MaxCampaignBudget,
		"maxBudgetIncreasePct": in.MaxBudgetIncreasePct, "minRoas": in.MinROAS, "minHoursBetweenChanges": in.MinHoursBetween} {
		if v != nil && *v < 0 {
			return apperr.Invalid(f(name), "%s must not be negative", name)
		}
	}
	for name, v := range map[string]*float64{"maxDailyBudget": in.MaxDailyBudget, "maxCampaignBudget": in.MaxCampaignBudget} {
		if v != nil && *v > MaxAmount {
			return apperr.Invalid(f(name), "%s must be at most %d", name, int64(MaxAmount))
		}
	}
	if in.MinROAS != nil && *in.MinROAS > 1000 {
		return apperr.Invalid(f("minRoas"), "minRoas must be at most 1000")
	}
	// A week at most: beyond about 2.56 million hours the guardrail's
	// duration overflowed and it stopped firing.
	if in.MinHoursBetween != nil && *in.MinHoursBetween > 168 {
		return apperr.Invalid(f("minHoursBetweenChanges"), "minHoursBetweenChanges must be at most 168 (a week)")
	}
	if in.MaxBudgetIncreasePct != nil && *in.MaxBudgetIncreasePct > 1000 {
		return apperr.Invalid(f("maxBudgetIncreasePct"), "maxBudgetIncreasePct must be at most 1000")
	}
	if in.MinROASWindowDays != nil && (*in.MinROASWindowDays < 1 || *in.MinROASWindowDays > 90) {
		return apperr.Invalid(f("minRoasWindowDays"), "minRoasWindowDays must be 1–90")
	}
	if in.MaxBudgetChangesPerDay != nil && (*in.MaxBudgetChangesPerDay < 0 || *in.MaxBudgetChangesPerDay > 1000) {
		return apperr.Invalid(f("maxBudgetChangesPerDay"), "maxBudgetChangesPerDay must be 0–1000")
	}
	return nil
}

// UpdateSettings changes tenant's enforcement settings as actor.
func (s *Service) UpdateSettings(ctx context.Context, tenant uuid.UUID, in SettingsInput, actor string) (_ *Settings, err error) {
	defer derrors.Wrap(&err, "automation.Service.UpdateSettings(%v)", tenant)
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.changeSettings(ctx, tenant, actor, false, func(st *Settings) {
		set := func(dst *float64, v *float64) {
			if v != nil {
				*dst = *v
			}
		}
		if in.EnforcementMode != nil {
			st.EnforcementMode = *in.EnforcementMode
		}
		if in.MaxDailyBudget != nil || in.ClearMaxDailyBudget {
			st.MaxDailyBudget = in.MaxDailyBudget
		}
		if in.MaxCampaignBudget != nil || in.ClearMaxCampaignBudget {
			st.MaxCampaignBudget = in.MaxCampaignBudget
		}
		set(&st.MaxBudgetIncreasePct, in.MaxBudgetIncreasePct)
		set(&st.MinROAS, in.MinROAS)
		set(&st.MinHoursBetween, in.MinHoursBetween)
		if in.MinROASWindowDays != nil {
			st.MinROASWindowDays = *in.MinROASWindowDays
		}
		if in.MaxBudgetChangesPerDay != nil {
			st.MaxBudgetChangesPerDay = *in.MaxBudgetChangesPerDay
		}
	})
}

// SetKillSwitch turns tenant's kill switch on or off as actor. Turning it
// on blocks every pending action except pause_all and emergency_stop.
func (s *Service) SetKillSwitch(ctx context.Context, tenant uuid.UUID, on bool, actor string) (_ *Settings, err error) {
	defer derrors.Wrap(&err, "automation.Service.SetKillSwitch(%v, %t)", tenant, on)
	return s.changeSettings(ctx, tenant, actor, true, func(st *Settings) { st.KillSwitch = on })
}

// SetAutopilotLevel sets tenant's autopilot level as actor.
func (s *Service) SetAutopilotLevel(ctx context.Context, tenant uuid.UUID, level Level, actor string) (_ *Settings, err error) {
	defer derrors.Wrap(&err, "automation.Service.SetAutopilotLevel(%v, %s)", tenant, level)
	if level != SuggestOnly && level != GuardedAuto && level != ApprovalRequired {
		return nil, apperr.Invalid([]string{"input", "level"}, "level must be SUGGEST_ONLY, GUARDED_AUTO or APPROVAL_REQUIRED")
	}
	return s.changeSettings(ctx, tenant, actor, true, func(st *Settings) { st.AutopilotLevel = level })
}

func (s *Service) changeSettings(ctx context.Context, tenant uuid.UUID, actor string, autopilot bool, fn func(*Settings)) (st *Settings, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if st, err = settingsTx(ctx, tx, tenant, true); err != nil {
			return err
		}
		before := *st
		fn(st)
		st.UpdatedAt, st.UpdatedBy = s.DB.Now(ctx), actor
		if _, err := tx.NewUpdate().Model(st).ExcludeColumn("autopilot_mode", "autopilot_mode_score", "autopilot_mode_changed_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update settings: %w", err)
		}
		if autopilot && (before.KillSwitch != st.KillSwitch || before.AutopilotLevel != st.AutopilotLevel) {
			if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicAutopilotModeChanged, ID: string(st.AutopilotMode)}); err != nil {
				return err
			}
		}
		if err := record(ctx, tx, tenant, "automation.update_settings", "", uuid.Nil, settingsDiff(before, *st)); err != nil {
			return err
		}
		return s.regate(ctx, tx, tenant, st, CauseSettingsChanged, actor)
	})
	return st, err
}

// EnforcementRule overrides the enforcement mode (and threshold) of one violation type.
type EnforcementRule struct {
	bun.BaseModel `bun:"table:enforcement_rules"`
	TenantID      uuid.UUID       `bun:"tenant_id,pk"`
	ID            uuid.UUID       `bun:"id,pk"`
	ViolationType ViolationType   `bun:"violation_type"`
	Mode          EnforcementMode `bun:"mode"`
	// Threshold replaces the setting the violation type checks: max increase %
	// (BUDGET_EXCEEDED), min ROAS (ROAS_BELOW_THRESHOLD), max daily budget
	// (DAILY_SPEND_LIMIT), ROAS below which pausing is required
	// (CAMPAIGN_PAUSE_REQUIRED), max changes a day (FREQUENCY_CAP_EXCEEDED).
	Threshold *float64  `bun:"threshold"`
	Enabled   bool      `bun:"enabled"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// EnforcementRuleInput creates or replaces the rule of a violation type.
type EnforcementRuleInput struct {
	ViolationType ViolationType
	Mode          EnforcementMode
	Threshold     *float64
	Enabled       bool
}

// PutEnforcementRule creates or replaces tenant's rule for in.ViolationType.
func (s *Service) PutEnforcementRule(ctx context.Context, tenant uuid.UUID, in EnforcementRuleInput) (_ *EnforcementRule, err error) {
	defer derrors.Wrap(&err, "automation.Service.PutEnforcementRule(%v, %s)", tenant, in.ViolationType)
	switch in.ViolationType {
	case BudgetExceeded, ROASBelowThreshold, DailySpendLimit, CampaignPauseRequired, FrequencyCapExceeded:
	default:
		return nil, apperr.Invalid([]string{"input", "violationType"}, "unknown violation type %q", in.ViolationType)
	}
	if in.Mode != Advisory && in.Mode != SoftBlock && in.Mode != HardBlock {
		return nil, apperr.Invalid([]string{"input", "mode"}, "mode must be ADVISORY, SOFT_BLOCK or HARD_BLOCK")
	}
	if in.Threshold != nil && *in.Threshold < 0 {
		return nil, apperr.Invalid([]string{"input", "threshold"}, "threshold must not be negative")
	}
	r := &EnforcementRule{TenantID: tenant, ID: uuid.New(), ViolationType: in.ViolationType, Mode: in.Mode, Threshold: in.Threshold, Enabled: in.Enabled}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		r.CreatedAt = s.DB.Now(ctx)
		r.UpdatedAt = r.CreatedAt
		_, err := tx.NewInsert().Model(r).On("CONFLICT (tenant_id, violation_type) DO UPDATE").
			Set("mode = EXCLUDED.mode, threshold = EXCLUDED.threshold, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at").
			Returning("*").Exec(ctx)
		if err != nil {
			return err
		}
		return record(ctx, tx, tenant, "enforcement_rule.put", "", uuid.Nil, map[string]any{"violationType": r.ViolationType, "mode": r.Mode,
			"threshold": r.Threshold, "enabled": r.Enabled})
	})
	return r, err
}

// DeleteEnforcementRule removes tenant's rule for a violation type.
func (s *Service) DeleteEnforcementRule(ctx context.Context, tenant uuid.UUID, vt ViolationType) (err error) {
	defer derrors.Wrap(&err, "automation.Service.DeleteEnforcementRule(%v, %s)", tenant, vt)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*EnforcementRule)(nil)).Where("violation_type = ?", vt).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("no enforcement rule for %s", vt)
		}
		return record(ctx, tx, tenant, "enforcement_rule.delete", "", uuid.Nil, map[string]any{"violationType": vt})
	})
}
