package platforms_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

type campaignSpec struct {
	name, platform, status string
	// metrics on day0: spend, revenue (micros), conversions
	spend, revenue int64
	conversions    float64
}

var day0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

// insertCampaigns stores specs for tenant, created a minute apart in
// order, each with one day of metrics on day0 when it spent.
func insertCampaigns(t *testing.T, ps *platforms.Service, tenant uuid.UUID, specs []campaignSpec) map[string]uuid.UUID {
	t.Helper()
	ids := map[string]uuid.UUID{}
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	err := ps.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		for i, s := range specs {
			c := &platforms.Campaign{TenantID: tenant, ID: uuid.New(), Platform: s.platform, AccountID: "acct", ExternalID: s.name,
				Name: s.name, Status: s.status, Currency: "USD", CreatedAt: base.Add(time.Duration(i) * time.Minute), UpdatedAt: base}
			if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
				return err
			}
			ids[s.name] = c.ID
			if s.spend == 0 && s.conversions == 0 && s.revenue == 0 {
				continue
			}
			m := &platforms.DailyMetrics{TenantID: tenant, CampaignID: c.ID, Day: day0, SpendMicros: s.spend, RevenueMicros: s.revenue,
				Conversions: s.conversions, Impressions: 1000, Clicks: 10}
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	return ids
}

func names(p *relay.Page[platforms.Campaign]) []string {
	out := make([]string, len(p.Items))
	for i := range p.Items {
		out[i] = p.Items[i].Name
	}
	return out
}

// allPages walks q forwards two at a time, then backwards from the end.
func allPages(t *testing.T, ps *platforms.Service, tenant uuid.UUID, q platforms.CampaignQuery) (fwd, bwd []string) {
	t.Helper()
	ctx := context.Background()
	args := relay.Args{First: ptr(2)}
	for i := 0; i < 20; i++ {
		p, err := ps.CampaignPage(ctx, tenant, q, args)
		require.NoError(t, err)
		fwd = append(fwd, names(p)...)
		if !p.Info.HasNextPage {
			break
		}
		args.After = p.Info.EndCursor
	}
	args = relay.Args{Last: ptr(2)}
	for i := 0; i < 20; i++ {
		p, err := ps.CampaignPage(ctx, tenant, q, args)
		require.NoError(t, err)
		bwd = append(names(p), bwd...)
		if !p.Info.HasPreviousPage {
			break
		}
		args.Before = p.Info.StartCursor
	}
	return fwd, bwd
}

func TestCampaignPage(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, false)
	ctx := context.Background()
	insertCampaigns(t, ps, tenant, []campaignSpec{
		{name: "Brand search", platform: platforms.Google, status: platforms.CampaignActive, spend: 100_000_000, revenue: 300_000_000, conversions: 4},
		{name: "Prospecting 50%_off", platform: platforms.Meta, status: platforms.CampaignPaused, spend: 50_000_000, revenue: 50_000_000, conversions: 0},
		{name: "retargeting", platform: platforms.Meta, status: platforms.CampaignActive, spend: 200_000_000, revenue: 400_000_000, conversions: 10},
		{name: "Old promo", platform: platforms.TikTok, status: platforms.CampaignArchived},
		{name: "prospecting winter", platform: platforms.Snapchat, status: platforms.CampaignActive, spend: 10_000_000, revenue: 40_000_000, conversions: 1},
	})
	page := func(q platforms.CampaignQuery) []string {
		t.Helper()
		p, err := ps.CampaignPage(ctx, tenant, q, relay.Args{})
		require.NoError(t, err)
		require.Equal(t, len(p.Items), p.TotalCount)
		return names(p)
	}

	t.Run("newest first by default", func(t *testing.T) {
		require.Equal(t, []string{"prospecting winter", "Old promo", "retargeting", "Prospecting 50%_off", "Brand search"}, page(platforms.CampaignQuery{}))
	})
	t.Run("search ignores case and takes wildcards literally", func(t *testing.T) {
		require.Equal(t, []string{"prospecting winter", "Prospecting 50%_off"}, page(platforms.CampaignQuery{Search: "PROSPECTING"}))
		require.Equal(t, []string{"Prospecting 50%_off"}, page(platforms.CampaignQuery{Search: "50%_"}), "% and _ match themselves")
		require.Empty(t, page(platforms.CampaignQuery{Search: "%%"}), "%% is not a wildcard")
	})
	t.Run("status and platform filters", func(t *testing.T) {
		require.Equal(t, []string{"Old promo"}, page(platforms.CampaignQuery{Status: platforms.CampaignArchived}))
		require.Equal(t, []string{"retargeting"}, page(platforms.CampaignQuery{Status: platforms.CampaignActive, Platform: platforms.Meta}))
	})
	from, to := day0.AddDate(0, 0, -6), day0
	t.Run("a metric ordering outside the metrics' days sees no spend", func(t *testing.T) {
		p, err := ps.CampaignPage(ctx, tenant, platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderROAS, Desc: true,
			From: from.AddDate(0, 0, -30), To: from.AddDate(0, 0, -1)}}, relay.Args{})
		require.NoError(t, err)
		require.Len(t, p.Items, 5)
	})
	t.Run("orderings, paged both ways", func(t *testing.T) {
		for _, c := range []struct {
			order platforms.CampaignOrder
			want  []string
		}{
			{platforms.CampaignOrder{Field: platforms.OrderName}, []string{"Brand search", "Old promo", "Prospecting 50%_off", "prospecting winter", "retargeting"}},
			{platforms.CampaignOrder{Field: platforms.OrderSpend, Desc: true, From: from, To: to}, []string{"retargeting", "Brand search", "Prospecting 50%_off", "prospecting winter", "Old promo"}},
			{platforms.CampaignOrder{Field: platforms.OrderSpend, From: from, To: to}, []string{"Old promo", "prospecting winter", "Prospecting 50%_off", "Brand search", "retargeting"}},
			// ROAS: 4, 3, 2, 1; none for Old promo (no spend): last.
			{platforms.CampaignOrder{Field: platforms.OrderROAS, Desc: true, From: from, To: to}, []string{"prospecting winter", "Brand search", "retargeting", "Prospecting 50%_off", "Old promo"}},
			{platforms.CampaignOrder{Field: platforms.OrderROAS, From: from, To: to}, []string{"Prospecting 50%_off", "retargeting", "Brand search", "prospecting winter", "Old promo"}},
			{platforms.CampaignOrder{Field: platforms.OrderCreatedAt}, []string{"Brand search", "Prospecting 50%_off", "retargeting", "Old promo", "prospecting winter"}},
		} {
			q := platforms.CampaignQuery{Order: c.order}
			fwd, bwd := allPages(t, ps, tenant, q)
			require.Equal(t, c.want, fwd, "%+v", c.order)
			require.Equal(t, fwd, bwd, "backward paging of %+v", c.order)
		}
	})
	t.Run("nulls last in both directions", func(t *testing.T) {
		for _, desc := range []bool{true, false} {
			fwd, _ := allPages(t, ps, tenant, platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderCPA, Desc: desc, From: from, To: to}})
			require.ElementsMatch(t, []string{"Prospecting 50%_off", "Old promo"}, fwd[3:], "desc=%v: %v", desc, fwd)
			if desc {
				require.Equal(t, []string{"Brand search", "retargeting", "prospecting winter"}, fwd[:3])
			} else {
				require.Equal(t, []string{"prospecting winter", "retargeting", "Brand search"}, fwd[:3])
			}
		}
	})
	t.Run("a page after a cursor neither repeats nor skips when campaigns are added before it", func(t *testing.T) {
		ps, _, tenant := setup(t, false)
		insertCampaigns(t, ps, tenant, []campaignSpec{
			{name: "b", platform: platforms.Meta, status: platforms.CampaignActive},
			{name: "d", platform: platforms.Meta, status: platforms.CampaignActive},
			{name: "f", platform: platforms.Meta, status: platforms.CampaignActive},
		})
		q := platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderName}}
		p1, err := ps.CampaignPage(ctx, tenant, q, relay.Args{First: ptr(2)})
		require.NoError(t, err)
		require.Equal(t, []string{"b", "d"}, names(p1))
		insertCampaigns(t, ps, tenant, []campaignSpec{{name: "a", platform: platforms.Meta, status: platforms.CampaignActive},
			{name: "e", platform: platforms.Meta, status: platforms.CampaignActive}})
		p2, err := ps.CampaignPage(ctx, tenant, q, relay.Args{First: ptr(2), After: p1.Info.EndCursor})
		require.NoError(t, err)
		require.Equal(t, []string{"e", "f"}, names(p2), "a (before the cursor) is not on it; e (after it) is")
	})
	t.Run("a cursor of another ordering is refused", func(t *testing.T) {
		p, err := ps.CampaignPage(ctx, tenant, platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderName}}, relay.Args{First: ptr(1)})
		require.NoError(t, err)
		_, err = ps.CampaignPage(ctx, tenant, platforms.CampaignQuery{}, relay.Args{After: p.Info.EndCursor})
		requireInvalid(t, err, "after")
		_, err = ps.CampaignPage(ctx, tenant, platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderName}}, relay.Args{After: p.Info.EndCursor})
		require.NoError(t, err, "positive control: the same ordering takes it")
	})
	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			q     platforms.CampaignQuery
			field string
		}{
			{platforms.CampaignQuery{Search: strings.Repeat("é", 101)}, "search"},
			{platforms.CampaignQuery{Status: "DELETED"}, "status"},
			{platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderROAS}}, "orderBy.from"},
			{platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderROAS, From: to, To: from}}, "orderBy.to"},
			{platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: platforms.OrderROAS, From: to.AddDate(0, 0, -366), To: to}}, "orderBy.to"},
		} {
			_, err := ps.CampaignPage(ctx, tenant, c.q, relay.Args{})
			requireInvalid(t, err, c.field)
		}
		_, err := ps.CampaignPage(ctx, tenant, platforms.CampaignQuery{Search: strings.Repeat("é", 100),
			Order: platforms.CampaignOrder{Field: platforms.OrderROAS, From: to.AddDate(0, 0, -365), To: to}}, relay.Args{})
		require.NoError(t, err, "positive control: 100 characters and 366 days are fine")
	})
}

func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, ae.Code, "%v", err)
	require.Equal(t, field, strings.Join(ae.Field, "."), "%v", err)
}

func TestCampaignMetrics(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, false)
	ctx := context.Background()
	ids := insertCampaigns(t, ps, tenant, []campaignSpec{
		// Amounts that are not whole cents: sums stay exact, the CPA rounds to a micro.
		{name: "a", platform: platforms.Meta, status: platforms.CampaignActive, spend: 10_000_001, revenue: 30_000_005, conversions: 3},
		{name: "idle", platform: platforms.Meta, status: platforms.CampaignActive},
	})
	// A second day in the next week for "a".
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&platforms.DailyMetrics{TenantID: tenant, CampaignID: ids["a"], Day: day0.AddDate(0, 0, 8),
			SpendMicros: 5_000_000, RevenueMicros: 0, Impressions: 3000, Clicks: 20, Conversions: 0.5}).Exec(ctx)
		return err
	}))
	from, to := day0.AddDate(0, 0, -2), day0.AddDate(0, 0, 9) // Sat 31 Oct .. Wed 11 Nov
	r := platforms.MetricsRange{From: from, To: to, Granularity: platforms.GranularityDay}
	m, err := ps.CampaignMetricsByID(ctx, tenant, []uuid.UUID{ids["a"], ids["idle"]}, r)
	require.NoError(t, err)

	a := m[ids["a"]]
	require.Len(t, a.Points, 12, "one point per day, zeros included")
	require.Equal(t, day0, a.Points[2].Date)
	require.Equal(t, int64(10_000_001), a.Points[2].SpendMicros)
	require.Zero(t, a.Points[3].SpendMicros)
	tot := a.Totals
	require.Equal(t, platforms.MetricSums{SpendMicros: 15_000_001, RevenueMicros: 30_000_005, Impressions: 4000, Clicks: 30, Conversions: 3.5}, tot)
	roas, ok := tot.ROAS()
	require.True(t, ok)
	require.Equal(t, 30_000_005.0/15_000_001.0, roas)
	cpa, ok := tot.CPAMicros()
	require.True(t, ok)
	require.Equal(t, int64(4_285_715), cpa, "15.000001 / 3.5 = 4.2857145… rounds to 4.285715")
	ctr, ok := tot.CTR()
	require.True(t, ok)
	require.Equal(t, 30.0/4000.0, ctr)

	idle := m[ids["idle"]].Totals
	_, ok = idle.ROAS()
	require.False(t, ok, "no ROAS without spend")
	_, ok = idle.CPAMicros()
	require.False(t, ok, "no CPA without conversions")
	_, ok = idle.CTR()
	require.False(t, ok, "no CTR without impressions")

	t.Run("weeks start on Monday, the first bucket at from", func(t *testing.T) {
		r := r
		r.Granularity = platforms.GranularityWeek
		m, err := ps.CampaignMetricsByID(ctx, tenant, []uuid.UUID{ids["a"]}, r)
		require.NoError(t, err)
		var dates []string
		for _, p := range m[ids["a"]].Points {
			dates = append(dates, p.Date.Format(time.DateOnly))
		}
		require.Equal(t, []string{"2026-10-31", "2026-11-02", "2026-11-09"}, dates)
		require.Equal(t, int64(10_000_001), m[ids["a"]].Points[1].SpendMicros)
		require.Equal(t, int64(5_000_000), m[ids["a"]].Points[2].SpendMicros)
	})
	t.Run("months", func(t *testing.T) {
		r := r
		r.Granularity = platforms.GranularityMonth
		m, err := ps.CampaignMetricsByID(ctx, tenant, []uuid.UUID{ids["a"]}, r)
		require.NoError(t, err)
		require.Len(t, m[ids["a"]].Points, 2)
		require.Equal(t, int64(15_000_001), m[ids["a"]].Points[1].SpendMicros)
	})
	t.Run("bad ranges", func(t *testing.T) {
		for _, c := range []struct {
			r     platforms.MetricsRange
			field string
		}{
			{platforms.MetricsRange{From: to, To: from, Granularity: platforms.GranularityDay}, "to"},
			{platforms.MetricsRange{From: to.AddDate(0, 0, -366), To: to, Granularity: platforms.GranularityDay}, "to"},
			{platforms.MetricsRange{From: from, To: to, Granularity: "HOUR"}, "granularity"},
		} {
			_, err := ps.CampaignMetricsByID(ctx, tenant, []uuid.UUID{ids["a"]}, c.r)
			requireInvalid(t, err, c.field)
		}
		_, err := ps.CampaignMetricsByID(ctx, tenant, []uuid.UUID{ids["a"]}, platforms.MetricsRange{From: to.AddDate(0, 0, -365), To: to, Granularity: platforms.GranularityDay})
		require.NoError(t, err, "positive control: 366 days")
	})
}

func TestCampaignTotals(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, false)
	ctx := context.Background()
	ids := insertCampaigns(t, ps, tenant, []campaignSpec{
		{name: "us one", platform: platforms.Meta, status: platforms.CampaignActive, spend: 10_000_001, revenue: 20_000_000, conversions: 2},
		{name: "us two", platform: platforms.Google, status: platforms.CampaignPaused, spend: 5_000_000, revenue: 0, conversions: 0.5},
		{name: "eu one", platform: platforms.Meta, status: platforms.CampaignActive, spend: 7_000_000, revenue: 7_000_000, conversions: 1},
		{name: "eu idle", platform: platforms.Meta, status: platforms.CampaignActive},
	})
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*platforms.Campaign)(nil)).Set("currency = 'EUR'").
			Where("id IN (?)", bun.List([]uuid.UUID{ids["eu one"], ids["eu idle"]})).Exec(ctx)
		return err
	}))
	from, to := day0.AddDate(0, 0, -1), day0

	got, err := ps.CampaignTotals(ctx, tenant, platforms.CampaignQuery{}, from, to)
	require.NoError(t, err)
	require.Equal(t, []platforms.CurrencyTotals{
		{Currency: "EUR", Campaigns: 2, MetricSums: platforms.MetricSums{SpendMicros: 7_000_000, RevenueMicros: 7_000_000, Impressions: 1000, Clicks: 10, Conversions: 1}},
		{Currency: "USD", Campaigns: 2, MetricSums: platforms.MetricSums{SpendMicros: 15_000_001, RevenueMicros: 20_000_000, Impressions: 2000, Clicks: 20, Conversions: 2.5}},
	}, got, "one total per currency, never added across currencies")

	got, err = ps.CampaignTotals(ctx, tenant, platforms.CampaignQuery{Platform: platforms.Meta, Search: "US"}, from, to)
	require.NoError(t, err)
	require.Equal(t, []platforms.CurrencyTotals{{Currency: "USD", Campaigns: 1,
		MetricSums: platforms.MetricSums{SpendMicros: 10_000_001, RevenueMicros: 20_000_000, Impressions: 1000, Clicks: 10, Conversions: 2}}}, got,
		"the filters apply")

	got, err = ps.CampaignTotals(ctx, tenant, platforms.CampaignQuery{}, from.AddDate(0, 0, -10), from.AddDate(0, 0, -5))
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Zero(t, got[0].SpendMicros, "days without delivery sum to zero")

	_, err = ps.CampaignTotals(ctx, tenant, platforms.CampaignQuery{}, to, from)
	requireInvalid(t, err, "to")
}

// A forged campaign cursor — its sort value not one the ordering's column
// could hold — is BAD_USER_INPUT at its argument; before, the value was
// cast in SQL and the statement's failure reached the client as INTERNAL.
func TestForgedCampaignCursorsAreRefused(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, false)
	ctx := context.Background()
	insertCampaigns(t, ps, tenant, []campaignSpec{
		{name: "a", platform: platforms.Google, status: platforms.CampaignActive, spend: 100_000_000, revenue: 300_000_000, conversions: 4},
		{name: "b", platform: platforms.Meta, status: platforms.CampaignActive, spend: 50_000_000, revenue: 50_000_000, conversions: 1},
	})
	one := 1
	for _, field := range []string{platforms.OrderCreatedAt, platforms.OrderName, platforms.OrderSpend} {
		q := platforms.CampaignQuery{Order: platforms.CampaignOrder{Field: field, From: day0, To: day0}}
		p, err := ps.CampaignPage(ctx, tenant, q, relay.Args{First: &one})
		require.NoError(t, err)
		raw, err := base64.RawURLEncoding.DecodeString(p.Cursors[0])
		require.NoError(t, err)
		parts := strings.SplitN(string(raw), "|", 5)
		require.Len(t, parts, 5)
		_, err = ps.CampaignPage(ctx, tenant, q, relay.Args{First: &one, After: &p.Cursors[0]})
		require.NoError(t, err, "positive control: %s's own cursor", field)
		for _, key := range []string{"x", "99999-13-45 25:00:00+00", "1e999999", "a\x00b"} {
			if field == platforms.OrderName && key != "a\x00b" {
				continue // any text is a name
			}
			forged := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(append(parts[:4:4], key), "|")))
			_, err := ps.CampaignPage(ctx, tenant, q, relay.Args{First: &one, After: &forged})
			e, ok := apperr.As(err)
			require.True(t, ok, "%s %q: %v", field, key, err)
			require.Equal(t, apperr.BadUserInput, e.Code, "%s %q", field, key)
			require.Equal(t, []string{"after"}, e.Field)
		}
	}
}
