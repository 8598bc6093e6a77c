package signals_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

func newTenant(t testing.TB, tdb *testdb.DB) uuid.UUID {
	t.Helper()
	return testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
}

func TestRecompute(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := newTenant(t, tdb)
	now := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	tdb.Clock = clock.NewManual(now)
	s := &signals.Service{DB: tdb.DB, Config: signals.DefaultConfig()}
	measured := 0
	s.OnMeasured = func(context.Context, bun.Tx, uuid.UUID) error { measured++; return nil }

	record := func(ms ...signals.Measurement) {
		require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error { return s.Record(ctx, tx, tenant, ms) }))
	}
	m := func(platform, metric string, at time.Time, v float64) signals.Measurement {
		return signals.Measurement{Platform: platform, Metric: metric, Source: "test", ObservedAt: at, Value: v}
	}

	t.Run("no measurements, no health", func(t *testing.T) {
		changes, err := s.Recompute(ctx, tenant)
		require.NoError(t, err)
		require.Empty(t, changes)
		h, err := s.Get(ctx, tenant, signals.Overall)
		require.NoError(t, err)
		require.Nil(t, h)
	})

	t.Run("EMQ, freshness and variance per platform and overall", func(t *testing.T) {
		record(
			m("META", signals.MetricEMQ, now.Add(-time.Hour), 8),
			m("META", signals.MetricPlatformRevenue, now.Add(-36*time.Hour), 112),
			m("META", signals.MetricFirstPartyRevenue, now.Add(-36*time.Hour), 100),
			m("GOOGLE", signals.MetricSpend, now.Add(-2*time.Hour), 50),
		)
		require.Equal(t, 1, measured)
		_, err := s.Recompute(ctx, tenant)
		require.NoError(t, err)
		meta, err := s.Get(ctx, tenant, "META")
		require.NoError(t, err)
		// EMQ 80, freshness 50 (36 h), variance 88 (12%), anomaly 90 (no history).
		require.InDelta(t, 0.4*80+0.25*50+0.2*88+0.15*90, meta.Score, 0.01)
		require.Equal(t, signals.Healthy, meta.Status)
		require.Contains(t, meta.Issues[0].Message, "Meta data is 36 h old")
		google, err := s.Get(ctx, tenant, "GOOGLE")
		require.NoError(t, err)
		// EMQ unknown 75, fresh 100, variance unknown 90, anomaly 90.
		require.InDelta(t, 0.4*75+0.25*100+0.2*90+0.15*90, google.Score, 0.01)
		overall, err := s.Get(ctx, tenant, signals.Overall)
		require.NoError(t, err)
		require.InDelta(t, 0.4*80+0.25*75+0.2*89+0.15*90, overall.Score, 0.01)
	})

	t.Run("hysteresis keeps HEALTHY at 68 and leaves below it", func(t *testing.T) {
		// META: EMQ 6.1 → 61; freshness 50; variance 88; anomaly 90 → 68.0
		record(m("META", signals.MetricEMQ, now.Add(-30*time.Minute), 6.1))
		_, err := s.Recompute(ctx, tenant)
		require.NoError(t, err)
		meta, _ := s.Get(ctx, tenant, "META")
		require.InDelta(t, 68.0, meta.Score, 0.01)
		require.Equal(t, signals.Healthy, meta.Status)
		record(m("META", signals.MetricEMQ, now.Add(-20*time.Minute), 5.9))
		_, err = s.Recompute(ctx, tenant)
		require.NoError(t, err)
		meta, _ = s.Get(ctx, tenant, "META")
		require.InDelta(t, 67.2, meta.Score, 0.01)
		require.Equal(t, signals.Degraded, meta.Status)
		require.Contains(t, meta.Issues[0].Message, "Meta EMQ fell from 8.0 to 5.9")
	})

	t.Run("history keeps one row per hour and per day", func(t *testing.T) {
		page, err := s.History(ctx, tenant, signals.HistoryFilter{Platform: "META"}, relay.Args{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, 3, page.Items[0].Samples)
		require.Equal(t, now.Truncate(time.Hour), page.Items[0].Bucket.UTC())
		require.InDelta(t, 67.2, page.Items[0].ScoreMin, 0.01)
		page, err = s.History(ctx, tenant, signals.HistoryFilter{Platform: "META", Granularity: signals.Daily}, relay.Args{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		_, err = s.History(ctx, tenant, signals.HistoryFilter{Granularity: "WEEK"}, relay.Args{})
		require.Error(t, err)
	})

	t.Run("CDP quality adds the CDP component", func(t *testing.T) {
		record(m(signals.Overall, signals.MetricCDPMatchQuality, now.Add(-time.Hour), 40))
		_, err := s.Recompute(ctx, tenant)
		require.NoError(t, err)
		google, _ := s.Get(ctx, tenant, "GOOGLE")
		require.InDelta(t, 0.9*(0.4*75+0.25*100+0.2*90+0.15*90)+0.1*40, google.Score, 0.01)
		require.Len(t, google.Components, 5)
	})

	t.Run("invalid measurements are refused", func(t *testing.T) {
		err := tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return s.Record(ctx, tx, tenant, []signals.Measurement{{Platform: "meta", Metric: "emq", Source: "x", ObservedAt: now}})
		})
		require.ErrorContains(t, err, "platform")
	})
}

func TestAnomalyFromMeasurements(t *testing.T) {
	t.Parallel()
	cfg := signals.DefaultConfig()
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	var ms []signals.Measurement
	for d := 14; d >= 1; d-- {
		for _, metric := range signals.AnomalyMetrics {
			ms = append(ms, signals.Measurement{Platform: "TIKTOK", Metric: metric, Source: "t", ObservedAt: now.AddDate(0, 0, -d), Value: 100 + float64(d%2)*10})
		}
	}
	for i, metric := range signals.AnomalyMetrics {
		v := 105.0
		if i < 2 {
			v = 400 // spend and conversions anomalous
		}
		ms = append(ms, signals.Measurement{Platform: "TIKTOK", Metric: metric, Source: "t", ObservedAt: now, Value: v})
	}
	hs := cfg.Evaluate(now, ms, nil)
	require.Len(t, hs, 2)
	var anomaly signals.Component
	for _, c := range hs[1].Components {
		if c.Name == signals.ComponentAnomaly {
			anomaly = c
		}
	}
	require.Equal(t, 50.0, anomaly.Score, "2 of 4 metrics anomalous")
	require.Contains(t, hs[1].Issues[0].Message+hs[1].Issues[1].Message, "TikTok spend, conversions anomalous")
}

// What is recent is decided by the database clock: the same measurements
// are fresh, then stale, then out of the window as the clock moves on,
// and the times a recompute and a measurement store are the clock's.
func TestWindowsFollowTheClock(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := newTenant(t, tdb)
	start := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	c := clock.NewManual(start)
	tdb.Clock = c
	s := &signals.Service{DB: tdb.DB, Config: signals.DefaultConfig()}
	observed := start.Add(-time.Hour)
	record := func() {
		t.Helper()
		require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return s.Record(ctx, tx, tenant, []signals.Measurement{
				{Platform: "META", Metric: signals.MetricPlatformRevenue, Source: "test", ObservedAt: observed, Value: 103},
				{Platform: "META", Metric: signals.MetricFirstPartyRevenue, Source: "test", ObservedAt: observed, Value: 100},
			})
		}))
	}
	recordedAt := func() (at []time.Time) {
		t.Helper()
		require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT DISTINCT recorded_at FROM signal_measurements").Scan(ctx, &at)
		}))
		for i := range at {
			at[i] = at[i].UTC()
		}
		return at
	}
	// freshness recomputes and returns META's freshness component and
	// when the health was computed.
	freshness := func() (signals.Component, time.Time) {
		t.Helper()
		_, err := s.Recompute(ctx, tenant)
		require.NoError(t, err)
		h, err := s.Get(ctx, tenant, "META")
		require.NoError(t, err)
		require.NotNil(t, h)
		for _, comp := range h.Components {
			if comp.Name == signals.ComponentFreshness {
				return comp, h.ComputedAt.UTC()
			}
		}
		t.Fatal("no freshness component")
		return signals.Component{}, time.Time{}
	}

	record()
	require.Equal(t, []time.Time{start}, recordedAt())
	fr, computed := freshness()
	require.True(t, fr.Known)
	require.Equal(t, 100.0, fr.Score, "an hour old: fresh")
	require.Equal(t, start, computed)

	c.Advance(35 * time.Hour)
	fr, computed = freshness()
	require.True(t, fr.Known)
	require.Equal(t, 50.0, fr.Score, "36 h old by the clock: half stale")
	require.Equal(t, start.Add(35*time.Hour), computed)
	record() // the same values again: recorded_at follows the clock
	require.Equal(t, []time.Time{start.Add(35 * time.Hour)}, recordedAt())

	later := observed.Add(signals.DefaultConfig().AnomalyWindow + time.Minute)
	c.Set(later)
	fr, computed = freshness()
	require.False(t, fr.Known, "older than the window by the clock: not read at all")
	require.Equal(t, later, computed)
}
