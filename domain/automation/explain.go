// Explaining an evaluation: what a rule read for one campaign, how each
// comparison came out and why it proposed something or nothing. Evaluation
// and explanation are one code path (Rule.evaluate): the queue's proposals
// come from the same checks a dry run shows.

package automation

import (
	"fmt"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Unit says how a metric's value reads.
type Unit string

// Units of metric values.
const (
	// UnitCurrency is an amount in the ad account's currency (spend, CPA).
	UnitCurrency Unit = "CURRENCY"
	// UnitRatio is a plain ratio such as ROAS (revenue ÷ spend): 4 means 4×.
	UnitRatio Unit = "RATIO"
	// UnitFraction is a share written as a fraction: 0.012 is 1.2 % (CTR, pacing).
	UnitFraction Unit = "FRACTION"
	// UnitCount is a number of things (conversions).
	UnitCount Unit = "COUNT"
	// UnitDays is a number of days.
	UnitDays Unit = "DAYS"
	// UnitHour is a time of day in hours in the rule's time zone: 23.5 is
	// 23:30 (a time-window check; Threshold is the window's start hour).
	UnitHour Unit = "HOUR"
)

// Unit returns the unit of m's values.
func (m Metric) Unit() Unit {
	switch m {
	case MetricSpend, MetricCPA:
		return UnitCurrency
	case MetricROAS:
		return UnitRatio
	case MetricCTR, MetricPacing:
		return UnitFraction
	}
	return UnitCount
}

// metricNames are the metrics as people write them.
var metricNames = map[Metric]string{MetricSpend: "Spend", MetricROAS: "ROAS", MetricCPA: "CPA", MetricCTR: "CTR",
	MetricConversions: "Conversions", MetricPacing: "Pacing"}

// Name is m as people write it ("Spend", "ROAS").
func (m Metric) Name() string {
	if n, ok := metricNames[m]; ok {
		return n
	}
	return string(m)
}

// undefinedWhy says why m has no value over a window.
func (m Metric) undefinedWhy() string {
	switch m {
	case MetricROAS:
		return "no spend in the window"
	case MetricCPA:
		return "no conversions in the window"
	case MetricCTR:
		return "no impressions in the window"
	case MetricPacing:
		return "the campaign has no daily budget"
	}
	return "no data"
}

var operatorSymbols = map[Operator]string{GT: ">", GTE: "≥", LT: "<", LTE: "≤", EQ: "=", NEQ: "≠"}

// Symbol is o as a mathematical symbol ("≥").
func (o Operator) Symbol() string {
	if s, ok := operatorSymbols[o]; ok {
		return s
	}
	return string(o)
}

// FormatValue writes v in unit u as the explanations do: amounts and ratios
// with at most two decimals, fractions as percentages ("1.2 %").
func FormatValue(v float64, u Unit) string {
	if u == UnitHour {
		m := int(v*60 + 0.5)
		return fmt.Sprintf("%02d:%02d", (m/60)%24, m%60)
	}
	if u == UnitFraction {
		return trimNumber(v*100, 1) + " %"
	}
	return trimNumber(v, 2)
}

// trimNumber writes v with at most decimals decimals and no trailing zeros.
func trimNumber(v float64, decimals int) string {
	s := fmt.Sprintf("%.*f", decimals, v)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func windowWords(days int) string {
	if days == 1 {
		return "over 1 day"
	}
	return fmt.Sprintf("over %d days", days)
}

// Check is one comparison a rule made for a campaign.
type Check struct {
	// Path is the comparison's place in a user-defined rule's conditions, as
	// the API's field paths write it without "input" (e.g.
	// "conditions.conditions.1"); empty for a built-in rule's checks.
	Path string
	// Label names what was read, e.g. "CPA over 3 days".
	Label string
	// Metric is the metric read; empty for a built-in's count of days with data.
	Metric Metric
	// WindowDays is the window the metric was read over.
	WindowDays int
	// Value is what was read; nil when the metric is undefined (see Note).
	Value *float64
	// Unit is the unit of Value and Threshold.
	Unit Unit
	// Operator and Threshold are the comparison Value had to satisfy.
	Operator  Operator
	Threshold float64
	// Passed reports whether the comparison held (false when undefined).
	Passed bool
	// Note says why the value is undefined, or how a derived threshold was
	// found ("120 % of target ROAS 4").
	Note string
	// Window is the time window of a time-window check (Value is then the
	// local time of day, Unit UnitHour); nil for a metric comparison.
	Window *TimeWindow
	// Local is the evaluation's time in the rule's zone (time-window checks).
	Local time.Time
	// TimeZone is the rule's zone (time-window checks).
	TimeZone string
}

// Sentence writes the check as a reason: "CPA over 3 days = 62.5 > 50".
func (c Check) Sentence() string {
	if c.Window != nil {
		return fmt.Sprintf("%s is %s", c.localWords(), c.Window.Words(c.TimeZone))
	}
	if c.Value == nil {
		return fmt.Sprintf("%s is undefined (%s)", c.Label, c.Note)
	}
	s := fmt.Sprintf("%s = %s %s %s", c.Label, FormatValue(*c.Value, c.Unit), c.Operator.Symbol(), FormatValue(c.Threshold, c.Unit))
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

// failure writes a failed check as the reason nothing was proposed.
func (c Check) failure() string {
	if c.Window != nil {
		return fmt.Sprintf("%s is not %s", c.localWords(), c.Window.Words(c.TimeZone))
	}
	if c.Value == nil {
		return c.Sentence()
	}
	s := fmt.Sprintf("%s is %s, not %s %s", c.Label, FormatValue(*c.Value, c.Unit), c.Operator.Symbol(), FormatValue(c.Threshold, c.Unit))
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

// localWords writes a time-window check's time: "the time (Fri 23:00 Europe/Berlin)".
func (c Check) localWords() string {
	return fmt.Sprintf("the time (%s %s)", c.Local.Format("Mon 15:04"), tzOrDefault(c.TimeZone))
}

// candidate is an action a rule proposes for a campaign.
type candidate struct {
	Type   ActionType
	Params ActionParams
	Reason string
}

// CampaignEvaluation is what a rule found for one campaign.
type CampaignEvaluation struct {
	Campaign *platforms.Campaign
	// Evaluated is false when the rule did not look at the campaign (rules
	// look at active campaigns only).
	Evaluated bool
	// Checks are the comparisons made, in the order of the rule's conditions
	// (every comparison is read, even after the outcome is known).
	Checks []Check
	// FailedCheck is the index in Checks of the first check that kept the
	// rule from proposing; -1 when none did (or none was made).
	FailedCheck int
	// Outcome says in a sentence what the rule would do and why.
	Outcome string

	candidates []candidate
}

// Proposes reports whether the rule proposes something for the campaign.
func (e *CampaignEvaluation) Proposes() bool { return len(e.candidates) > 0 }

// add appends c to e's checks and returns its index.
func (e *CampaignEvaluation) add(c Check) int {
	e.Checks = append(e.Checks, c)
	return len(e.Checks) - 1
}

// fail records check i as the reason for no proposal.
func (e *CampaignEvaluation) fail(i int) {
	e.FailedCheck = i
	e.Outcome = "No proposal: " + e.Checks[i].failure() + "."
}

// propose records the proposals and the outcome sentence.
func (e *CampaignEvaluation) propose(cs ...candidate) {
	e.candidates = cs
	words := make([]string, len(cs))
	for i, c := range cs {
		words[i] = actionWords(c.Type, c.Params)
	}
	e.Outcome = "Would propose: " + strings.Join(words, "; ") + "."
}

// evaluate evaluates rule r on campaign data d and explains the result.
func (r *Rule) evaluate(d campaignData) *CampaignEvaluation {
	e := &CampaignEvaluation{Campaign: d.c, FailedCheck: -1, Checks: []Check{}}
	d.tz, d.loc = tzOrDefault(r.TimeZone), r.location()
	switch {
	case r.resumes() && d.c.Status != platforms.CampaignPaused:
		e.Outcome = fmt.Sprintf("Not evaluated: the campaign is %s; a rule that resumes looks at paused campaigns only.", strings.ToLower(d.c.Status))
		return e
	case r.resumes() && !d.daypartPaused:
		e.Outcome = "Not evaluated: the campaign was not paused by a dayparting rule (a person's pause, a performance pause or a pause outside Stratum is never resumed by a rule)."
		return e
	case !r.resumes() && d.c.Status != platforms.CampaignActive:
		e.Outcome = fmt.Sprintf("Not evaluated: the campaign is %s; rules look at active campaigns only.", strings.ToLower(d.c.Status))
		return e
	}
	e.Evaluated = true
	if r.Builtin == nil {
		r.evaluateConditions(d, e)
		return e
	}
	switch *r.Builtin {
	case BudgetPacing:
		r.evaluatePacing(d, e)
	case PerformanceScaling:
		r.evaluateScaling(d, e)
	case StatusManagement:
		r.evaluateStatus(d, e)
	}
	return e
}

// propose returns what rule r proposes for campaign data d.
func (r *Rule) propose(d campaignData) []candidate {
	return r.evaluate(d).candidates
}

func (r *Rule) evaluateConditions(d campaignData, e *CampaignEvaluation) {
	ok, why, failed := r.Conditions.explain(d, "conditions", e)
	if !ok {
		if failed >= 0 {
			e.fail(failed)
		} else {
			e.Outcome = "No proposal: the conditions do not hold."
		}
		return
	}
	out := make([]candidate, len(r.Actions))
	for i, a := range r.Actions {
		out[i] = candidate{a.Type, a.Params, fmt.Sprintf("rule %q: %s", r.Name, why)}
	}
	e.propose(out...)
}

// explain evaluates c on d, adding every comparison to e. It returns
// whether c holds, the comparisons that decided it as a sentence, and the
// index of the first comparison that made it fail (-1 when it holds): in
// an AND group the first failing member's, in a failing OR group its first
// member's.
func (c Condition) explain(d campaignData, path string, e *CampaignEvaluation) (bool, string, int) {
	if c.TimeWindow != nil {
		local := d.now.In(d.loc)
		hour := float64(local.Hour()) + float64(local.Minute())/60
		ck := Check{Path: path, Label: "Time of day in " + d.tz, Value: &hour, Unit: UnitHour, Operator: GTE,
			Threshold: float64(c.TimeWindow.FromHour), Passed: c.TimeWindow.Holds(local), Window: c.TimeWindow, Local: local, TimeZone: d.tz,
			Note: c.TimeWindow.Words(d.tz)}
		i := e.add(ck)
		if ck.Passed {
			return true, ck.Sentence(), -1
		}
		return false, ck.Sentence(), i
	}
	if c.Op == "" {
		ck := Check{Path: path, Label: c.Metric.Name() + " " + windowWords(c.WindowDays), Metric: c.Metric, WindowDays: c.WindowDays,
			Unit: c.Metric.Unit(), Operator: c.Operator, Threshold: c.Value}
		if v, ok := d.window(c.WindowDays).Value(c.Metric); ok {
			ck.Value, ck.Passed = &v, compare(v, c.Operator, c.Value)
		} else {
			ck.Note = c.Metric.undefinedWhy()
		}
		i := e.add(ck)
		if ck.Passed {
			return true, ck.Sentence(), -1
		}
		return false, ck.Sentence(), i
	}
	var holding []string
	firstWhy, firstIndex := "", -1
	failedWhy, failedIndex, failed := "", -1, false
	for i, cc := range c.Conditions {
		ok, why, at := cc.explain(d, fmt.Sprintf("%s.conditions.%d", path, i), e)
		if i == 0 {
			firstWhy, firstIndex = why, at
		}
		if ok {
			holding = append(holding, why)
		} else if !failed {
			failedWhy, failedIndex, failed = why, at, true
		}
	}
	switch {
	case c.Op == "OR" && len(holding) > 0:
		return true, holding[0], -1
	case c.Op == "OR":
		return false, firstWhy, firstIndex
	case failed:
		return false, failedWhy, failedIndex
	}
	return true, strings.Join(holding, " and "), -1
}

func ptrTo(v float64) *float64 { return &v }

func (r *Rule) evaluatePacing(d campaignData, e *CampaignEvaluation) {
	p := r.Params
	days := int(p["windowDays"])
	w := d.window(days)
	data := e.add(Check{Label: "Days with data " + windowWords(days), WindowDays: days, Value: ptrTo(float64(w.DaysWithData)),
		Unit: UnitDays, Operator: GTE, Threshold: float64(days), Passed: w.DaysWithData >= days})
	label := "Pacing " + windowWords(days)
	under := Check{Label: label, Metric: MetricPacing, WindowDays: days, Unit: UnitFraction, Operator: LT, Threshold: p["under"]}
	over := Check{Label: label, Metric: MetricPacing, WindowDays: days, Unit: UnitFraction, Operator: GT, Threshold: p["over"]}
	pace, ok := w.Value(MetricPacing)
	if ok {
		under.Value, under.Passed = &pace, pace < p["under"]
		over.Value, over.Passed = &pace, pace > p["over"]
	} else {
		under.Note, over.Note = MetricPacing.undefinedWhy(), MetricPacing.undefinedWhy()
	}
	u, o := e.add(under), e.add(over)
	pct := p["adjustPct"]
	switch {
	case !e.Checks[data].Passed:
		e.fail(data)
	case under.Passed:
		e.propose(candidate{IncreaseBudget, ActionParams{Percent: &pct}, fmt.Sprintf("budget pacing: spend is %.0f%% of expected over %d d (< %.0f%%)", pace*100, days, p["under"]*100)})
	case over.Passed:
		e.propose(candidate{ReduceBudget, ActionParams{Percent: &pct}, fmt.Sprintf("budget pacing: spend is %.0f%% of expected over %d d (> %.0f%%)", pace*100, days, p["over"]*100)})
	case !ok:
		e.fail(u)
	default:
		e.FailedCheck = u
		e.Outcome = fmt.Sprintf("No proposal: %s is %s, within %s–%s.", label, FormatValue(pace, UnitFraction),
			FormatValue(e.Checks[u].Threshold, UnitFraction), FormatValue(e.Checks[o].Threshold, UnitFraction))
	}
}

func (r *Rule) evaluateScaling(d campaignData, e *CampaignEvaluation) {
	p := r.Params
	if d.c.TargetROAS == nil || *d.c.TargetROAS <= 0 {
		e.Outcome = "No proposal: the campaign has no target ROAS to compare with."
		return
	}
	days := int(p["windowDays"])
	w := d.window(days)
	conv := e.add(Check{Label: "Conversions " + windowWords(days), Metric: MetricConversions, WindowDays: days, Value: ptrTo(w.Conversions),
		Unit: UnitCount, Operator: GTE, Threshold: p["minConversions"], Passed: w.Conversions >= p["minConversions"]})
	target := *d.c.TargetROAS
	label := "ROAS " + windowWords(days)
	up := Check{Label: label, Metric: MetricROAS, WindowDays: days, Unit: UnitRatio, Operator: GTE, Threshold: p["scaleUpAt"] * target,
		Note: fmt.Sprintf("%s %% of target ROAS %s", trimNumber(p["scaleUpAt"]*100, 1), trimNumber(target, 2))}
	down := Check{Label: label, Metric: MetricROAS, WindowDays: days, Unit: UnitRatio, Operator: LTE, Threshold: p["scaleDownAt"] * target,
		Note: fmt.Sprintf("%s %% of target ROAS %s", trimNumber(p["scaleDownAt"]*100, 1), trimNumber(target, 2))}
	roas, ok := w.Value(MetricROAS)
	if ok {
		up.Value, up.Passed = &roas, compare(roas, GTE, up.Threshold)
		down.Value, down.Passed = &roas, compare(roas, LTE, down.Threshold)
	} else {
		up.Note, down.Note = MetricROAS.undefinedWhy(), MetricROAS.undefinedWhy()
	}
	u, o := e.add(up), e.add(down)
	switch {
	case !e.Checks[conv].Passed:
		e.fail(conv)
	case !ok:
		e.fail(u)
	case up.Passed:
		pct := p["upPct"]
		e.propose(candidate{IncreaseBudget, ActionParams{Percent: &pct}, fmt.Sprintf("performance scaling: ROAS %.2f ≥ %.0f%% of target %.2f", roas, p["scaleUpAt"]*100, target)})
	case down.Passed:
		pct := p["downPct"]
		e.propose(candidate{ReduceBudget, ActionParams{Percent: &pct}, fmt.Sprintf("performance scaling: ROAS %.2f ≤ %.0f%% of target %.2f", roas, p["scaleDownAt"]*100, target)})
	default:
		e.FailedCheck = u
		e.Outcome = fmt.Sprintf("No proposal: %s is %s, between %s and %s (%s and %s of target ROAS %s).", label, FormatValue(roas, UnitRatio),
			FormatValue(e.Checks[o].Threshold, UnitRatio), FormatValue(e.Checks[u].Threshold, UnitRatio),
			trimNumber(p["scaleDownAt"]*100, 1)+" %", trimNumber(p["scaleUpAt"]*100, 1)+" %", trimNumber(target, 2))
	}
}

func (r *Rule) evaluateStatus(d campaignData, e *CampaignEvaluation) {
	p := r.Params
	days := int(p["days"])
	w := d.window(days)
	data := e.add(Check{Label: "Days with data " + windowWords(days), WindowDays: days, Value: ptrTo(float64(w.DaysWithData)),
		Unit: UnitDays, Operator: GTE, Threshold: float64(days), Passed: w.DaysWithData >= days})
	if !e.Checks[data].Passed {
		e.fail(data)
		return
	}
	// Each day of the window must be bad: CPA at or above its factor of the
	// target, or ROAS at or below its factor of the target. The data check
	// above bounds days by the metrics loaded (30 days).
	firstGood := -1
	for i := 0; i < days; i++ {
		at := d.now.AddDate(0, 0, -i)
		day := campaignData{c: d.c, days: d.days, now: at}.window(1)
		label := at.Format("Mon 2 Jan")
		bad, first := false, -1
		if target := d.c.TargetCPA(); target != nil {
			ck := Check{Label: "CPA on " + label, Metric: MetricCPA, WindowDays: 1, Unit: UnitCurrency, Operator: GTE,
				Threshold: p["cpaFactor"] * *target, Note: fmt.Sprintf("%s× target CPA %s", trimNumber(p["cpaFactor"], 2), trimNumber(*target, 2))}
			if v, ok := day.Value(MetricCPA); ok {
				ck.Value, ck.Passed = &v, compare(v, GTE, ck.Threshold)
			} else {
				ck.Note = MetricCPA.undefinedWhy()
			}
			first = e.add(ck)
			bad = bad || ck.Passed
		}
		if d.c.TargetROAS != nil {
			ck := Check{Label: "ROAS on " + label, Metric: MetricROAS, WindowDays: 1, Unit: UnitRatio, Operator: LTE,
				Threshold: p["roasFactor"] * *d.c.TargetROAS, Note: fmt.Sprintf("%s× target ROAS %s", trimNumber(p["roasFactor"], 2), trimNumber(*d.c.TargetROAS, 2))}
			if v, ok := day.Value(MetricROAS); ok {
				ck.Value, ck.Passed = &v, compare(v, LTE, ck.Threshold)
			} else {
				ck.Note = MetricROAS.undefinedWhy()
			}
			i := e.add(ck)
			if first < 0 {
				first = i
			}
			bad = bad || ck.Passed
		}
		if !bad && firstGood < 0 {
			firstGood = first
		}
		if !bad && first < 0 {
			e.Outcome = "No proposal: the campaign has neither a target CPA nor a target ROAS to compare with."
			return
		}
	}
	if firstGood >= 0 {
		e.fail(firstGood)
		return
	}
	e.propose(candidate{PauseUnderperforming, ActionParams{}, fmt.Sprintf("status management: %d days at CPA ≥ %g× or ROAS ≤ %g× target", days, p["cpaFactor"], p["roasFactor"])})
}
