package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/relay"
)

const trendQuery = `query($r: HistoryRange!) { signalHealthTrend(range: $r) {
	range from to bucketMinutes simulated points { bucket average min max last status simulated } } }`

// The seeded demo tenant has 30 days of simulated history, marked so, and
// the chart's ranges fold it into a bounded number of buckets whose newest
// ends on the score the gauge shows.
func TestSeededHistoryThroughGraphQL(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	b := setupClockAPI(t, start)
	owner := b.logIn(t)

	gauge := field(t, b.do(t, `{ signalHealth { score } }`, nil, owner.H()), "signalHealth", "score").(float64)

	for _, tc := range []struct {
		rng    string
		minute float64
		points int
		from   time.Time
	}{
		{"LAST_24_HOURS", 60, 24, time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)},
		{"LAST_7_DAYS", 240, 42, time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)},
		{"LAST_30_DAYS", 720, 60, time.Date(2026, 2, 8, 12, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.rng, func(t *testing.T) {
			tr := field(t, b.do(t, trendQuery, map[string]any{"r": tc.rng}, owner.H()), "signalHealthTrend").(map[string]any)
			require.Equal(t, tc.rng, tr["range"])
			require.Equal(t, tc.minute, tr["bucketMinutes"])
			require.Equal(t, tc.from, parseTime(t, tr["from"]))
			require.Equal(t, true, tr["simulated"])
			points := tr["points"].([]any)
			require.Len(t, points, tc.points, "every bucket of the range has history")
			step := time.Duration(tc.minute) * time.Minute
			for i, p := range points {
				p := p.(map[string]any)
				require.Equal(t, tc.from.Add(time.Duration(i)*step), parseTime(t, p["bucket"]), "oldest first, one bucket a step")
				// Only the current hour was computed rather than seeded: the
				// newest hourly bucket is real, a longer one holds seeded hours too.
				real := i == len(points)-1 && tc.minute == 60
				require.Equal(t, !real, p["simulated"], "bucket %d", i)
				require.LessOrEqual(t, p["min"].(float64), p["average"].(float64))
				require.LessOrEqual(t, p["average"].(float64), p["max"].(float64))
			}
			newest := points[len(points)-1].(map[string]any)
			require.Equal(t, gauge, newest["last"], "the newest bucket ends on the gauge's score")
		})
	}

	t.Run("the hour computed for real is not marked simulated; the hours seeded before it are", func(t *testing.T) {
		d := b.do(t, `{ signalHealthHistory(first: 2) { totalCount edges { node { bucket simulated } } } }`, nil, owner.H())
		edges := field(t, d, "signalHealthHistory", "edges").([]any)
		require.Len(t, edges, 2)
		now, before := edges[0].(map[string]any)["node"].(map[string]any), edges[1].(map[string]any)["node"].(map[string]any)
		require.Equal(t, start.Truncate(time.Hour), parseTime(t, now["bucket"]))
		require.Equal(t, false, now["simulated"], "computed by the seed's recompute")
		require.Equal(t, true, before["simulated"], "positive control: the hour before was seeded")
		require.EqualValues(t, 30*24+1, field(t, d, "signalHealthHistory", "totalCount"))
	})

	t.Run("seeding again adds nothing", func(t *testing.T) {
		count := func() any {
			return field(t, b.do(t, `{ signalHealthHistory { totalCount } }`, nil, owner.H()), "signalHealthHistory", "totalCount")
		}
		was := count()
		require.NoError(t, app.Seed(context.Background(), b.srv.App, apptest.Logger()))
		require.Equal(t, was, count())
	})

	t.Run("an unknown range is refused by the schema", func(t *testing.T) {
		res := b.srv.Query(t, trendQuery, map[string]any{"r": "LAST_YEAR"}, owner.H())
		require.NotEmpty(t, res.Errors)
	})
}

// actorNames names a member by e-mail, the system as Stratum and anyone
// else without revealing who they are; its input is bounded.
func TestActorNamesThroughGraphQL(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	_, owner, err := relay.ParseGlobalID(b.owner.UserID)
	require.NoError(t, err)
	const q = `query($a: [String!]!) { actorNames(actors: $a) { actor name member } }`
	stranger := "user:" + uuid.NewString()
	d := b.do(t, q, map[string]any{"a": []string{"user:" + owner.String(), "system", stranger, "api_key:" + uuid.NewString(), "user:nope"}})
	got := d["actorNames"].([]any)
	names := make([]string, len(got))
	for i, n := range got {
		names[i] = n.(map[string]any)["name"].(string)
	}
	require.Equal(t, []string{b.owner.Email, "Stratum", "a former member", "an API key", "unknown"}, names)
	require.Equal(t, true, got[0].(map[string]any)["member"])
	require.Equal(t, false, got[2].(map[string]any)["member"])

	t.Run("bounded", func(t *testing.T) {
		long := make([]string, 101)
		for i := range long {
			long[i] = "system"
		}
		res := b.srv.Query(t, q, map[string]any{"a": long}, b.owner.H())
		require.NotEmpty(t, res.Errors)
		require.Equal(t, "BAD_USER_INPUT", res.Errors[0].Extensions["code"])
		res = b.srv.Query(t, q, map[string]any{"a": []string{"system", strings.Repeat("x", 101)}}, b.owner.H())
		require.NotEmpty(t, res.Errors)
		require.Equal(t, "BAD_USER_INPUT", res.Errors[0].Extensions["code"])
		require.Equal(t, []any{"actors", "1"}, res.Errors[0].Extensions["field"])
	})
}
