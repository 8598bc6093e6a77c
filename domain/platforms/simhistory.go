package platforms

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/derrors"
)

// SimulatedHistoryDays is how far back SeedHistory makes up signal-health
// history.
const SimulatedHistoryDays = 30

// SeedHistory gives a simulated (demo) tenant SimulatedHistoryDays of made-up
// hourly signal-health history, overall and for the simulated platform, up
// to the hour before now, marked simulated, so the dashboard's 24 h / 7 d /
// 30 d charts show what the product does before it has run that long. Hours
// that already have history (real or seeded) are kept: seeding again only
// fills the hours the server was not running.
//
// The made-up history is a healthy score around 93 with, on about one day
// in five, a dip of a few hours (the kind an EMQ drop or a reporting delay
// causes) that recovers. It depends only on the tenant and the hour, so
// every seed tells the same story.
func (m *Sim) SeedHistory(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "platforms.Sim.SeedHistory(%v)", tenant)
	return m.inTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ok, err := simulated(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return errNotSimulated
		}
		end := m.Platforms.DB.Now(ctx).UTC().Truncate(time.Hour)
		return m.Platforms.Signals.SeedSimulatedHistoryTx(ctx, tx, tenant, simHistory(tenant, end.Add(-SimulatedHistoryDays*24*time.Hour), end))
	})
}

// simHistory makes up the hours in [from, to), overall and for the
// simulated platform.
func simHistory(tenant uuid.UUID, from, to time.Time) []signals.SimulatedHour {
	var out []signals.SimulatedHour
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		overall := simHour(tenant, h)
		out = append(out, overall)
		// The platform's own score leaves out first-party (CDP) data and
		// moves with the overall one, a little lower.
		p := overall
		p.Platform = Simulator
		shift := 1 + 0.5*noise(tenant, h.Unix(), "platform")
		p.Average, p.Min, p.Max, p.Last = clampScore(p.Average-shift), clampScore(p.Min-shift), clampScore(p.Max-shift), clampScore(p.Last-shift)
		out = append(out, p)
	}
	return out
}

// simHour is the overall score in the hour starting at h.
func simHour(tenant uuid.UUID, h time.Time) signals.SimulatedHour {
	base := func(t time.Time) float64 {
		return 93 + 1.2*noise(tenant, t.Unix()/3600, "base") - dip(tenant, t)
	}
	start, end := base(h), base(h.Add(time.Hour))
	last := clampScore(end)
	avg := clampScore((start + end) / 2)
	lo := clampScore(math.Min(start, end) - 0.8*math.Abs(noise(tenant, h.Unix(), "low")))
	hi := clampScore(math.Max(start, end) + 0.4*math.Abs(noise(tenant, h.Unix(), "high")))
	return signals.SimulatedHour{Platform: signals.Overall, Hour: h, Average: avg, Min: math.Min(lo, last), Max: math.Max(hi, last), Last: last}
}

// dip is how many points the day's simulated problem costs at t: on about
// one day in five a problem starts at a made-up hour, costs 15–40 points
// for 2–7 hours and recovers over its last third.
func dip(tenant uuid.UUID, t time.Time) float64 {
	day := t.Truncate(24 * time.Hour)
	d := day.Unix() / 86400
	if noise(tenant, d, "incident") < 0.6 {
		return 0
	}
	startHour := 6 + int((noise(tenant, d, "start")+1)*6) // 06:00–18:00
	length := 2 + int((noise(tenant, d, "length")+1)*2.5)
	depth := 15 + (noise(tenant, d, "depth")+1)*12.5
	start := day.Add(time.Duration(startHour) * time.Hour)
	into := t.Sub(start).Hours()
	total := float64(length)
	switch {
	case into < 0 || into >= total:
		return 0
	case into < total*2/3:
		return depth
	}
	return depth * (total - into) / (total / 3)
}

func clampScore(v float64) float64 { return math.Max(0, math.Min(100, v)) }
