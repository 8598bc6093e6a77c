package app_test

import (
	"github.com/stratumhq/stratum/internal/relay"
)

// Isolation cases of issue 10's units and names: the trend of the chart and
// the names of recorded actors (a tenant names its own members only).
func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.signalHealthTrend": {Query: `{ signalHealthTrend(range: LAST_7_DAYS) { bucketMinutes points { bucket average } } }`, Viewer: Allowed,
			Sees: lit(`"average":`)},
		"Query.actorNames": {Query: `query($a: [String!]!) { actorNames(actors: $a) { actor name member } }`,
			Vars: func(f *isoFixture) map[string]any {
				_, owner, err := relay.ParseGlobalID(f.ownerA.UserID)
				if err != nil {
					panic(err)
				}
				return map[string]any{"a": []string{"user:" + owner.String(), "system"}}
			},
			Viewer: Allowed, Sees: func(f *isoFixture) []string { return []string{f.ownerA.Email} }},
	})
}
