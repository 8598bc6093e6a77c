package app_test

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
)

const campaignsPage = `query($first: Int, $from: String!, $to: String!, $search: String, $order: CampaignOrder, $after: String) {
  campaigns(first: $first, search: $search, orderBy: $order, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    totals(from: $from, to: $to) { currency campaigns totals { spend { micros } conversions } }
    edges { node { id name platform state status simulated currency account { id name }
      metrics(from: $from, to: $to) {
        points { date spend { micros } conversionValue { micros } impressions clicks conversions }
        totals { spend { micros amount currency formatted } conversionValue { micros } impressions clicks conversions roas ctr cpa { micros } }
      } } } } }`

func micros(t *testing.T, m any) int64 {
	t.Helper()
	v, err := strconv.ParseInt(str(m.(map[string]any)["micros"]), 10, 64)
	require.NoError(t, err)
	return v
}

// The demo tenant's simulated campaigns through the campaigns screen's
// query: metrics sum exactly, ratios come from the sums, and a page's
// campaigns cost the same number of statements as one campaign.
func TestCampaignsThroughGraphQL(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	counter := &txCounter{begins: map[string]int{}, stmt: map[string]int{}}
	cfg := apptest.Config(t, tdb, identityEnv)
	srv := apptest.Start(t, cfg, func(a *app.App) { a.DB.Bun.AddQueryHook(counter) })
	require.NoError(t, app.Seed(context.Background(), srv.App, apptest.Logger()))
	_, p := (&idBundle{srv: srv, tdb: tdb}).logIn(t, cfg.DemoEmail, cfg.DemoPassword)
	owner := toSession(t, p, cfg.DemoEmail)

	to := time.Now().UTC()
	from := to.AddDate(0, 0, -29)
	vars := func(kv ...any) map[string]any {
		v := map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)}
		for i := 0; i < len(kv); i += 2 {
			v[kv[i].(string)] = kv[i+1]
		}
		return v
	}
	run := func(t *testing.T, reqID string, v map[string]any) map[string]any {
		t.Helper()
		h := owner.H()
		h.Set("X-Request-Id", reqID)
		res := srv.Query(t, campaignsPage, v, h)
		require.Empty(t, res.Errors)
		return res.Data
	}

	d := run(t, "campaigns-all", vars())
	edges := field(t, d, "campaigns", "edges").([]any)
	require.Len(t, edges, 4, "the demo's four simulated campaigns")
	var spent int
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		require.Equal(t, true, n["simulated"], "simulator campaigns are labelled simulated")
		require.Nil(t, n["account"], "legacy simulator campaigns have no stored account")
		require.Equal(t, n["status"], n["state"])
		m := n["metrics"].(map[string]any)
		points := m["points"].([]any)
		require.Len(t, points, 30, "one point per day")
		var spend, value int64
		var impressions, clicks float64
		for _, p := range points {
			pm := p.(map[string]any)
			spend += micros(t, pm["spend"])
			value += micros(t, pm["conversionValue"])
			impressions += pm["impressions"].(float64)
			clicks += pm["clicks"].(float64)
		}
		tot := m["totals"].(map[string]any)
		require.Equal(t, spend, micros(t, tot["spend"]), "totals are the exact sum of the points")
		require.Equal(t, value, micros(t, tot["conversionValue"]))
		require.Equal(t, "USD", field(t, tot, "spend", "currency"))
		if spend == 0 {
			require.Nil(t, tot["roas"])
			continue
		}
		spent++
		require.InDelta(t, float64(value)/float64(spend), tot["roas"], 1e-12, "ROAS = value / spend")
		if impressions > 0 {
			require.InDelta(t, clicks/impressions, tot["ctr"], 1e-12, "CTR = clicks / impressions")
		}
		if conv := tot["conversions"].(float64); conv > 0 {
			// CPA = spend / conversions, rounded to a micro.
			want, _ := new(big.Float).Quo(new(big.Float).SetInt64(spend), big.NewFloat(conv)).Float64()
			require.InDelta(t, want, float64(micros(t, tot["cpa"])), 0.5)
		}
	}
	require.Positive(t, spent, "the simulator spent on some campaign in the last 30 days")
	totals := field(t, d, "campaigns", "totals").([]any)
	require.Len(t, totals, 1, "the demo's campaigns are all in USD")
	var pageSpend int64
	for _, e := range edges {
		pageSpend += micros(t, field(t, e.(map[string]any), "node", "metrics", "totals", "spend"))
	}
	require.Equal(t, "USD", totals[0].(map[string]any)["currency"])
	require.EqualValues(t, 4, totals[0].(map[string]any)["campaigns"])
	require.Equal(t, pageSpend, micros(t, field(t, totals[0].(map[string]any), "totals", "spend")), "totals sum every campaign's spend")

	t.Run("a page's metrics and accounts cost what one campaign's cost", func(t *testing.T) {
		// The fewest of three runs each: a request may also pay a periodic
		// check of its own (the session revocation poll) when it falls due.
		fewest := func(id string, first int) int {
			n := 0
			for i := range 3 {
				rid := fmt.Sprintf("%s-%d", id, i)
				run(t, rid, vars("first", first))
				if _, c := counter.counts(rid); i == 0 || c < n {
					n = c
				}
			}
			return n
		}
		one, four := fewest("campaigns-one", 1), fewest("campaigns-four", 4)
		require.Positive(t, one)
		require.Equal(t, one, four, "statements do not grow with the page")
	})
	t.Run("ordered by spend, paged one at a time", func(t *testing.T) {
		order := map[string]any{"field": "SPEND", "direction": "DESC", "from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)}
		var got []int64
		var after any
		for i := 0; i < 6; i++ {
			d := run(t, "campaigns-spend", vars("first", 1, "order", order, "after", after))
			for _, e := range field(t, d, "campaigns", "edges").([]any) {
				got = append(got, micros(t, field(t, e.(map[string]any), "node", "metrics", "totals", "spend")))
			}
			if !field(t, d, "campaigns", "pageInfo", "hasNextPage").(bool) {
				break
			}
			after = field(t, d, "campaigns", "pageInfo", "endCursor")
		}
		require.Len(t, got, 4)
		for i := 1; i < len(got); i++ {
			require.GreaterOrEqual(t, got[i-1], got[i], "spend descending: %v", got)
		}
	})
	t.Run("search", func(t *testing.T) {
		name := str(field(t, edges[0].(map[string]any), "node", "name"))
		d := run(t, "campaigns-search", vars("search", strings.ToUpper(name[1:len(name)-1])))
		found := field(t, d, "campaigns", "edges").([]any)
		require.NotEmpty(t, found)
		require.Equal(t, name, field(t, found[0].(map[string]any), "node", "name"))
	})
	t.Run("bad input is BAD_USER_INPUT on its argument", func(t *testing.T) {
		for _, c := range []struct {
			v     map[string]any
			field []any
		}{
			{vars("from", to.Format(time.DateOnly), "to", from.Format(time.DateOnly)), []any{"to"}},
			{vars("from", to.AddDate(0, 0, -366).Format(time.DateOnly)), []any{"to"}},
			{vars("from", "2026-13-01"), []any{"from"}},
			{vars("search", strings.Repeat("x", 101)), []any{"search"}},
			{vars("order", map[string]any{"field": "ROAS"}), []any{"orderBy", "from"}},
		} {
			res := srv.Query(t, campaignsPage, c.v, owner.H())
			require.NotEmpty(t, res.Errors, "%v", c.v)
			e := res.Errors[0]
			require.Equal(t, "BAD_USER_INPUT", e.Extensions["code"], e.Message)
			require.Equal(t, c.field, e.Extensions["field"], e.Message)
		}
	})
}
