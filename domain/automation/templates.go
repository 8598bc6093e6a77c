// Rule templates: the common recipes of rule-based ad automation to start a
// user-defined rule from. A template is only a draft: the editor copies it,
// the person adjusts the thresholds to the account, and CreateRule
// validates it like any rule.
//
// Dayparting is a pair: "Dayparting: pause off-hours" pauses active
// campaigns inside a time window, "Dayparting: resume in business hours"
// re-opens the campaigns a dayparting rule paused (never a person's pause
// nor a performance pause; see daypart.go) once the window is over.

package automation

import (
	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/platforms"
)

// RuleTemplate is a ready-made user-defined rule to start from.
type RuleTemplate struct {
	// Key identifies the template, e.g. "cpa-stop-loss".
	Key string
	// Name is the name a rule made from it gets.
	Name string
	// Description says what it is for and which numbers to adjust.
	Description     string
	Conditions      Condition
	Actions         []RuleAction
	ScheduleMinutes int
	CooldownSeconds int
	// TimeZone is the zone of its time-window conditions ("" for none).
	TimeZone string
}

// Input is the template as a new rule's input.
func (t RuleTemplate) Input() RuleInput {
	name, desc := t.Name, t.Description
	cond := t.Conditions
	sched, cool := t.ScheduleMinutes, t.CooldownSeconds
	in := RuleInput{Name: &name, Description: &desc, Conditions: &cond, Actions: append([]RuleAction{}, t.Actions...),
		ScheduleMinutes: &sched, CooldownSeconds: &cool}
	if t.TimeZone != "" {
		tz := t.TimeZone
		in.TimeZone = &tz
	}
	return in
}

// Logic writes the template's rule in words, as Rule.Logic does.
func (t RuleTemplate) Logic() string {
	r := Rule{ID: uuid.Nil, Name: t.Name, Conditions: t.Conditions, Actions: t.Actions, TimeZone: t.TimeZone}
	return r.Logic()
}

func comparison(m Metric, days int, op Operator, v float64) Condition {
	return Condition{Metric: m, WindowDays: days, Operator: op, Value: v}
}

func hours(from, to int, weekdays ...int) Condition {
	return Condition{TimeWindow: &TimeWindow{FromHour: from, ToHour: to, Weekdays: weekdays}}
}

func allOf(cs ...Condition) Condition { return Condition{Op: "AND", Conditions: cs} }

// RuleTemplates returns the template catalogue, in the order to offer it.
func RuleTemplates() []RuleTemplate {
	return []RuleTemplate{
		{
			Key:  "cpa-stop-loss",
			Name: "CPA stop-loss",
			Description: "Pauses a campaign whose cost per acquisition ran above your limit for 3 days, once it has spent enough to judge. " +
				"Set the CPA limit (here 50) and the minimum spend (here 100) in your account's currency.",
			Conditions:      allOf(comparison(MetricCPA, 3, GT, 50), comparison(MetricSpend, 3, GTE, 100)),
			Actions:         []RuleAction{{Type: PauseUnderperforming}},
			ScheduleMinutes: 60, CooldownSeconds: 86400,
		},
		{
			Key:  "roas-scale-winners",
			Name: "Scale ROAS winners",
			Description: "Raises the daily budget by 20 % of campaigns whose ROAS over 7 days is at least 3 with at least 10 conversions, " +
				"at most once every 3 days. Set the ROAS (revenue ÷ spend) your margins need.",
			Conditions:      allOf(comparison(MetricROAS, 7, GTE, 3), comparison(MetricConversions, 7, GTE, 10)),
			Actions:         []RuleAction{{Type: IncreaseBudget, Params: ActionParams{Percent: ptrTo(20)}}},
			ScheduleMinutes: 240, CooldownSeconds: 3 * 86400,
		},
		{
			Key:  "zero-conversions-after-spend",
			Name: "Pause on zero conversions",
			Description: "Pauses a campaign that spent 100 or more over 7 days without a single conversion (its CPA is undefined, " +
				"so a CPA rule never catches it). Set the spend in your account's currency.",
			Conditions:      allOf(comparison(MetricSpend, 7, GTE, 100), comparison(MetricConversions, 7, EQ, 0)),
			Actions:         []RuleAction{{Type: PauseUnderperforming}},
			ScheduleMinutes: 60, CooldownSeconds: 86400,
		},
		{
			Key:  "dayparting-pause-off-hours",
			Name: "Dayparting: pause off-hours",
			Description: "Pauses active campaigns between 22:00 and 07:00 (UTC here; set your time zone), e.g. when nobody buys at night. " +
				"Use it with \"Dayparting: resume in business hours\": that rule re-opens only the campaigns a dayparting rule paused — " +
				"a campaign a person paused, or one paused for poor performance, stays paused. Each pause passes the trust gate.",
			Conditions:      hours(22, 7),
			Actions:         []RuleAction{{Type: UpdateStatus, Params: ActionParams{Status: ptr(platforms.CampaignPaused)}}},
			ScheduleMinutes: 30, CooldownSeconds: 12 * 3600, TimeZone: DefaultTimeZone,
		},
		{
			Key:  "dayparting-resume-business-hours",
			Name: "Dayparting: resume in business hours",
			Description: "Re-activates, between 07:00 and 22:00 (UTC here; use the same time zone as the pause rule), the campaigns a dayparting rule " +
				"paused. It never resumes a campaign a person paused, one paused for poor performance or one paused outside Stratum, and " +
				"not after a pause-all or emergency stop. Resuming raises spend, so it passes the trust gate as a standard-risk action.",
			Conditions:      hours(7, 22),
			Actions:         []RuleAction{{Type: ResumePaused}},
			ScheduleMinutes: 30, CooldownSeconds: 12 * 3600, TimeZone: DefaultTimeZone,
		},
	}
}
