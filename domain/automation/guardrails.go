package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
)

// threshold returns the rule's threshold for vt if set, else def; ok is
// false when a disabled rule switches the check off.
func (g *gateCtx) threshold(vt ViolationType, def float64) (float64, bool) {
	r, ok := g.rules[vt]
	if !ok {
		return def, true
	}
	if !r.Enabled {
		return 0, false
	}
	if r.Threshold != nil {
		return *r.Threshold, true
	}
	return def, true
}

// violations lists the guardrails a campaign action would break. Checks
// apply to changes that raise spend or exposure; reductions and pauses are
// never held back by guardrails.
func (s *Service) violations(ctx context.Context, tx bun.Tx, g *gateCtx, a *Action) ([]Violation, error) {
	if a.CampaignID == nil || reduces(a.Before, a.After) {
		return nil, nil
	}
	st := g.settings
	var out []Violation
	b, _ := num(a.Before, "dailyBudget")
	n, _ := num(a.After, "dailyBudget")
	budgetChange := n != b
	if bb, ok := num(a.Before, "bid"); ok {
		if nb, ok := num(a.After, "bid"); ok && nb != bb {
			budgetChange = true
		}
	}
	if n > b {
		if max, ok := g.threshold(BudgetExceeded, st.MaxBudgetIncreasePct); ok && b > 0 && (n-b)/b*100 > max+1e-9 {
			out = append(out, Violation{BudgetExceeded, fmt.Sprintf("raises the daily budget by %.0f%% (max %.0f%% per change)", (n-b)/b*100, max)})
		}
		if st.MaxCampaignBudget != nil && n > *st.MaxCampaignBudget {
			out = append(out, Violation{BudgetExceeded, fmt.Sprintf("daily budget %.2f exceeds the per-campaign cap %.2f", n, *st.MaxCampaignBudget)})
		}
		def := -1.0
		if st.MaxDailyBudget != nil {
			def = *st.MaxDailyBudget
		}
		if max, ok := g.threshold(DailySpendLimit, def); ok && max >= 0 {
			total, err := platforms.ActiveDailyBudgetTx(ctx, tx)
			if err != nil {
				return nil, err
			}
			if total-b+n > max {
				out = append(out, Violation{DailySpendLimit, fmt.Sprintf("total daily budget would be %.2f (limit %.2f)", total-b+n, max)})
			}
		}
	}
	if n > b || a.Type == IncreaseBid || a.Type == LaunchCampaign || a.Type == ResumePaused || a.Type == ExpandTargeting {
		days := st.MinROASWindowDays
		spend, revenue, err := platforms.ReturnTx(ctx, tx, *a.CampaignID, days)
		if err != nil {
			return nil, err
		}
		if spend > 0 {
			roas := revenue / spend
			if min, ok := g.threshold(ROASBelowThreshold, st.MinROAS); ok && roas < min {
				out = append(out, Violation{ROASBelowThreshold, fmt.Sprintf("ROAS over %d days is %.2f (min %.2f)", days, roas, min)})
			}
			if _, opted := g.rules[CampaignPauseRequired]; opted {
				if min, ok := g.threshold(CampaignPauseRequired, st.MinROAS*0.5); ok && roas < min {
					out = append(out, Violation{CampaignPauseRequired, fmt.Sprintf("campaign should be paused: ROAS over %d days is %.2f (< %.2f)", days, roas, min)})
				}
			}
		}
	}
	if budgetChange {
		max, ok := g.threshold(FrequencyCapExceeded, float64(st.MaxBudgetChangesPerDay))
		if ok {
			now := s.DB.Now(ctx)
			var rows []struct {
				N    int
				Last *time.Time
			}
			if err := tx.NewSelect().Model((*Action)(nil)).ColumnExpr("count(*) FILTER (WHERE a.applied_at > ?) AS n, max(a.applied_at) AS last", now.Add(-24*time.Hour)).
				Where("a.campaign_id = ? AND a.status = ? AND a.action_type IN (?)", *a.CampaignID, Applied,
					bun.List([]ActionType{IncreaseBudget, ReduceBudget, UpdateBudget, IncreaseBid, ReduceBid, UpdateBid})).
				Scan(ctx, &rows); err != nil {
				return nil, err
			}
			if len(rows) == 1 {
				if float64(rows[0].N) >= max {
					out = append(out, Violation{FrequencyCapExceeded, fmt.Sprintf("%d budget or bid changes in the last 24 h (max %.0f)", rows[0].N, max)})
				}
				if l := rows[0].Last; l != nil && now.Sub(*l) < time.Duration(st.MinHoursBetween*float64(time.Hour)) {
					out = append(out, Violation{FrequencyCapExceeded, fmt.Sprintf("last change %.1f h ago (min %.1f h between changes)", now.Sub(*l).Hours(), st.MinHoursBetween)})
				}
			}
		}
	}
	return out, nil
}
