package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
)

// analyticsIsoFixture is tenant A's RFM scores and funnel (issue 14).
type analyticsIsoFixture struct {
	funnel   string // global ID
	from, to string // a report range around A's event
}

// addAnalytics gives A's profile (addProfiles) an RFM score, computed over
// its "Alpha Ordered" event, and a funnel entered by it (after
// addProfiles).
func (f *isoFixture) addAnalytics(t *testing.T) {
	ctx := context.Background()
	d := f.b.srv.App.DB
	rfm := cdp.NewRFM(d)
	_, err := rfm.UpdateSettings(ctx, f.tenantA, nil, []string{"Alpha Ordered"}, nil)
	require.NoError(t, err)
	_, err = rfm.Refresh(ctx, f.tenantA)
	require.NoError(t, err)
	fn, err := (&cdp.Funnels{DB: d}).Create(ctx, f.tenantA, cdp.FunnelInput{Name: fmt.Sprintf("alpha-funnel-%d", f.n), Window: time.Hour,
		Steps: []cdp.FunnelStep{{Event: "Alpha Ordered"}, {Event: "Alpha Paid"}}})
	require.NoError(t, err)
	now := d.Now(ctx)
	f.analytics = &analyticsIsoFixture{funnel: relay.GlobalID(relay.TypeFunnel, fn.ID),
		from: now.Add(-time.Hour).Format(time.RFC3339), to: now.Add(time.Hour).Format(time.RFC3339)}
	f.markers = append(f.markers, f.analytics.funnel)
}

func analyticsVars(keys ...string) func(f *isoFixture) map[string]any {
	return func(f *isoFixture) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			switch k {
			case "funnel":
				out[k] = f.analytics.funnel
			case "from":
				out[k] = f.analytics.from
			case "to":
				out[k] = f.analytics.to
			}
		}
		return out
	}
}

const funnelFields = `id name windowSeconds createdAt updatedAt steps { event filter { path operator value } }`

const funnelStepFields = `index event entered converted dropOff conversionFromPrevious conversionFromStart medianSecondsFromPrevious medianSecondsFromStart`

func init() {
	addIsolationCases(map[string]isolationCase{
		// A's cell lists A's profile; B's report is empty.
		"Query.rfmReport": {Query: `{ rfmReport { computedAt lookbackDays profiles cells { segment name count revenue revenueMicros
				members(first: 5) { totalCount edges { node { id rfm { r f m segment computedAt } } } } } } }`,
			Viewer: Allowed, Sees: strs("profile")},
		"Query.rfmSettings": {Query: `{ rfmSettings { lookbackDays eventNames valueProperty } }`, Viewer: Allowed, Sees: lit(`"Alpha Ordered"`)},
		// B's owner saves B's settings (A's are unchanged: the snapshot has
		// them); the control saves A's.
		"Mutation.updateRfmSettings": {Query: `mutation { updateRfmSettings(input: {lookbackDays: 12, eventNames: ["Paid"], valueProperty: "amount"}) {
				settings { lookbackDays eventNames valueProperty } userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"lookbackDays":12`}},
		// B's owner queues B's refresh; the control queues A's.
		"Mutation.refreshRfm": {Query: `mutation { refreshRfm { queued userErrors { field code } } }`,
			Viewer: Refused, ControlHas: []string{`"queued":true`}},
		"Query.funnels": {Query: `{ funnels(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ` + funnelFields + ` } } } }`,
			Viewer: Allowed, Sees: func(f *isoFixture) []string { return []string{f.analytics.funnel} }},
		// B's owner asking for A's funnel gets null; the control sees
		// A's profile entered, broken down by its event's property.
		"Query.funnelReport": {Query: `query($funnel: ID!, $from: Time!, $to: Time!) { funnelReport(id: $funnel, from: $from, to: $to,
				breakdownBy: {source: EVENT_PROPERTY, path: ["alphaProp"]}) { funnel { ` + funnelFields + ` } from to entered converted conversionRate
				steps { ` + funnelStepFields + ` } breakdown { value other steps { ` + funnelStepFields + ` } } } }`,
			Vars: analyticsVars("funnel", "from", "to"), Viewer: Allowed,
			Sees: func(f *isoFixture) []string {
				return []string{f.analytics.funnel, `"value":"alpha-value"`, `"entered":1`}
			}},
		"Mutation.createFunnel": {Query: `mutation { createFunnel(input: {name: "new funnel", windowSeconds: 3600,
				steps: [{event: "A"}, {event: "B", filter: {path: ["plan"], operator: EQUALS, value: "pro"}}]}) { funnel { ` + funnelFields + ` } userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"name":"new funnel"`}},
		"Mutation.updateFunnel": {Query: `mutation($funnel: ID!) { updateFunnel(input: {id: $funnel, name: "renamed", windowSeconds: 60,
				steps: [{event: "A"}, {event: "B"}]}) { funnel { ` + funnelFields + ` } userErrors { field code } } }`,
			Vars: analyticsVars("funnel"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true,
			Sees: func(f *isoFixture) []string { return []string{f.analytics.funnel} }, ControlHas: []string{`"name":"renamed"`}},
		"Mutation.deleteFunnel": {Query: `mutation($funnel: ID!) { deleteFunnel(input: {id: $funnel}) { deletedFunnelId userErrors { field code } } }`,
			Vars: analyticsVars("funnel"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true,
			Sees: func(f *isoFixture) []string { return []string{f.analytics.funnel} }},
	})
}
