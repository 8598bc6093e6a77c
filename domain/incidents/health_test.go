package incidents_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/signals"
)

// emqDrop is platform's health after its EMQ fell from `from` to `to`.
func emqDrop(platform string, score float64, status signals.Status, from, to float64) signals.Change {
	c := health(platform, score, status)
	c.Curr.EMQ, c.Curr.EMQDrop = &to, &signals.EMQDrop{From: from, To: to}
	return c
}

// emqAt is platform's health with EMQ v and no sharp drop.
func emqAt(platform string, score float64, status signals.Status, v float64) signals.Change {
	c := health(platform, score, status)
	c.Curr.EMQ = &v
	return c
}

func messages(t *testing.T, s *incidents.Service, inc incidents.Incident) []string {
	t.Helper()
	tl, err := s.Timeline(context.Background(), inc.TenantID, inc.ID)
	require.NoError(t, err)
	out := make([]string, len(tl))
	for i, e := range tl {
		out[i] = e.Kind + " " + e.Message
	}
	return out
}

// One EMQ drop pulls its platform's health and the overall health out of
// HEALTHY: one incident, keyed by the drop, with the two health changes on
// its timeline. A second cause on another platform is a second incident.
func TestOneIncidentPerRootCause(t *testing.T) {
	t.Parallel()
	s, tenant := setup(t)

	t.Run("one EMQ drop opens one incident; the health changes it caused are timeline entries", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 66, signals.Degraded), emqDrop("SIMULATOR", 66, signals.Degraded, 9, 2))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1, "titles: %v", titles(open))
		inc := open[0]
		require.Equal(t, incidents.CauseEMQDrop, inc.Cause)
		require.Equal(t, "Simulator EMQ fell from 9.0 to 2.0", inc.Title)
		require.Equal(t, incidents.Medium, inc.Severity, "a degraded 66 is MEDIUM, as the gauge and the LIMITED mode read it")
		require.Equal(t, []string{
			"OPENED Simulator EMQ fell from 9.0 to 2.0",
			"SYMPTOM Simulator platform health degraded (score 66)",
			"SYMPTOM Overall health degraded (score 66)",
		}, messages(t, s, inc))
	})
	t.Run("the next recompute in the same state adds nothing", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 66, signals.Degraded), emqAt("SIMULATOR", 66, signals.Degraded, 2))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1)
		require.Len(t, messages(t, s, open[0]), 3)
	})
	t.Run("a worse symptom escalates the cause's incident and is recorded", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 50, signals.Degraded), emqAt("SIMULATOR", 50, signals.Degraded, 2))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1)
		require.Equal(t, incidents.High, open[0].Severity)
		require.Equal(t, []string{
			"OPENED Simulator EMQ fell from 9.0 to 2.0",
			"SYMPTOM Simulator platform health degraded (score 66)",
			"SYMPTOM Overall health degraded (score 66)",
			"ESCALATED Escalated to high severity: Simulator EMQ fell from 9.0 to 2.0",
		}, messages(t, s, open[0]), "the status words did not change, so no new symptom entry")
	})
	t.Run("positive control: a second cause on another platform opens a second incident", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 50, signals.Degraded), emqAt("SIMULATOR", 50, signals.Degraded, 2),
			emqDrop("META", 64, signals.Degraded, 8.5, 4))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 2, "titles: %v", titles(open))
		meta := byCause(t, open, "EMQ_DROP:META")
		require.Equal(t, []string{
			"OPENED Meta EMQ fell from 8.5 to 4.0",
			"SYMPTOM Meta platform health degraded (score 64)",
		}, messages(t, s, meta))
	})
	t.Run("the cause recovering closes its incident; the overall symptom moves to the cause still open", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 64, signals.Degraded), emqAt("SIMULATOR", 88, signals.Healthy, 8.8),
			emqAt("META", 64, signals.Degraded, 4))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1)
		require.Equal(t, "EMQ_DROP:META", open[0].CauseKey)
		require.Equal(t, "SYMPTOM Overall health degraded (score 64)", last(messages(t, s, open[0])))
		sim := byCause(t, list(t, s, tenant, incidents.Resolved), "EMQ_DROP:SIMULATOR")
		require.Equal(t, "AUTO_RESOLVED EMQ recovered to ≥ 7.0", last(messages(t, s, sim)))
	})
	t.Run("a symptom back to healthy is recorded while the cause lasts", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 80, signals.Healthy), emqAt("SIMULATOR", 88, signals.Healthy, 8.8),
			emqAt("META", 74, signals.Healthy, 6))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1, "EMQ 6 has not recovered (≥ 7)")
		got := messages(t, s, open[0])
		require.Equal(t, []string{
			"SYMPTOM Meta platform health back to healthy (score 74)",
			"SYMPTOM Overall health back to healthy (score 80)",
		}, got[len(got)-2:])
	})
}

// A health that leaves HEALTHY without a component cause is the cause: one
// incident for the platform, with the overall health as its symptom.
func TestHealthWithoutComponentCause(t *testing.T) {
	t.Parallel()
	s, tenant := setup(t)
	feed(t, s, tenant, health(signals.Overall, 62, signals.Degraded), emqAt("GOOGLE", 55, signals.Degraded, 8), emqAt("META", 90, signals.Healthy, 9))
	open := list(t, s, tenant, incidents.Open)
	require.Len(t, open, 1, "titles: %v", titles(open))
	require.Equal(t, "HEALTH:GOOGLE", open[0].CauseKey)
	require.Equal(t, "Google Ads signal health is degraded (55)", open[0].Title)
	require.Equal(t, incidents.High, open[0].Severity)
	require.Equal(t, []string{
		"OPENED Google Ads signal health is degraded (55)",
		"SYMPTOM Overall health degraded (score 62)",
	}, messages(t, s, open[0]))

	feed(t, s, tenant, health(signals.Overall, 90, signals.Healthy), emqAt("GOOGLE", 90, signals.Healthy, 8), emqAt("META", 90, signals.Healthy, 9))
	require.Empty(t, list(t, s, tenant, incidents.Open))
}

// The severity of an incident is the band of the health it describes, in
// the words the gauge uses: it never reads worse or better than the gauge.
func TestSeverityFollowsTheGauge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		score  float64
		status signals.Status
		want   incidents.Severity
	}{
		{92, signals.Healthy, incidents.Low},
		{69, signals.Healthy, incidents.Low}, // hysteresis: still HEALTHY at 69
		{71, signals.Degraded, incidents.Medium},
		{66, signals.Degraded, incidents.Medium},
		{60, signals.Degraded, incidents.Medium},
		{59, signals.Degraded, incidents.High},
		{39, signals.Degraded, incidents.High},
		{41, signals.Unhealthy, incidents.Critical},
		{10, signals.Unhealthy, incidents.Critical},
	} {
		require.Equal(t, tc.want, incidents.SeverityFor(tc.score, tc.status), "%v %s", tc.score, tc.status)
	}
}

func titles(is []incidents.Incident) []string {
	out := make([]string, len(is))
	for i := range is {
		out[i] = is[i].Title
	}
	return out
}

func byCause(t *testing.T, is []incidents.Incident, key string) incidents.Incident {
	t.Helper()
	for _, i := range is {
		if i.CauseKey == key {
			return i
		}
	}
	t.Fatalf("no incident %s among %v", key, titles(is))
	return incidents.Incident{}
}

func last(s []string) string { return s[len(s)-1] }
