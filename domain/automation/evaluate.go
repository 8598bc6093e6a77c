package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/stratumhq/stratum/internal/money"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Window is a campaign's totals over the last Days days (today included).
type Window struct {
	Days                        int
	Spend, Revenue, Conversions float64
	Impressions, Clicks         int64
	DailyBudget                 float64
	DaysWithData                int
}

// Value returns metric m over the window; ok is false when undefined
// (e.g. ROAS without spend).
func (w Window) Value(m Metric) (float64, bool) {
	switch m {
	case MetricSpend:
		return w.Spend, true
	case MetricConversions:
		return w.Conversions, true
	case MetricROAS:
		return w.Revenue / w.Spend, w.Spend > 0
	case MetricCPA:
		return w.Spend / w.Conversions, w.Conversions > 0
	case MetricCTR:
		return float64(w.Clicks) / float64(w.Impressions), w.Impressions > 0
	case MetricPacing:
		return w.Spend / (w.DailyBudget * float64(w.Days)), w.DailyBudget > 0
	}
	return 0, false
}

// campaignData is one campaign's daily metrics, newest day last.
type campaignData struct {
	c    *platforms.Campaign
	days []platforms.DailyMetrics
	now  time.Time
	// daypartPaused: the campaign is paused by a dayparting rule (the
	// only campaigns resume_paused looks at).
	daypartPaused bool
	// tz and loc are the evaluating rule's time zone (set by Rule.evaluate).
	tz  string
	loc *time.Location
}

func (d campaignData) window(days int) Window {
	w := Window{Days: days, DailyBudget: d.c.DailyBudget()}
	var spend, revenue int64 // micros: summed exactly, converted once
	to := d.now.Truncate(24 * time.Hour)
	from := to.AddDate(0, 0, -(days - 1))
	for _, m := range d.days {
		if m.Day.Before(from) || m.Day.After(to) {
			continue
		}
		spend += m.SpendMicros
		revenue += m.RevenueMicros
		w.Conversions += m.Conversions
		w.Impressions += m.Impressions
		w.Clicks += m.Clicks
		w.DaysWithData++
	}
	w.Spend, w.Revenue = money.Float(spend), money.Float(revenue)
	return w
}

func compare(v float64, op Operator, t float64) bool {
	const eps = 1e-9
	switch op {
	case GT:
		return v > t
	case GTE:
		return v >= t-eps
	case LT:
		return v < t
	case LTE:
		return v <= t+eps
	case EQ:
		return math.Abs(v-t) <= eps
	case NEQ:
		return math.Abs(v-t) > eps
	}
	return false
}

// loadCampaignData loads every campaign in scope with 30 days of metrics.
func loadCampaignData(ctx context.Context, tx bun.Tx, now time.Time) (map[uuid.UUID]*campaignData, []platforms.Campaign, error) {
	cs, err := platforms.CampaignsTx(ctx, tx, platforms.CampaignFilter{})
	if err != nil {
		return nil, nil, err
	}
	ids := make([]uuid.UUID, len(cs))
	data := make(map[uuid.UUID]*campaignData, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
		data[cs[i].ID] = &campaignData{c: &cs[i], now: now}
	}
	ms, err := platforms.MetricsTx(ctx, tx, ids, now.AddDate(0, 0, -30), now)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		data[m.CampaignID].days = append(data[m.CampaignID].days, m)
	}
	paused, err := daypartPaused(ctx, tx, cs)
	if err != nil {
		return nil, nil, err
	}
	for id := range paused {
		data[id].daypartPaused = true
	}
	return data, cs, nil
}

func inScope(f platforms.CampaignFilter, c *platforms.Campaign) bool {
	match := func(n int, ok func(i int) bool) bool {
		if n == 0 {
			return true
		}
		for i := 0; i < n; i++ {
			if ok(i) {
				return true
			}
		}
		return false
	}
	return match(len(f.Platforms), func(i int) bool { return f.Platforms[i] == c.Platform }) &&
		match(len(f.AccountIDs), func(i int) bool { return f.AccountIDs[i] == c.AccountID }) &&
		match(len(f.CampaignIDs), func(i int) bool { return f.CampaignIDs[i] == c.ID })
}

// EvaluateRules evaluates tenant's enabled rules that are due (all enabled
// rules with force) and queues their proposals. Rules are locked for the
// evaluation, proposals inside a rule's cooldown are skipped and each
// proposal has a dedupe key unique per rule, campaign, action type and
// period, so concurrent or repeated evaluations queue each action once.
func (s *Service) EvaluateRules(ctx context.Context, tenant uuid.UUID, force bool) (queued []Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.EvaluateRules(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		queued, err = s.evaluateTx(ctx, tx, tenant, force)
		return err
	})
	return queued, err
}

func (s *Service) evaluateTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, force bool) ([]Action, error) {
	now := s.DB.Now(ctx)
	if err := s.ensureBuiltins(ctx, tx, tenant); err != nil {
		return nil, err
	}
	var rules []Rule
	if err := tx.NewSelect().Model(&rules).Where("r.enabled").OrderExpr("r.created_at, r.id").For("NO KEY UPDATE").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	var due []Rule
	for _, r := range rules {
		if force || r.LastEvaluatedAt == nil || !now.Before(r.LastEvaluatedAt.Add(time.Duration(r.ScheduleMinutes)*time.Minute)) {
			due = append(due, r)
		}
	}
	if len(due) == 0 {
		return nil, nil
	}
	data, cs, err := loadCampaignData(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	g, err := s.loadGate(ctx, tx, tenant)
	if err != nil {
		return nil, err
	}
	var queued []Action
	for i := range due {
		r := &due[i]
		campaigns, proposals, cooled := 0, 0, 0
		for j := range cs {
			if !inScope(r.Scope, &cs[j]) {
				continue
			}
			campaigns++
			for _, cand := range r.propose(*data[cs[j].ID]) {
				cooling, err := s.cooling(ctx, tx, r, cs[j].ID, cand.Type, now)
				if err != nil {
					return nil, err
				}
				if cooling {
					cooled++
					continue
				}
				period := int64(max(r.CooldownSeconds, r.ScheduleMinutes*60, 60))
				key := fmt.Sprintf("rule:%s:%s:%s:%d", r.ID, cs[j].ID, cand.Type, now.Unix()/period)
				a, isNew, err := s.proposeTx(ctx, tx, tenant, g, proposal{RuleID: &r.ID, RuleName: r.Name, Campaign: &cs[j], Type: cand.Type,
					Params: cand.Params, DedupeKey: &key, Actor: System, Reason: cand.Reason})
				if err != nil {
					return nil, fmt.Errorf("rule %s on campaign %s: %w", r.Name, cs[j].Name, err)
				}
				if a != nil {
					proposals++
				}
				if isNew {
					queued = append(queued, *a)
				}
			}
		}
		if _, err := tx.NewUpdate().Model(r).Set("last_evaluated_at = ?", now).WherePK().Exec(ctx); err != nil {
			return nil, err
		}
		if err := s.noteEvaluation(ctx, tx, r, campaigns, proposals, cooled); err != nil {
			return nil, err
		}
	}
	return queued, nil
}

// cooling reports whether rule r proposed the same action for the campaign
// within its cooldown (dismissed proposals included: a dismissal is an
// answer), as the action's rule or as a source that joined it.
func (s *Service) cooling(ctx context.Context, tx bun.Tx, r *Rule, campaign uuid.UUID, t ActionType, now time.Time) (bool, error) {
	if r.CooldownSeconds == 0 {
		return false, nil
	}
	joined, err := json.Marshal([]map[string]string{{"ruleId": r.ID.String()}})
	if err != nil {
		return false, err
	}
	return tx.NewSelect().Model((*Action)(nil)).
		Where("a.rule_id = ? OR a.sources @> ?::jsonb", r.ID, string(joined)).
		Where("a.campaign_id = ? AND a.action_type = ? AND a.created_at > ?", campaign, t, now.Add(-time.Duration(r.CooldownSeconds)*time.Second)).
		Exists(ctx)
}
