package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDaypartingThroughGraphQL: the dayparting templates are served with
// their time zone; a rule with a time window in Europe/Berlin reads its
// window in words; the dry run explains the time-window check at the
// clock's time; a bad zone or hour is BAD_USER_INPUT with its field path.
func TestDaypartingThroughGraphQL(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	now := time.Now().In(loc)
	b := setupClockAPI(t, time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, loc))
	s := b.logIn(t)

	d := b.do(t, `{ ruleTemplates { key logic timeZone conditions { timeWindow { fromHour toHour weekdays } } actions { type } } }`, nil, s.H())
	byKey := map[string]map[string]any{}
	for _, tp := range field(t, d, "ruleTemplates").([]any) {
		byKey[tp.(map[string]any)["key"].(string)] = tp.(map[string]any)
	}
	pause, resume := byKey["dayparting-pause-off-hours"], byKey["dayparting-resume-business-hours"]
	require.NotNil(t, pause)
	require.NotNil(t, resume)
	require.Equal(t, "UTC", pause["timeZone"])
	require.EqualValues(t, 22, dig(pause, "conditions", "timeWindow", "fromHour"))
	require.Equal(t, "RESUME_PAUSED", resume["actions"].([]any)[0].(map[string]any)["type"])
	require.Equal(t, "time between 07:00 and 22:00 UTC → resume campaign paused by dayparting", resume["logic"])

	const create = `mutation($in: AutomationRuleInput!) { createAutomationRule(input: $in) { rule { id logic timeZone
		conditions { timeWindow { fromHour toHour weekdays } } } userErrors { field message code } } }`
	in := func(tz string, from int) map[string]any {
		return map[string]any{"in": map[string]any{"name": "Nights off", "timeZone": tz,
			"conditions": map[string]any{"timeWindow": map[string]any{"fromHour": from, "toHour": 7, "weekdays": []int{1, 2, 3, 4, 5}}},
			"actions":    []any{map[string]any{"type": "UPDATE_STATUS", "params": map[string]any{"status": "PAUSED"}}}}}
	}
	for _, c := range []struct {
		tz    string
		from  int
		field []any
	}{
		{"Europe/Nowhere", 22, []any{"input", "timeZone"}},
		{"Europe/Berlin", 25, []any{"input", "conditions", "timeWindow", "fromHour"}},
	} {
		d = b.do(t, create, in(c.tz, c.from), s.H())
		ue := userError(t, d, "createAutomationRule")
		require.NotNil(t, ue, c.tz)
		require.Equal(t, "BAD_USER_INPUT", ue["code"])
		require.Equal(t, c.field, ue["field"], ue["message"])
	}

	d = b.do(t, create, in("Europe/Berlin", 22), s.H())
	require.Nil(t, userError(t, d, "createAutomationRule"), "positive control")
	rule := field(t, d, "createAutomationRule", "rule").(map[string]any)
	require.Equal(t, "Europe/Berlin", rule["timeZone"])
	require.Equal(t, "time between 22:00 and 07:00 Europe/Berlin, Mon–Fri → set status to paused", rule["logic"])
	require.Equal(t, []any{1.0, 2.0, 3.0, 4.0, 5.0}, dig(rule, "conditions", "timeWindow", "weekdays"))

	d = b.do(t, `mutation($id: ID!) { simulateRule(input: {ruleId: $id}) { actions { type }
		campaigns { evaluated outcome checks { label value unit threshold passed note } } userErrors { code } } }`,
		map[string]any{"id": rule["id"]}, s.H())
	require.Nil(t, userError(t, d, "simulateRule"))
	var evaluated int
	weeknight := now.Weekday() >= time.Monday && now.Weekday() <= time.Friday
	for _, c := range field(t, d, "simulateRule", "campaigns").([]any) {
		c := c.(map[string]any)
		if c["evaluated"] != true {
			continue
		}
		evaluated++
		check := c["checks"].([]any)[0].(map[string]any)
		require.Equal(t, "Time of day in Europe/Berlin", check["label"])
		require.Equal(t, "HOUR", check["unit"])
		require.EqualValues(t, 23, check["value"], "the clock's 23:00 in Berlin")
		require.Equal(t, "between 22:00 and 07:00 Europe/Berlin, Mon–Fri", check["note"])
		require.Equal(t, weeknight, check["passed"])
		if !weeknight {
			require.Contains(t, c["outcome"], "No proposal: the time (")
		}
	}
	require.Positive(t, evaluated)
	if weeknight {
		require.Len(t, field(t, d, "simulateRule", "actions").([]any), evaluated, "each active campaign would be paused")
	}
}
