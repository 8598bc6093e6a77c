package automation

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Metric is a campaign metric a condition compares over a window.
type Metric string

// Condition metrics.
const (
	MetricSpend       Metric = "SPEND"
	MetricROAS        Metric = "ROAS"
	MetricCPA         Metric = "CPA"
	MetricCTR         Metric = "CTR"
	MetricConversions Metric = "CONVERSIONS"
	// MetricPacing is spend over the window divided by daily budget × days.
	MetricPacing Metric = "PACING"
)

// Operator compares a metric with a threshold.
type Operator string

// Comparison operators.
const (
	GT  Operator = "GT"
	GTE Operator = "GTE"
	LT  Operator = "LT"
	LTE Operator = "LTE"
	EQ  Operator = "EQ"
	NEQ Operator = "NEQ"
)

// Condition is a comparison (Metric, WindowDays, Operator, Value), a time
// window (TimeWindow: the hour of day in the rule's time zone) or a group
// (Op AND/OR over Conditions).
type Condition struct {
	Op         string      `json:"op,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
	Metric     Metric      `json:"metric,omitempty"`
	WindowDays int         `json:"windowDays,omitempty"`
	Operator   Operator    `json:"operator,omitempty"`
	Value      float64     `json:"value"`
	TimeWindow *TimeWindow `json:"timeWindow,omitempty"`
}

// RuleAction is what a rule proposes when its conditions hold.
type RuleAction struct {
	Type   ActionType   `json:"type"`
	Params ActionParams `json:"params"`
}

// Builtin names one of the three built-in rules.
type Builtin string

// The built-in rules.
const (
	BudgetPacing       Builtin = "BUDGET_PACING"
	PerformanceScaling Builtin = "PERFORMANCE_SCALING"
	StatusManagement   Builtin = "STATUS_MANAGEMENT"
)

// Rule is an automation rule.
type Rule struct {
	bun.BaseModel   `bun:"table:automation_rules,alias:r"`
	TenantID        uuid.UUID                `bun:"tenant_id,pk"`
	ID              uuid.UUID                `bun:"id,pk"`
	Name            string                   `bun:"name"`
	Description     string                   `bun:"description"`
	Builtin         *Builtin                 `bun:"builtin"`
	Enabled         bool                     `bun:"enabled"`
	Conditions      Condition                `bun:"conditions,type:jsonb"`
	Actions         []RuleAction             `bun:"actions,type:jsonb"`
	Params          map[string]float64       `bun:"params,type:jsonb"`
	ScheduleMinutes int                      `bun:"schedule_minutes"`
	CooldownSeconds int                      `bun:"cooldown_seconds"`
	Scope           platforms.CampaignFilter `bun:"scope,type:jsonb"`
	// TimeZone is the IANA zone time-window conditions read the clock in.
	TimeZone        string     `bun:"time_zone,nullzero,default:'UTC'"`
	LastEvaluatedAt *time.Time `bun:"last_evaluated_at"`
	CreatedAt       time.Time  `bun:"created_at"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

// builtinRules are the three built-ins with their default parameters.
var builtinRules = []Rule{
	{Name: "Budget pacing", Description: "Spend under 70% of expected → budget +20%; over 130% → −20% (3-day window).",
		Builtin: ptr(BudgetPacing), Params: map[string]float64{"windowDays": 3, "under": 0.70, "over": 1.30, "adjustPct": 20}},
	{Name: "Performance scaling", Description: "ROAS ≥ 120% of target → budget ×1.2; ≤ 70% → ×0.8; at least 5 conversions (7-day window).",
		Builtin: ptr(PerformanceScaling), Params: map[string]float64{"windowDays": 7, "scaleUpAt": 1.2, "scaleDownAt": 0.7, "upPct": 20, "downPct": 20, "minConversions": 5}},
	{Name: "Status management", Description: "Pause after 7 days at CPA ≥ 2× target or ROAS ≤ 0.5× target.",
		Builtin: ptr(StatusManagement), Params: map[string]float64{"days": 7, "cpaFactor": 2, "roasFactor": 0.5}},
}

func ptr[T any](v T) *T { return &v }

// ensureBuiltins creates the tenant's built-in rules if missing (enabled,
// hourly, one-day cooldown). The reads that call it (Rule, Rules,
// RuleActivity) run in db.InTenantRW: a query's shared transaction is READ
// ONLY.
func (s *Service) ensureBuiltins(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	now := s.DB.Now(ctx)
	rows := make([]Rule, len(builtinRules))
	for i, b := range builtinRules {
		rows[i] = b
		rows[i].TenantID, rows[i].ID = tenant, uuid.NewSHA1(tenant, []byte("builtin-rule:"+string(*b.Builtin)))
		rows[i].Enabled, rows[i].ScheduleMinutes, rows[i].CooldownSeconds = true, 60, 86400
		rows[i].Actions, rows[i].CreatedAt, rows[i].UpdatedAt = []RuleAction{}, now, now
	}
	_, err := tx.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

var (
	metrics   = map[Metric]bool{MetricSpend: true, MetricROAS: true, MetricCPA: true, MetricCTR: true, MetricConversions: true, MetricPacing: true}
	operators = map[Operator]bool{GT: true, GTE: true, LT: true, LTE: true, EQ: true, NEQ: true}
)

func (c Condition) validate(path []string, depth int, leaves *int) error {
	if c.Op != "" {
		if c.Op != "AND" && c.Op != "OR" {
			return apperr.Invalid(append(path, "op"), "op must be AND or OR")
		}
		if depth >= 4 {
			return apperr.Invalid(path, "conditions nest at most 4 levels deep")
		}
		if len(c.Conditions) == 0 {
			return apperr.Invalid(append(path, "conditions"), "a group needs at least one condition")
		}
		for i, cc := range c.Conditions {
			if err := cc.validate(append(append([]string{}, path...), "conditions", fmt.Sprint(i)), depth+1, leaves); err != nil {
				return err
			}
		}
		return nil
	}
	*leaves++
	if *leaves > 20 {
		return apperr.Invalid(path, "a rule has at most 20 conditions")
	}
	if c.TimeWindow != nil {
		if c.Metric != "" {
			return apperr.Invalid(append(path, "metric"), "a time-window condition has no metric")
		}
		return c.TimeWindow.validate(append(append([]string{}, path...), "timeWindow"))
	}
	switch {
	case !metrics[c.Metric]:
		return apperr.Invalid(append(path, "metric"), "metric must be SPEND, ROAS, CPA, CTR, CONVERSIONS or PACING")
	case !operators[c.Operator]:
		return apperr.Invalid(append(path, "operator"), "operator must be GT, GTE, LT, LTE, EQ or NEQ")
	case c.WindowDays < 1 || c.WindowDays > 30:
		return apperr.Invalid(append(path, "windowDays"), "windowDays must be 1–30")
	}
	return nil
}

// RuleInput creates or updates a rule. On update nil fields are left alone;
// built-in rules accept only Enabled, Params, ScheduleMinutes,
// CooldownSeconds and Scope.
type RuleInput struct {
	Name            *string
	Description     *string
	Enabled         *bool
	Conditions      *Condition
	Actions         []RuleAction
	Params          map[string]float64
	ScheduleMinutes *int
	CooldownSeconds *int
	Scope           *platforms.CampaignFilter
	// TimeZone is an IANA zone name (default UTC).
	TimeZone *string
}

func (in RuleInput) apply(r *Rule) error {
	f := func(name ...string) []string { return append([]string{"input"}, name...) }
	if r.Builtin != nil && (in.Name != nil || in.Conditions != nil || in.Actions != nil) {
		return apperr.Invalid(f("conditions"), "the conditions and actions of a built-in rule cannot be changed; set its params")
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || len(name) > 200 {
			return apperr.Invalid(f("name"), "name must be 1–200 characters")
		}
		r.Name = name
	}
	if in.Description != nil {
		if len(*in.Description) > 2000 {
			return apperr.Invalid(f("description"), "description must be at most 2000 characters")
		}
		r.Description = *in.Description
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if in.Conditions != nil {
		leaves := 0
		if err := in.Conditions.validate(f("conditions"), 0, &leaves); err != nil {
			return err
		}
		r.Conditions = *in.Conditions
	}
	if in.Actions != nil {
		if len(in.Actions) == 0 || len(in.Actions) > 5 {
			return apperr.Invalid(f("actions"), "a rule has 1–5 actions")
		}
		for i, a := range in.Actions {
			if _, ok := RiskOf(a.Type); !ok {
				return apperr.Invalid(f("actions", fmt.Sprint(i), "type"), "unknown action type %q", a.Type)
			}
			if a.Type == ResumePaused && len(in.Actions) > 1 {
				return apperr.Invalid(f("actions", fmt.Sprint(i), "type"), "a rule that resumes paused campaigns proposes nothing else (it looks at paused campaigns, the others at active ones)")
			}
			if a.Params.Percent != nil && (*a.Params.Percent <= 0 || *a.Params.Percent > 1000) {
				return apperr.Invalid(f("actions", fmt.Sprint(i), "params", "percent"), "percent must be in (0, 1000]")
			}
			if err := a.Params.validate(f("actions", fmt.Sprint(i), "params")); err != nil {
				return err
			}
		}
		r.Actions = in.Actions
	}
	if in.Params != nil {
		if r.Builtin == nil {
			return apperr.Invalid(f("params"), "params apply to built-in rules only")
		}
		for k, v := range in.Params {
			if _, ok := r.Params[k]; !ok {
				return apperr.Invalid(f("params", k), "unknown parameter %q", k)
			}
			if err := checkBuiltinParam(f("params", k), k, v); err != nil {
				return err
			}
			r.Params[k] = v
		}
	}
	if in.ScheduleMinutes != nil {
		if *in.ScheduleMinutes < 5 || *in.ScheduleMinutes > 10080 {
			return apperr.Invalid(f("scheduleMinutes"), "scheduleMinutes must be 5–10080")
		}
		r.ScheduleMinutes = *in.ScheduleMinutes
	}
	if in.CooldownSeconds != nil {
		if *in.CooldownSeconds < 0 || *in.CooldownSeconds > 30*86400 {
			return apperr.Invalid(f("cooldownSeconds"), "cooldownSeconds must be 0–2592000")
		}
		r.CooldownSeconds = *in.CooldownSeconds
	}
	if in.TimeZone != nil {
		if r.Builtin != nil {
			return apperr.Invalid(f("timeZone"), "the time zone applies to user-defined rules only")
		}
		if err := validateTimeZone(f("timeZone"), *in.TimeZone); err != nil {
			return err
		}
		r.TimeZone = *in.TimeZone
	}
	if in.Scope != nil {
		if err := validateScope(f("scope"), in.Scope); err != nil {
			return err
		}
		r.Scope = *in.Scope
	}
	return nil
}

// newRule validates in as a new user-defined rule (CreateRule stamps its
// times in its transaction).
func (s *Service) newRule(tenant uuid.UUID, in RuleInput) (*Rule, error) {
	r := &Rule{TenantID: tenant, ID: uuid.New(), Enabled: true, ScheduleMinutes: 60, CooldownSeconds: 86400, Params: map[string]float64{},
		TimeZone: DefaultTimeZone}
	if in.Name == nil {
		return nil, apperr.Invalid([]string{"input", "name"}, "name is required")
	}
	if in.Conditions == nil {
		return nil, apperr.Invalid([]string{"input", "conditions"}, "conditions are required")
	}
	if in.Actions == nil {
		return nil, apperr.Invalid([]string{"input", "actions"}, "actions are required")
	}
	if err := in.apply(r); err != nil {
		return nil, err
	}
	return r, nil
}

// MaxRules bounds a workspace's automation rules, the built-ins included:
// every evaluation checks each enabled rule against every campaign.
const MaxRules = 200

// CreateRule creates a user-defined rule (at most MaxRules a workspace).
func (s *Service) CreateRule(ctx context.Context, tenant uuid.UUID, in RuleInput) (_ *Rule, err error) {
	defer derrors.Wrap(&err, "automation.Service.CreateRule(%v)", tenant)
	r, err := s.newRule(tenant, in)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.CapTx(ctx, tx, "automation_rules:"+tenant.String(), tx.NewSelect().Model((*Rule)(nil)), MaxRules,
			fmt.Sprintf("a workspace has at most %d automation rules; delete one first", MaxRules)); err != nil {
			return err
		}
		if err := checkScopeCampaigns(ctx, tx, []string{"input", "scope"}, r.Scope.CampaignIDs); err != nil {
			return err
		}
		r.CreatedAt = s.DB.Now(ctx)
		r.UpdatedAt = r.CreatedAt
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "automation_rule.create", relay.TypeAutomationRule, r.ID, map[string]any{"name": r.Name})
	})
	return r, err
}

// UpdateRule changes a rule.
func (s *Service) UpdateRule(ctx context.Context, tenant, id uuid.UUID, in RuleInput) (r *Rule, err error) {
	defer derrors.Wrap(&err, "automation.Service.UpdateRule(%v, %v)", tenant, id)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.ensureBuiltins(ctx, tx, tenant); err != nil {
			return err
		}
		r = new(Rule)
		if err := db.ScanByID(ctx, tx, r, id, db.LockNoKeyUpdate, "rule not found"); err != nil {
			return err
		}
		if err := in.apply(r); err != nil {
			return err
		}
		if in.Scope != nil {
			if err := checkScopeCampaigns(ctx, tx, []string{"input", "scope"}, r.Scope.CampaignIDs); err != nil {
				return err
			}
		}
		r.UpdatedAt = s.DB.Now(ctx)
		if _, err := tx.NewUpdate().Model(r).WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "automation_rule.update", relay.TypeAutomationRule, r.ID, map[string]any{"name": r.Name, "enabled": r.Enabled})
	})
	return r, err
}

// SetRuleEnabled enables or disables a rule.
func (s *Service) SetRuleEnabled(ctx context.Context, tenant, id uuid.UUID, enabled bool) (*Rule, error) {
	return s.UpdateRule(ctx, tenant, id, RuleInput{Enabled: &enabled})
}

// DeleteRule deletes a user-defined rule (built-ins can only be disabled).
// Its actions stay in the queue and the audit log.
func (s *Service) DeleteRule(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "automation.Service.DeleteRule(%v, %v)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		r := new(Rule)
		if err := db.ScanByID(ctx, tx, r, id, db.LockUpdate, "rule not found"); err != nil {
			return err
		}
		if r.Builtin != nil {
			return apperr.Conflictf("built-in rules cannot be deleted; disable them instead")
		}
		if _, err := tx.NewDelete().Model(r).WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "automation_rule.delete", relay.TypeAutomationRule, r.ID, map[string]any{"name": r.Name})
	})
}

// Rule returns one rule or NOT_FOUND.
func (s *Service) Rule(ctx context.Context, tenant, id uuid.UUID) (r *Rule, err error) {
	defer derrors.Wrap(&err, "automation.Service.Rule(%v, %v)", tenant, id)
	err = s.DB.InTenantRW(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.ensureBuiltins(ctx, tx, tenant); err != nil {
			return err
		}
		r = new(Rule)
		return db.ScanByID(ctx, tx, r, id, db.NoLock, "rule not found")
	})
	return r, err
}

// RuleFilter selects rules; nil means any.
type RuleFilter struct {
	Enabled *bool
	Builtin *bool
}

// Rules pages tenant's rules (built-ins included), newest first.
func (s *Service) Rules(ctx context.Context, tenant uuid.UUID, f RuleFilter, args relay.Args) (page *relay.Page[Rule], err error) {
	defer derrors.Wrap(&err, "automation.Service.Rules(%v)", tenant)
	err = s.DB.InTenantRW(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.ensureBuiltins(ctx, tx, tenant); err != nil {
			return err
		}
		q := tx.NewSelect().Model((*Rule)(nil))
		if f.Enabled != nil {
			q = q.Where("r.enabled = ?", *f.Enabled)
		}
		if f.Builtin != nil {
			q = q.Where("(r.builtin IS NOT NULL) = ?", *f.Builtin)
		}
		page, err = relay.Paginate(ctx, q, args, "r.created_at", "r.id",
			func(r *Rule) relay.Cursor { return relay.Cursor{At: r.CreatedAt, ID: r.ID} })
		return err
	})
	return page, err
}

// builtinParamRanges bounds the built-in rules' parameters: a window of
// whole days, thresholds on the side of 1 they are read from, percents a
// change can apply (a reduction below 100). Outside them a rule misreads
// its data — a status window of 0 days has no day to disprove, so it would
// propose pausing every campaign — or its every proposal fails to plan.
var builtinParamRanges = map[string]struct {
	min, max float64
	whole    bool
}{
	"windowDays": {1, 30, true}, "days": {1, 30, true},
	"under": {0.01, 1, false}, "over": {1, 10, false},
	"adjustPct": {1, 99, false}, "upPct": {1, 1000, false}, "downPct": {1, 99, false},
	"scaleUpAt": {1, 10, false}, "scaleDownAt": {0.01, 1, false},
	"minConversions": {0, 1_000_000, true},
	"cpaFactor":      {1, 100, false}, "roasFactor": {0.01, 1, false},
}

// checkBuiltinParam checks built-in parameter name's value v at path.
func checkBuiltinParam(path []string, name string, v float64) error {
	r, ok := builtinParamRanges[name]
	if !ok {
		return apperr.Invalid(path, "unknown parameter %q", name)
	}
	if math.IsNaN(v) || v < r.min || v > r.max || (r.whole && v != math.Trunc(v)) {
		kind := "a number"
		if r.whole {
			kind = "a whole number"
		}
		return apperr.Invalid(path, "%s must be %s from %s to %s", name, kind, trimNumber(r.min, 2), trimNumber(r.max, 2))
	}
	return nil
}
