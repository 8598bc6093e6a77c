package signals_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/signals"
)

var cfg = signals.DefaultConfig()

func TestEMQScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		emqs  []float64
		want  float64
		known bool
	}{
		{"none known yet", nil, 75, false},
		{"one platform scaled ×10", []float64{7.9}, 79, true},
		{"averaged across platforms", []float64{8, 6, 4}, 60, true},
		{"clamped to 100", []float64{12}, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, known := cfg.EMQScore(tc.emqs)
			require.InDelta(t, tc.want, got, 1e-9)
			require.Equal(t, tc.known, known)
		})
	}
}

func TestFreshnessScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		age  time.Duration
		want float64
	}{
		{0, 100},
		{24 * time.Hour, 100},
		{24*time.Hour + time.Second, 100 - 100.0/(24*3600)},
		{36 * time.Hour, 50},
		{48*time.Hour - time.Second, 100.0 / (24 * 3600)},
		{48 * time.Hour, 0},
		{72 * time.Hour, 0},
	} {
		t.Run(tc.age.String(), func(t *testing.T) {
			require.InDelta(t, tc.want, cfg.FreshnessScore(tc.age), 1e-9)
		})
	}
}

func TestVarianceScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v, want float64
	}{
		{0, 100},
		{0.10, 100},
		{0.1001, 100 - 30*0.0001/0.05},
		{0.125, 85},
		{0.15, 70},
		// Beyond 15% the published formula max(0, 100 − (v − 0.10)·500) applies as is.
		{0.1501, 100 - 0.0501*500},
		{0.20, 50},
		{0.30, 0},
		{0.80, 0},
	} {
		t.Run("", func(t *testing.T) {
			require.InDelta(t, tc.want, cfg.VarianceScore(tc.v), 1e-9, "v=%v", tc.v)
		})
	}
	require.Equal(t, 0.0, signals.Divergence(0, 0))
	require.Equal(t, 1.0, signals.Divergence(5, 0))
	require.InDelta(t, 0.1, signals.Divergence(110, 100), 1e-12)
	require.InDelta(t, 0.1, signals.Divergence(90, 100), 1e-12)
}

func TestAnomaly(t *testing.T) {
	t.Parallel()
	// History with mean 100 and population standard deviation 10.
	hist := []float64{90, 110, 90, 110, 90, 110, 90, 110}
	for _, tc := range []struct {
		name          string
		history       []float64
		latest        float64
		anomalous, ok bool
	}{
		{"z exactly 3 is not anomalous", hist, 130, false, true},
		{"z just above 3 is anomalous", hist, 130.001, true, true},
		{"below the mean counts too", hist, 69.999, true, true},
		{"6 days of history is too little", hist[:6], 500, false, false},
		{"7 days of history is enough", hist[:7], 500, true, true},
		{"flat history, same value", []float64{5, 5, 5, 5, 5, 5, 5}, 5, false, true},
		{"flat history, any change", []float64{5, 5, 5, 5, 5, 5, 5}, 6, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, ok := cfg.IsAnomalous(tc.history, tc.latest)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.anomalous, a)
		})
	}
	require.InDelta(t, 3, signals.ZScore(hist, 130), 1e-12)
	require.True(t, math.IsInf(signals.ZScore([]float64{1, 1}, 2), 1))

	for _, tc := range []struct {
		anomalous, checked int
		want               float64
	}{
		{0, 0, 90}, {0, 4, 100}, {1, 4, 80}, {1, 5, 80}, {2, 4, 50}, {2, 5, 50}, {3, 5, 20}, {3, 4, 20}, {4, 4, 20},
	} {
		require.Equal(t, tc.want, cfg.AnomalyScore(tc.anomalous, tc.checked), "%d of %d", tc.anomalous, tc.checked)
	}
}

func TestCombine(t *testing.T) {
	t.Parallel()
	c := func(name string, score float64) signals.Component {
		return signals.Component{Name: name, Score: score, Known: true}
	}
	t.Run("without CDP the published weights apply", func(t *testing.T) {
		score, comps := cfg.Combine(c("EMQ", 100), c("FRESHNESS", 0), c("VARIANCE", 0), c("ANOMALY", 0), nil)
		require.Equal(t, 40.0, score)
		score, _ = cfg.Combine(c("EMQ", 0), c("FRESHNESS", 100), c("VARIANCE", 0), c("ANOMALY", 0), nil)
		require.Equal(t, 25.0, score)
		score, _ = cfg.Combine(c("EMQ", 0), c("FRESHNESS", 0), c("VARIANCE", 100), c("ANOMALY", 0), nil)
		require.Equal(t, 20.0, score)
		score, _ = cfg.Combine(c("EMQ", 0), c("FRESHNESS", 0), c("VARIANCE", 0), c("ANOMALY", 100), nil)
		require.Equal(t, 15.0, score)
		var weights []float64
		for _, x := range comps {
			weights = append(weights, x.Weight)
		}
		require.Equal(t, []float64{0.4, 0.25, 0.2, 0.15}, weights)
	})
	t.Run("with CDP it takes 10% and the others ×0.9", func(t *testing.T) {
		cdp := c("CDP", 100)
		score, comps := cfg.Combine(c("EMQ", 0), c("FRESHNESS", 0), c("VARIANCE", 0), c("ANOMALY", 0), &cdp)
		require.Equal(t, 10.0, score)
		var weights []float64
		for _, x := range comps {
			weights = append(weights, x.Weight)
		}
		require.Equal(t, []float64{0.36, 0.225, 0.18, 0.135, 0.1}, weights)
		score, _ = cfg.Combine(c("EMQ", 100), c("FRESHNESS", 0), c("VARIANCE", 0), c("ANOMALY", 0), &cdp)
		require.Equal(t, 46.0, score)
		zero := c("CDP", 0)
		score, _ = cfg.Combine(c("EMQ", 100), c("FRESHNESS", 100), c("VARIANCE", 100), c("ANOMALY", 100), &zero)
		require.Equal(t, 90.0, score)
	})
}

func TestStatusHysteresis(t *testing.T) {
	t.Parallel()
	H, D, U := signals.Healthy, signals.Degraded, signals.Unhealthy
	for _, tc := range []struct {
		score float64
		prev  signals.Status
		want  signals.Status
	}{
		{70, "", H}, {69.99, "", D}, {40, "", D}, {39.99, "", U},
		{69, H, H}, {68, H, H}, {67.99, H, D},
		{71.99, D, D}, {72, D, H},
		{40, D, D}, {38, D, D}, {37.99, D, U},
		{41.99, U, U}, {42, U, D}, {90, U, H}, {10, H, U},
		{70, H, H}, {70, D, D},
	} {
		require.Equal(t, tc.want, cfg.StatusFor(tc.score, tc.prev), "score %v from %q", tc.score, tc.prev)
	}
}
