package signals

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Issue explains points a score lost, naming the component and platform.
type Issue struct {
	Component string `json:"component"`
	// Platform is the platform at fault ("" for tenant-wide inputs such as the CDP).
	Platform string `json:"platform"`
	Message  string `json:"message"`
	// Impact is the points the issue costs the score it is listed on.
	Impact float64 `json:"impact"`
}

// EMQDrop is a sharp fall of a platform's EMQ within Config.EMQDropWindow.
type EMQDrop struct {
	From, To float64
	Over     time.Duration
}

// PlatformName is a platform's display name.
func PlatformName(p string) string {
	switch p {
	case "META":
		return "Meta"
	case "GOOGLE":
		return "Google Ads"
	case "TIKTOK":
		return "TikTok"
	case "SNAPCHAT":
		return "Snapchat"
	case "SIMULATOR":
		return "Simulator"
	case Overall:
		return "Overall"
	}
	return p
}

type point struct {
	at time.Time
	v  float64
}

// series holds one platform's measurements by metric, oldest first.
type series map[string][]point

// daily keeps the last value per UTC day, oldest first.
func daily(ps []point) []point {
	var out []point
	for _, p := range ps {
		d := p.at.UTC().Truncate(24 * time.Hour)
		if n := len(out); n > 0 && out[n-1].at.Equal(d) {
			out[n-1].v = p.v
			continue
		}
		out = append(out, point{d, p.v})
	}
	return out
}

func latest(ps []point) (point, bool) {
	if len(ps) == 0 {
		return point{}, false
	}
	return ps[len(ps)-1], true
}

// groupMeasurements splits ms by platform and metric, each sorted by time.
func groupMeasurements(ms []Measurement) map[string]series {
	out := map[string]series{}
	for _, m := range ms {
		s := out[m.Platform]
		if s == nil {
			s = series{}
			out[m.Platform] = s
		}
		s[m.Metric] = append(s[m.Metric], point{m.ObservedAt, m.Value})
	}
	for _, s := range out {
		for _, ps := range s {
			sort.SliceStable(ps, func(i, j int) bool { return ps[i].at.Before(ps[j].at) })
		}
	}
	return out
}

// platformResult is one platform's evaluation before status and hysteresis.
type platformResult struct {
	platform   string
	emq        *float64
	drop       *EMQDrop
	outage     bool
	emqC, frC  Component
	varC, anC  Component
	issues     []Issue
	newestData time.Time
}

func (cfg Config) evalPlatform(now time.Time, platform string, s series) platformResult {
	r := platformResult{platform: platform}
	name := PlatformName(platform)

	// EMQ and sharp drops.
	r.emqC = Component{Name: ComponentEMQ, Score: cfg.EMQUnknownScore}
	if l, ok := latest(s[MetricEMQ]); ok {
		v := l.v
		r.emq = &v
		r.emqC.Score, r.emqC.Known = clamp(v*10), true
		peak, peakAt := v, l.at
		for _, p := range s[MetricEMQ] {
			if !p.at.Before(l.at.Add(-cfg.EMQDropWindow)) && p.v > peak {
				peak, peakAt = p.v, p.at
			}
		}
		if peak-v >= cfg.EMQDropPoints {
			r.drop = &EMQDrop{From: peak, To: v, Over: l.at.Sub(peakAt)}
		}
	}

	// Freshness: age of the newest measurement other than status and EMQ.
	for metric, ps := range s {
		if metric == MetricPlatformUp || metric == MetricEMQ {
			continue
		}
		if l, ok := latest(ps); ok && l.at.After(r.newestData) {
			r.newestData = l.at
		}
	}
	r.frC = Component{Name: ComponentFreshness, Known: !r.newestData.IsZero()}
	if r.frC.Known {
		r.frC.Score = cfg.FreshnessScore(now.Sub(r.newestData))
	}

	// Variance: the worse of revenue and conversions on the newest day both sides report.
	r.varC = Component{Name: ComponentVariance, Score: cfg.VarianceUnknownScore}
	worst, worstWhat := -1.0, ""
	for _, pair := range [][3]string{
		{MetricPlatformRevenue, MetricFirstPartyRevenue, "revenue"},
		{MetricPlatformConversions, MetricFirstPartyConversions, "conversions"},
	} {
		if d, ok := latestPair(daily(s[pair[0]]), daily(s[pair[1]])); ok && d > worst {
			worst, worstWhat = d, pair[2]
		}
	}
	if worst >= 0 {
		r.varC.Score, r.varC.Known = cfg.VarianceScore(worst), true
	}

	// Anomaly: the newest daily value of each metric against its history.
	r.anC = Component{Name: ComponentAnomaly, Score: cfg.AnomalyUnknownScore}
	var anomalous []string
	checked := 0
	for _, metric := range AnomalyMetrics {
		d := daily(s[metric])
		if len(d) == 0 {
			continue
		}
		hist := make([]float64, 0, len(d)-1)
		for _, p := range d[:len(d)-1] {
			hist = append(hist, p.v)
		}
		a, ok := cfg.IsAnomalous(hist, d[len(d)-1].v)
		if !ok {
			continue
		}
		checked++
		if a {
			anomalous = append(anomalous, metric)
		}
	}
	r.anC.Score, r.anC.Known = cfg.AnomalyScore(len(anomalous), checked), checked > 0

	if l, ok := latest(s[MetricPlatformUp]); ok && l.v < 0.5 {
		r.outage = true
	}

	// Explanations, with the points each costs this platform's score.
	w := cfg.Weights
	lost := func(weight, score float64) float64 { return round(weight*(100-score), 2) }
	if r.outage {
		r.issues = append(r.issues, Issue{Component: ComponentFreshness, Platform: platform, Message: fmt.Sprintf("%s reports an outage", name)})
	}
	switch {
	case r.drop != nil:
		r.issues = append(r.issues, Issue{ComponentEMQ, platform, fmt.Sprintf("%s EMQ fell from %.1f to %.1f in %s", name, r.drop.From, r.drop.To, humanDuration(r.drop.Over)), lost(w.EMQ, r.emqC.Score)})
	case r.emq != nil && r.emqC.Score < cfg.HealthyAt:
		r.issues = append(r.issues, Issue{ComponentEMQ, platform, fmt.Sprintf("%s EMQ is %.1f/10", name, *r.emq), lost(w.EMQ, r.emqC.Score)})
	case r.emq == nil:
		r.issues = append(r.issues, Issue{ComponentEMQ, platform, fmt.Sprintf("%s has reported no EMQ yet (assumed %.1f)", name, cfg.EMQUnknownScore/10), lost(w.EMQ, r.emqC.Score)})
	}
	if r.frC.Score < 100 {
		msg := fmt.Sprintf("%s has sent no data yet", name)
		if r.frC.Known {
			msg = fmt.Sprintf("%s data is %s old (fresh ≤ %s, stale at %s)", name, humanDuration(now.Sub(r.newestData)), humanDuration(cfg.FreshFor), humanDuration(cfg.StaleAt))
		}
		r.issues = append(r.issues, Issue{ComponentFreshness, platform, msg, lost(w.Freshness, r.frC.Score)})
	}
	if r.varC.Known && r.varC.Score < 100 {
		r.issues = append(r.issues, Issue{ComponentVariance, platform, fmt.Sprintf("%s-reported %s differs from first-party by %.1f%%", name, worstWhat, worst*100), lost(w.Variance, r.varC.Score)})
	}
	if len(anomalous) > 0 {
		r.issues = append(r.issues, Issue{ComponentAnomaly, platform, fmt.Sprintf("%s %s anomalous (z > %g against ≥ %d days)", name, strings.Join(anomalous, ", "), cfg.AnomalyZ, cfg.AnomalyMinHistory), lost(w.Anomaly, r.anC.Score)})
	}
	return r
}

// latestPair is the divergence on the newest day present in both series.
func latestPair(platform, firstParty []point) (float64, bool) {
	fp := map[int64]float64{}
	for _, p := range firstParty {
		fp[p.at.Unix()] = p.v
	}
	for i := len(platform) - 1; i >= 0; i-- {
		if v, ok := fp[platform[i].at.Unix()]; ok {
			return Divergence(platform[i].v, v), true
		}
	}
	return 0, false
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.0f d", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.0f h", math.Round(d.Hours()))
	}
	return fmt.Sprintf("%.0f min", math.Max(1, math.Round(d.Minutes())))
}

// Evaluate computes the health of every platform in ms (plus platforms in
// prev, which then score as stale) and the overall health, applying
// hysteresis against prev (keyed by platform). It is pure: Recompute feeds
// it from the database.
func (cfg Config) Evaluate(now time.Time, ms []Measurement, prev map[string]*Health) []Health {
	groups := groupMeasurements(ms)
	var platforms []string
	for p := range groups {
		if p != Overall {
			platforms = append(platforms, p)
		}
	}
	for p := range prev {
		if _, ok := groups[p]; !ok && p != Overall {
			platforms = append(platforms, p)
		}
	}
	if len(platforms) == 0 {
		return nil
	}
	sort.Strings(platforms)

	var cdp *Component
	var cdpIssue *Issue
	if l, ok := latest(groups[Overall][MetricCDPMatchQuality]); ok {
		cdp = &Component{Name: ComponentCDP, Score: clamp(l.v), Known: true}
		if cdp.Score < cfg.HealthyAt {
			cdpIssue = &Issue{ComponentCDP, Overall, fmt.Sprintf("CDP identity match quality is %.0f/100", cdp.Score), round(cfg.Weights.CDP*(100-cdp.Score), 2)}
		}
	}

	out := make([]Health, 0, len(platforms)+1)
	var sums [4]float64
	var emqs []float64
	var allIssues []Issue
	for _, p := range platforms {
		r := cfg.evalPlatform(now, p, groups[p])
		score, comps := cfg.Combine(r.emqC, r.frC, r.varC, r.anC, cdp)
		issues := r.issues
		if cdp != nil {
			for i := range issues {
				issues[i].Impact = round(issues[i].Impact*(1-cfg.Weights.CDP), 2)
			}
			if cdpIssue != nil {
				issues = append(issues, *cdpIssue)
			}
		}
		h := cfg.finish(now, p, score, comps, issues, prev[p])
		h.EMQ, h.Outage, h.EMQDrop = r.emq, r.outage, r.drop
		out = append(out, h)
		if r.emq != nil {
			emqs = append(emqs, *r.emq)
		}
		sums[1] += r.frC.Score
		sums[2] += r.varC.Score
		sums[3] += r.anC.Score
		for _, is := range r.issues {
			is.Impact = round(is.Impact/float64(len(platforms)), 2)
			allIssues = append(allIssues, is)
		}
	}

	// Overall: EMQ averaged across platforms that report it, the other
	// components averaged across platforms.
	n := float64(len(platforms))
	emqScore, emqKnown := cfg.EMQScore(emqs)
	score, comps := cfg.Combine(
		Component{Name: ComponentEMQ, Score: emqScore, Known: emqKnown},
		Component{Name: ComponentFreshness, Score: sums[1] / n, Known: true},
		Component{Name: ComponentVariance, Score: sums[2] / n, Known: true},
		Component{Name: ComponentAnomaly, Score: sums[3] / n, Known: true},
		cdp)
	if cdp != nil {
		for i := range allIssues {
			allIssues[i].Impact = round(allIssues[i].Impact*(1-cfg.Weights.CDP), 2)
		}
		if cdpIssue != nil {
			allIssues = append(allIssues, *cdpIssue)
		}
	}
	overall := cfg.finish(now, Overall, score, comps, allIssues, prev[Overall])
	if emqKnown {
		avg := round(emqScore/10, 2)
		overall.EMQ = &avg
	}
	return append([]Health{overall}, out...)
}

func (cfg Config) finish(now time.Time, platform string, score float64, comps []Component, issues []Issue, prev *Health) Health {
	for i := range comps {
		comps[i].Score = round(comps[i].Score, 2)
	}
	sort.SliceStable(issues, func(i, j int) bool { return issues[i].Impact > issues[j].Impact })
	if issues == nil {
		issues = []Issue{}
	}
	h := Health{Platform: platform, Score: score, Components: comps, Issues: issues, ComputedAt: now, StatusChangedAt: now}
	var prevStatus Status
	if prev != nil {
		prevStatus = prev.Status
		h.StatusChangedAt = prev.StatusChangedAt
	}
	h.Status = cfg.StatusFor(score, prevStatus)
	if h.Status != prevStatus {
		h.StatusChangedAt = now
	}
	return h
}
