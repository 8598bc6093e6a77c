package signals

import "time"

// Weights are the components' shares of a score. They need not sum to 1:
// Combine normalises over the components present.
type Weights struct {
	EMQ       float64 // default 0.40
	Freshness float64 // default 0.25
	Variance  float64 // default 0.20
	Anomaly   float64 // default 0.15
	// CDP is the CDP component's share when the CDP contributes (default
	// 0.10); the other four are then scaled by 1 − CDP (0.9).
	CDP float64
}

// Config holds every weight and threshold of the score. DefaultConfig is the
// published Stratum design; tenants share one Config today.
type Config struct {
	Weights Weights

	// EMQUnknownScore is the EMQ component when no platform has reported EMQ yet (default 75).
	EMQUnknownScore float64
	// FreshFor is the data age up to which freshness is 100 (default 24 h).
	FreshFor time.Duration
	// StaleAt is the data age at which freshness reaches 0, linearly from FreshFor (default 48 h).
	StaleAt time.Duration

	// VarianceOK is the divergence up to which variance scores 100 (default 0.10).
	VarianceOK float64
	// VarianceSoft is the end of the linear band (default 0.15).
	VarianceSoft float64
	// VarianceSoftDrop is the points lost across the linear band (default 30).
	VarianceSoftDrop float64
	// VarianceSlope is the points per unit of divergence beyond VarianceSoft,
	// counted from VarianceOK: max(0, 100 − (v − VarianceOK)·slope) (default 500).
	VarianceSlope float64
	// VarianceUnknownScore applies when no platform/first-party pair is known (default 90).
	VarianceUnknownScore float64

	// AnomalyZ is the z-score above which a metric is anomalous (default 3, strictly greater).
	AnomalyZ float64
	// AnomalyMinHistory is the number of daily values needed besides the latest (default 7).
	AnomalyMinHistory int
	// AnomalyWindow is how far back history is read (default 30 days).
	AnomalyWindow time.Duration
	// AnomalyUnknownScore applies with too little history (default 90).
	AnomalyUnknownScore float64

	// HealthyAt and DegradedAt are the status thresholds (defaults 70 and 40).
	HealthyAt, DegradedAt float64
	// Hysteresis is the margin a score must cross a threshold by to change
	// status (default 2: leave HEALTHY below 68, return at 72).
	Hysteresis float64

	// EMQDropPoints is the EMQ fall (0–10 scale) within EMQDropWindow that
	// counts as a sharp drop (defaults 2.0 within 6 h).
	EMQDropPoints float64
	EMQDropWindow time.Duration
}

// DefaultConfig returns the published weights and thresholds.
func DefaultConfig() Config {
	return Config{
		Weights:              Weights{EMQ: 0.40, Freshness: 0.25, Variance: 0.20, Anomaly: 0.15, CDP: 0.10},
		EMQUnknownScore:      75,
		FreshFor:             24 * time.Hour,
		StaleAt:              48 * time.Hour,
		VarianceOK:           0.10,
		VarianceSoft:         0.15,
		VarianceSoftDrop:     30,
		VarianceSlope:        500,
		VarianceUnknownScore: 90,
		AnomalyZ:             3,
		AnomalyMinHistory:    7,
		AnomalyWindow:        30 * 24 * time.Hour,
		AnomalyUnknownScore:  90,
		HealthyAt:            70,
		DegradedAt:           40,
		Hysteresis:           2,
		EMQDropPoints:        2.0,
		EMQDropWindow:        6 * time.Hour,
	}
}
