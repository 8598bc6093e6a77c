package signals

// Status is a health band.
type Status string

// The health bands, best first.
const (
	Healthy   Status = "HEALTHY"
	Degraded  Status = "DEGRADED"
	Unhealthy Status = "UNHEALTHY"
)

func (s Status) rank() int {
	switch s {
	case Healthy:
		return 0
	case Degraded:
		return 1
	}
	return 2
}

// Worse reports whether s is a worse band than t.
func (s Status) Worse(t Status) bool { return s.rank() > t.rank() }

// RawStatus is the band of score without hysteresis.
func (cfg Config) RawStatus(score float64) Status {
	switch {
	case score >= cfg.HealthyAt:
		return Healthy
	case score >= cfg.DegradedAt:
		return Degraded
	}
	return Unhealthy
}

// StatusFor is the band of score given the previous band prev ("" when
// none): the band changes only when score crosses a threshold by more than
// cfg.Hysteresis (leave HEALTHY below 68, return at 72, with the defaults).
func (cfg Config) StatusFor(score float64, prev Status) Status {
	return Band(score, prev, cfg.Hysteresis, cfg.RawStatus)
}

// Band applies hysteresis of margin to a banding function raw: moving to a
// worse band needs raw(score + margin) to be worse than prev, moving to a
// better one needs raw(score − margin) to be better. Exported so the
// autopilot mode (domain/automation) uses the same rule.
func Band[B interface{ Worse(B) bool }](score float64, prev B, margin float64, raw func(float64) B) B {
	var zero B
	if any(prev) == any(zero) {
		return raw(score)
	}
	if down := raw(score + margin); down.Worse(prev) {
		return down
	}
	if up := raw(score - margin); prev.Worse(up) {
		return up
	}
	return prev
}
