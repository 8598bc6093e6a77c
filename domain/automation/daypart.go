// Dayparting: a time-window condition (hours of the day, optionally
// weekdays, in the rule's time zone) and the resume action that re-opens
// campaigns a dayparting rule paused.
//
// The time is the evaluation's clock (db.Now), never the machine's: a
// rule evaluated at 23:00 Europe/Berlin reads 23:00 in tests with a manual
// clock as in production.
//
// Resume scope (ADR 0006): resume_paused looks at PAUSED campaigns only,
// and only at those whose latest applied status change in Stratum was a
// pause proposed by a rule that has a time-window condition (a dayparting
// pause), with no account-wide pause (pause all, emergency stop) applied
// after it. A person's pause, a performance pause (CPA stop-loss, status
// management) or a pause made outside Stratum is never undone by it.

package automation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
)

// TimeWindow is a time-of-day condition: it holds from FromHour:00 up to
// (not including) ToHour:00 in the rule's time zone. A window with FromHour
// after ToHour runs across midnight (22 → 7 is 22:00–06:59). Weekdays (ISO:
// 1 Monday … 7 Sunday; empty means every day) are the days the window
// starts on: with 22 → 7 on Friday, Saturday 02:00 is inside.
type TimeWindow struct {
	FromHour int   `json:"fromHour"`
	ToHour   int   `json:"toHour"`
	Weekdays []int `json:"weekdays,omitempty"`
}

// DefaultTimeZone is a rule's time zone unless it names one.
const DefaultTimeZone = "UTC"

func (w TimeWindow) validate(path []string) error {
	f := func(name string) []string { return append(append([]string{}, path...), name) }
	switch {
	case w.FromHour < 0 || w.FromHour > 23:
		return apperr.Invalid(f("fromHour"), "fromHour must be 0–23")
	case w.ToHour < 0 || w.ToHour > 23:
		return apperr.Invalid(f("toHour"), "toHour must be 0–23")
	case w.FromHour == w.ToHour:
		return apperr.Invalid(f("toHour"), "toHour must differ from fromHour (a window of no hours or of the whole day)")
	case len(w.Weekdays) > 7:
		return apperr.Invalid(f("weekdays"), "at most 7 weekdays")
	}
	seen := map[int]bool{}
	for i, d := range w.Weekdays {
		if d < 1 || d > 7 {
			return apperr.Invalid(append(f("weekdays"), fmt.Sprint(i)), "weekdays are 1 (Monday) to 7 (Sunday)")
		}
		if seen[d] {
			return apperr.Invalid(append(f("weekdays"), fmt.Sprint(i)), "weekday %d is listed twice", d)
		}
		seen[d] = true
	}
	return nil
}

// isoWeekday is t's weekday, 1 Monday … 7 Sunday.
func isoWeekday(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// Holds reports whether local time t (already in the rule's zone) is inside w.
func (w TimeWindow) Holds(t time.Time) bool {
	h := t.Hour()
	var in bool
	start := t // the day the window containing t started
	if w.FromHour < w.ToHour {
		in = h >= w.FromHour && h < w.ToHour
	} else {
		in = h >= w.FromHour || h < w.ToHour
		if h < w.ToHour {
			start = t.AddDate(0, 0, -1)
		}
	}
	if !in || len(w.Weekdays) == 0 {
		return in
	}
	return slices.Contains(w.Weekdays, isoWeekday(start))
}

var weekdayAbbr = [...]string{1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}

// daysWords writes weekdays as ranges: "Mon–Fri", "Mon, Wed, Sat–Sun".
func daysWords(days []int) string {
	ds := slices.Clone(days)
	slices.Sort(ds)
	var parts []string
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1] == ds[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, weekdayAbbr[ds[i]]+"–"+weekdayAbbr[ds[j]])
		case j == i+1:
			parts = append(parts, weekdayAbbr[ds[i]], weekdayAbbr[ds[j]])
		default:
			parts = append(parts, weekdayAbbr[ds[i]])
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Words writes w in zone tz: "between 22:00 and 07:00 Europe/Berlin, Mon–Fri".
func (w TimeWindow) Words(tz string) string {
	s := fmt.Sprintf("between %02d:00 and %02d:00 %s", w.FromHour, w.ToHour, tzOrDefault(tz))
	if len(w.Weekdays) > 0 && len(w.Weekdays) < 7 {
		s += ", " + daysWords(w.Weekdays)
	}
	return s
}

func tzOrDefault(tz string) string {
	if tz == "" {
		return DefaultTimeZone
	}
	return tz
}

// validateTimeZone checks tz is an IANA zone name time.LoadLocation knows.
func validateTimeZone(path []string, tz string) error {
	if tz == "" || len(tz) > 64 {
		return apperr.Invalid(path, "timeZone must be an IANA time zone name such as Europe/Berlin (1–64 characters)")
	}
	if _, err := time.LoadLocation(tz); err != nil || strings.EqualFold(tz, "Local") {
		return apperr.Invalid(path, "unknown time zone %q; use an IANA name such as Europe/Berlin or UTC", tz)
	}
	return nil
}

// location is r's time zone (UTC when unset or, for a row written before
// validation, unknown).
func (r *Rule) location() *time.Location {
	if loc, err := time.LoadLocation(tzOrDefault(r.TimeZone)); err == nil && r.TimeZone != "Local" {
		return loc
	}
	return time.UTC
}

// hasTimeWindow reports whether c has a time-window comparison.
func (c Condition) hasTimeWindow() bool {
	if c.TimeWindow != nil {
		return true
	}
	for _, cc := range c.Conditions {
		if cc.hasTimeWindow() {
			return true
		}
	}
	return false
}

// resumes reports whether r's actions re-open paused campaigns (a rule
// that resumes does nothing else; CreateRule enforces it).
func (r *Rule) resumes() bool {
	return r.Builtin == nil && len(r.Actions) > 0 && r.Actions[0].Type == ResumePaused
}

// daypartPaused returns which of the campaigns ids were paused by a
// dayparting rule (see the package comment above): their latest applied
// status change was a pause a rule with a time-window condition proposed,
// and no account-wide pause was applied after it.
func daypartPaused(ctx context.Context, tx bun.Tx, cs []platforms.Campaign) (map[uuid.UUID]bool, error) {
	out := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, c := range cs {
		if c.Status == platforms.CampaignPaused {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var last []Action
	if err := tx.NewSelect().Model(&last).DistinctOn("a.campaign_id").
		Where("a.campaign_id IN (?) AND a.status = ? AND a.change_kind = ? AND a.applied_at IS NOT NULL", bun.In(ids), Applied, StatusChange).
		OrderExpr("a.campaign_id, a.applied_at DESC, a.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load status changes: %w", err)
	}
	var rules []Rule
	if err := tx.NewSelect().Model(&rules).Where("r.builtin IS NULL").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	dayparting := map[uuid.UUID]bool{}
	for _, r := range rules {
		if r.Conditions.hasTimeWindow() && !r.resumes() {
			dayparting[r.ID] = true
		}
	}
	var stops []Action
	if err := tx.NewSelect().Model(&stops).Column("a.platform", "a.applied_at").
		Where("a.campaign_id IS NULL AND a.status = ? AND a.action_type IN (?) AND a.applied_at IS NOT NULL", Applied, bun.In([]ActionType{PauseAll, EmergencyStop})).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("load account-wide pauses: %w", err)
	}
	platformOf := map[uuid.UUID]string{}
	for _, c := range cs {
		platformOf[c.ID] = c.Platform
	}
	for _, a := range last {
		if a.RuleID == nil || !dayparting[*a.RuleID] || a.After["status"] != platforms.CampaignPaused || a.CreatedBy != System {
			continue
		}
		stopped := false
		for _, s := range stops {
			if (s.Platform == "" || s.Platform == platformOf[*a.CampaignID]) && !s.AppliedAt.Before(*a.AppliedAt) {
				stopped = true
			}
		}
		if !stopped {
			out[*a.CampaignID] = true
		}
	}
	return out, nil
}
