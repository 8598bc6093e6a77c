// A rule's logic in words, the same way for built-in and user-defined
// rules, e.g. "CPA over 3 days > 50 and Spend over 3 days ≥ 100 → pause
// underperforming campaign". Built-ins are written from their current
// parameters, so the words follow a parameter change.

package automation

import (
	"fmt"
	"strings"
)

// actionNames are the action catalogue as the dashboard names it.
var actionNames = map[ActionType]string{
	IncreaseBudget: "increase budget", ReduceBudget: "reduce budget", UpdateBudget: "set budget",
	IncreaseBid: "increase bid", ReduceBid: "reduce bid", UpdateBid: "set bid", UpdateStatus: "set status",
	PauseUnderperforming: "pause underperforming campaign", LaunchCampaign: "launch campaign",
	ExpandTargeting: "expand targeting", PauseAll: "pause all campaigns", EmergencyStop: "emergency stop",
	ResumePaused: "resume campaign paused by dayparting",
}

// actionName is t as the dashboard names it ("reduce budget").
func actionName(t ActionType) string {
	if name, ok := actionNames[t]; ok {
		return name
	}
	return codeWord(string(t))
}

// actionWords writes an action with its parameters: "reduce budget by 20 %".
func actionWords(t ActionType, p ActionParams) string {
	name, ok := actionNames[t]
	if !ok {
		name = string(t)
	}
	switch {
	case p.Percent != nil:
		return fmt.Sprintf("%s by %s %%", name, trimNumber(*p.Percent, 2))
	case p.Amount != nil:
		return fmt.Sprintf("%s to %s", name, trimNumber(*p.Amount, 2))
	case p.Status != nil:
		return fmt.Sprintf("%s to %s", name, strings.ToLower(*p.Status))
	case t == IncreaseBudget || t == ReduceBudget || t == IncreaseBid || t == ReduceBid:
		return name + " by 20 %" // plan's default
	}
	return name
}

// words writes c: a comparison as "ROAS over 7 days < 1", a group as its
// members joined by "and"/"or", nested groups in parentheses.
func (c Condition) words(nested bool, tz string) string {
	if c.TimeWindow != nil {
		return "time " + c.TimeWindow.Words(tz)
	}
	if c.Op == "" {
		return fmt.Sprintf("%s %s %s %s", c.Metric.Name(), windowWords(c.WindowDays), c.Operator.Symbol(), FormatValue(c.Value, c.Metric.Unit()))
	}
	parts := make([]string, len(c.Conditions))
	for i, cc := range c.Conditions {
		parts[i] = cc.words(true, tz)
	}
	s := strings.Join(parts, " "+strings.ToLower(c.Op)+" ")
	if nested && len(parts) > 1 {
		return "(" + s + ")"
	}
	return s
}

// Logic writes what r does in one line.
func (r *Rule) Logic() string {
	if r.Builtin == nil {
		acts := make([]string, len(r.Actions))
		for i, a := range r.Actions {
			acts[i] = actionWords(a.Type, a.Params)
		}
		return r.Conditions.words(false, r.TimeZone) + " → " + strings.Join(acts, "; ")
	}
	p := r.Params
	pct := func(k string) string { return trimNumber(p[k]*100, 1) + " %" }
	switch *r.Builtin {
	case BudgetPacing:
		w := windowWords(int(p["windowDays"]))
		adj := ActionParams{Percent: ptrTo(p["adjustPct"])}
		return fmt.Sprintf("Pacing %s < %s → %s; > %s → %s (every day of the window needs data)", w, pct("under"),
			actionWords(IncreaseBudget, adj), pct("over"), actionWords(ReduceBudget, adj))
	case PerformanceScaling:
		return fmt.Sprintf("ROAS %s ≥ %s of target ROAS → %s; ≤ %s of target → %s (needs ≥ %s conversions)",
			windowWords(int(p["windowDays"])), pct("scaleUpAt"), actionWords(IncreaseBudget, ActionParams{Percent: ptrTo(p["upPct"])}),
			pct("scaleDownAt"), actionWords(ReduceBudget, ActionParams{Percent: ptrTo(p["downPct"])}), trimNumber(p["minConversions"], 2))
	case StatusManagement:
		return fmt.Sprintf("CPA ≥ %s× target CPA or ROAS ≤ %s× target ROAS on each of the last %s days → %s",
			trimNumber(p["cpaFactor"], 2), trimNumber(p["roasFactor"], 2), trimNumber(p["days"], 0), actionWords(PauseUnderperforming, ActionParams{}))
	}
	return r.Description
}
