package signals

import (
	"math"
	"time"
)

// Component names, as shown in Health.Components and in issues.
const (
	ComponentEMQ       = "EMQ"
	ComponentFreshness = "FRESHNESS"
	ComponentVariance  = "VARIANCE"
	ComponentAnomaly   = "ANOMALY"
	ComponentCDP       = "CDP"
)

// Component is one weighted part of a score.
type Component struct {
	Name   string  `json:"name"`
	Score  float64 `json:"score"`
	Weight float64 `json:"weight"`
	// BaseWeight is the configured weight before renormalisation: with CDP
	// data, CDP takes its base weight and the others are scaled by 1 − CDP's.
	BaseWeight float64 `json:"baseWeight"`
	// Known is false when the score is the "no data yet" default.
	Known bool `json:"known"`
}

func clamp(v float64) float64 { return math.Max(0, math.Min(100, v)) }

// EMQScore scales platform EMQ values (0–10) to 0–100 and averages them;
// with none known it returns cfg.EMQUnknownScore and false.
func (cfg Config) EMQScore(emqs []float64) (float64, bool) {
	if len(emqs) == 0 {
		return cfg.EMQUnknownScore, false
	}
	sum := 0.0
	for _, e := range emqs {
		sum += clamp(e * 10)
	}
	return sum / float64(len(emqs)), true
}

// FreshnessScore is 100 while the newest data is at most FreshFor old and
// falls linearly to 0 at StaleAt.
func (cfg Config) FreshnessScore(age time.Duration) float64 {
	switch {
	case age <= cfg.FreshFor:
		return 100
	case age >= cfg.StaleAt:
		return 0
	}
	return 100 * float64(cfg.StaleAt-age) / float64(cfg.StaleAt-cfg.FreshFor)
}

// Divergence is |platform − firstParty| / firstParty; 0 when both are 0 and
// 1 (100%) when only first-party is 0.
func Divergence(platform, firstParty float64) float64 {
	if firstParty == 0 {
		if platform == 0 {
			return 0
		}
		return 1
	}
	return math.Abs(platform-firstParty) / math.Abs(firstParty)
}

// VarianceScore scores a divergence v: 100 up to VarianceOK, a linear drop of
// VarianceSoftDrop points up to VarianceSoft, then
// max(0, 100 − (v − VarianceOK)·VarianceSlope) as published.
func (cfg Config) VarianceScore(v float64) float64 {
	switch {
	case v <= cfg.VarianceOK:
		return 100
	case v <= cfg.VarianceSoft:
		return 100 - cfg.VarianceSoftDrop*(v-cfg.VarianceOK)/(cfg.VarianceSoft-cfg.VarianceOK)
	}
	return math.Max(0, 100-(v-cfg.VarianceOK)*cfg.VarianceSlope)
}

// ZScore is how many standard deviations latest lies from history's mean
// (population standard deviation). A flat history gives 0 for an equal
// value and +Inf for any other.
func ZScore(history []float64, latest float64) float64 {
	n := float64(len(history))
	if n == 0 {
		return 0
	}
	mean := 0.0
	for _, h := range history {
		mean += h
	}
	mean /= n
	ss := 0.0
	for _, h := range history {
		ss += (h - mean) * (h - mean)
	}
	sd := math.Sqrt(ss / n)
	d := math.Abs(latest - mean)
	if sd == 0 {
		if d < 1e-9 {
			return 0
		}
		return math.Inf(1)
	}
	return d / sd
}

// IsAnomalous says whether latest is anomalous against history; ok is false
// with fewer than AnomalyMinHistory values of history.
func (cfg Config) IsAnomalous(history []float64, latest float64) (anomalous, ok bool) {
	if len(history) < cfg.AnomalyMinHistory {
		return false, false
	}
	return ZScore(history, latest) > cfg.AnomalyZ, true
}

// AnomalyScore maps the anomalous share of checked metrics to a score:
// none → 100, ≤ 25% → 80, ≤ 50% → 50, more → 20; nothing checked →
// AnomalyUnknownScore.
func (cfg Config) AnomalyScore(anomalous, checked int) float64 {
	if checked == 0 {
		return cfg.AnomalyUnknownScore
	}
	share := float64(anomalous) / float64(checked)
	switch {
	case anomalous == 0:
		return 100
	case share <= 0.25:
		return 80
	case share <= 0.50:
		return 50
	}
	return 20
}

// Combine weights the four core components and, when cdp is non-nil, the
// CDP component (taking Weights.CDP, the others scaled by 1 − Weights.CDP).
// It returns the score and the components with their effective weights.
func (cfg Config) Combine(emq, freshness, variance, anomaly Component, cdp *Component) (float64, []Component) {
	w := cfg.Weights
	scale := 1.0
	emq.Weight, freshness.Weight, variance.Weight, anomaly.Weight = w.EMQ, w.Freshness, w.Variance, w.Anomaly
	comps := []Component{emq, freshness, variance, anomaly}
	if cdp != nil {
		scale = 1 - w.CDP
		c := *cdp
		c.Weight = w.CDP
		comps = append(comps, c)
	}
	total, weights := 0.0, 0.0
	for i := range comps {
		comps[i].BaseWeight = comps[i].Weight
		if comps[i].Name != ComponentCDP {
			comps[i].Weight *= scale
		}
		comps[i].Weight = round(comps[i].Weight, 4)
		total += comps[i].Weight * clamp(comps[i].Score)
		weights += comps[i].Weight
	}
	if weights == 0 {
		return 0, comps
	}
	return round(clamp(total/weights), 2), comps
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
