// Re-validation: before an action's execution starts, it is checked against
// the campaign as it is now (read fresh through platforms in the start
// transaction). A proposal can be overtaken between queueing and execution
// — the campaign paused or gone, the setting already where the proposal
// wanted it, a newer proposal of the same kind — and then it ends
// NOT_NEEDED or SUPERSEDED with the reason instead of running.

package automation

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
)

// revalidate returns the status a should end in without running
// (NotNeeded or Superseded) and why, or "" when it still has something to do.
func (s *Service) revalidate(ctx context.Context, tx bun.Tx, a *Action) (ActionStatus, string, error) {
	if a.CampaignID == nil {
		return s.revalidateAccount(ctx, tx, a)
	}
	cs, err := platforms.CampaignsTx(ctx, tx, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{*a.CampaignID}})
	if err != nil {
		return "", "", err
	}
	if len(cs) == 0 {
		return NotNeeded, "the campaign no longer exists", nil
	}
	c := &cs[0]
	if newer, err := s.newerProposal(ctx, tx, a); err != nil || newer != nil {
		if err != nil {
			return "", "", err
		}
		return Superseded, fmt.Sprintf("replaced by a newer proposal of the same change (%s, %s)", actionName(newer.Type), codeWord(string(newer.Status))), nil
	}
	if a.Type == ResumePaused && a.CreatedBy == System && c.Status == platforms.CampaignPaused {
		paused, err := daypartPaused(ctx, tx, cs[:1])
		if err != nil {
			return "", "", err
		}
		if !paused[c.ID] {
			return NotNeeded, fmt.Sprintf("campaign %q is no longer paused by a dayparting rule (paused since by a person or another rule)", c.Name), nil
		}
	}
	kind := kindOf(a.Type)
	if kind != StatusChange && a.Before["status"] == platforms.CampaignActive && c.Status != platforms.CampaignActive {
		return NotNeeded, fmt.Sprintf("campaign %q was %s since the proposal", c.Name, strings.ToLower(c.Status)), nil
	}
	f := kind.field()
	if f == "" {
		return "", "", nil // expand_targeting changes no stored setting
	}
	now := settingsMap(c.Settings())
	if target, ok := a.After[f]; ok && !sameValue(a.Before[f], target) && sameValue(now[f], target) {
		return NotNeeded, fmt.Sprintf("%s is already %s", settingName(f), settingValue(target)), nil
	}
	_, before, after, err := plan(a.Type, a.Params, c)
	if err != nil {
		return "", "", nil // begin records why it cannot be planned
	}
	if b, af := settingsMap(before), settingsMap(after); sameValue(b[f], af[f]) {
		return NotNeeded, fmt.Sprintf("nothing to change: %s is already %s", settingName(f), settingValue(b[f])), nil
	}
	return "", "", nil
}

// revalidateAccount: pause_all and emergency_stop have nothing to do when
// no campaign in their scope is active.
func (s *Service) revalidateAccount(ctx context.Context, tx bun.Tx, a *Action) (ActionStatus, string, error) {
	f := platforms.CampaignFilter{}
	if a.Platform != "" {
		f.Platforms = []string{a.Platform}
	}
	cs, err := platforms.CampaignsTx(ctx, tx, f)
	if err != nil {
		return "", "", err
	}
	for _, c := range cs {
		if c.Status == platforms.CampaignActive {
			return "", "", nil
		}
	}
	return NotNeeded, "no campaign is active", nil
}

// newerProposal returns an action proposed after a for the same campaign
// and change kind that is waiting, running or applied: it replaced a (an
// older BLOCKED or FAILED action a person overrides, for instance).
func (s *Service) newerProposal(ctx context.Context, tx bun.Tx, a *Action) (*Action, error) {
	if a.ChangeKind == nil {
		return nil, nil
	}
	var newer []Action
	if err := tx.NewSelect().Model(&newer).
		Where("a.campaign_id = ? AND a.change_kind = ? AND a.id <> ?", *a.CampaignID, *a.ChangeKind, a.ID).
		Where("a.status IN (?)", bun.List([]ActionStatus{Queued, Approved, Applied})).
		Where("(a.created_at, a.id) > (?, ?)", a.CreatedAt, a.ID).
		OrderExpr("a.created_at DESC, a.id DESC").Limit(1).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load newer proposal: %w", err)
	}
	if len(newer) == 0 {
		return nil, nil
	}
	return &newer[0], nil
}

// unchanged reports whether the platform's result changed none of the
// settings (an APPLIED action must have changed something).
func unchanged(res platforms.Result) bool {
	b, a := settingsMap(res.Before), settingsMap(res.After)
	for _, f := range []string{"status", "dailyBudget", "bid"} {
		if !sameValue(b[f], a[f]) {
			return false
		}
	}
	return true
}

// sameValue compares two setting values, numbers to the cent.
func sameValue(a, b any) bool {
	x, xok := a.(float64)
	y, yok := b.(float64)
	if xok && yok {
		return math.Abs(x-y) < 0.005
	}
	return a == b
}

func settingName(f string) string {
	return map[string]string{"dailyBudget": "the daily budget", "bid": "the bid", "status": "the status"}[f]
}

func settingValue(v any) string {
	switch v := v.(type) {
	case float64:
		return fmt.Sprintf("%.2f", v)
	case string:
		return strings.ToLower(v) // a status: "paused", not the code
	case nil:
		return "unset"
	}
	return fmt.Sprint(v)
}
