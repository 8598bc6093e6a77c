package billing

import (
	"fmt"
	"slices"
	"strings"
)

// Plan is a tier Stratum is sold in. The stored value (tenant_billing.plan)
// is the lower-case name; plans are ordered by price, cheapest first.
type Plan string

const (
	Starter      Plan = "starter"
	Professional Plan = "professional"
	Enterprise   Plan = "enterprise"
)

// Plans lists every plan, cheapest first.
func Plans() []Plan { return []Plan{Starter, Professional, Enterprise} }

// ParsePlan accepts a plan's name in any case ("PROFESSIONAL", "starter").
func ParsePlan(s string) (Plan, bool) {
	p := Plan(strings.ToLower(strings.TrimSpace(s)))
	return p, slices.Contains(Plans(), p)
}

// Rank orders plans by price (Starter 0); an unknown plan ranks as Starter.
func (p Plan) Rank() int { return max(0, slices.Index(Plans(), p)) }

// Title is the plan's name as the product shows it.
func (p Plan) Title() string {
	switch p {
	case Professional:
		return "Professional"
	case Enterprise:
		return "Enterprise"
	}
	return "Starter"
}

// Flag names a feature that a plan, a global override or a per-tenant
// override switches on or off.
type Flag string

const (
	AutomationRules    Flag = "automation_rules"
	Autopilot          Flag = "autopilot"
	WhatIfSimulator    Flag = "what_if_simulator"
	CompetitorIntel    Flag = "competitor_intel"
	GDPRCompliance     Flag = "gdpr_compliance"
	CDP                Flag = "cdp"
	CAPI               Flag = "capi"
	AudienceSync       Flag = "audience_sync"
	PlatformConnectors Flag = "platform_connectors"
)

// FlagSpec is a flag in the catalogue: what it unlocks and the cheapest
// plan that has it by default (every dearer plan has it too).
type FlagSpec struct {
	Key         Flag
	Description string
	From        Plan
}

// flags is the catalogue of flags, in the order the product lists them.
var flags = []FlagSpec{
	{PlatformConnectors, "Connect Meta, Google Ads, TikTok and Snapchat ad accounts and sync their campaigns and insights.", Starter},
	{AutomationRules, "Rules that watch campaign metrics and propose pauses and budget changes.", Starter},
	{Autopilot, "Let approved rule proposals run without a person while the trust score is 70 or more.", Professional},
	{WhatIfSimulator, "Dry runs: what rules and gate settings would have done, before saving them.", Professional},
	{CDP, "Customer data platform: event ingestion, identity resolution, profiles, traits and segments.", Professional},
	{CAPI, "Server-side conversion forwarding to the ad platforms, with event-match-quality scoring.", Professional},
	{AudienceSync, "Keep segments in sync with the ad platforms' custom audiences.", Professional},
	{GDPRCompliance, "Consent records, data-subject access and erasure requests across the CDP.", Professional},
	{CompetitorIntel, "Competitor ad-library monitoring beside your own campaigns.", Enterprise},
}

// Flags lists the catalogue's flags.
func Flags() []FlagSpec { return slices.Clone(flags) }

// FlagByKey finds a flag in the catalogue.
func FlagByKey(key string) (FlagSpec, bool) {
	i := slices.IndexFunc(flags, func(f FlagSpec) bool { return string(f.Key) == key })
	if i < 0 {
		return FlagSpec{}, false
	}
	return flags[i], true
}

// PlanHas reports whether plan p has flag f by default.
func PlanHas(p Plan, f Flag) bool {
	spec, ok := FlagByKey(string(f))
	return ok && p.Rank() >= spec.From.Rank()
}

// Limit names a quantity a plan caps.
type Limit string

const (
	AdAccounts             Limit = "connected_ad_accounts"
	MonthlyEvents          Limit = "monthly_ingested_events"
	ConversionDestinations Limit = "conversion_destinations"
	Segments               Limit = "segments"
	Members                Limit = "members"
	// APICostPerMinute sizes the cost-based GraphQL rate limit: the bucket
	// refills this many points a minute and holds a third of it (Starter:
	// 50 points/s, bursts of 1,000 — the sizes the limiter had before).
	APICostPerMinute Limit = "api_cost_per_minute"
)

// LimitSpec is a limit in the catalogue with its value per plan.
type LimitSpec struct {
	Key         Limit
	Description string
	Unit        string
	// Per holds the value for Starter, Professional and Enterprise.
	Per [3]int64
}

// SoftShare is the share of a limit at which usage raises a warning.
const SoftShare = 0.8

var limits = []LimitSpec{
	{AdAccounts, "Ad accounts connected at once, across all platforms.", "accounts", [3]int64{2, 10, 100}},
	{MonthlyEvents, "First-party events ingested per calendar month (UTC).", "events", [3]int64{100_000, 5_000_000, 100_000_000}},
	{ConversionDestinations, "Conversion destinations (pixels, conversion actions) events are forwarded to.", "destinations", [3]int64{1, 10, 50}},
	{Segments, "Saved segments.", "segments", [3]int64{5, 100, 1_000}},
	{Members, "Members of the workspace, pending invitations included.", "members", [3]int64{3, 20, 500}},
	{APICostPerMinute, "GraphQL query cost per minute, per tenant and per API key.", "points", [3]int64{3_000, 6_000, 15_000}},
}

// Limits lists the catalogue's limits.
func Limits() []LimitSpec { return slices.Clone(limits) }

// LimitByKey finds a limit in the catalogue.
func LimitByKey(key string) (LimitSpec, bool) {
	i := slices.IndexFunc(limits, func(l LimitSpec) bool { return string(l.Key) == key })
	if i < 0 {
		return LimitSpec{}, false
	}
	return limits[i], true
}

// Of is the limit's value on plan p.
func (l LimitSpec) Of(p Plan) int64 { return l.Per[p.Rank()] }

// RaisedBy is the cheapest plan dearer than p with a higher value, or ""
// when no plan raises it.
func (l LimitSpec) RaisedBy(p Plan) Plan {
	for _, q := range Plans()[p.Rank()+1:] {
		if l.Of(q) > l.Of(p) {
			return q
		}
	}
	return ""
}

// ParseForce reads STRATUM_FEATURES_FORCE ("cdp=on,autopilot=off"): each
// entry names a catalogue flag and on/off (also true/false, 1/0).
func ParseForce(s string) (map[Flag]bool, error) {
	out := map[Flag]bool{}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		key, val, ok := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, fmt.Errorf("STRATUM_FEATURES_FORCE: %q is not flag=on or flag=off", entry)
		}
		if _, known := FlagByKey(key); !known {
			return nil, fmt.Errorf("STRATUM_FEATURES_FORCE: unknown flag %q", key)
		}
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "on", "true", "1":
			out[Flag(key)] = true
		case "off", "false", "0":
			out[Flag(key)] = false
		default:
			return nil, fmt.Errorf("STRATUM_FEATURES_FORCE: %q: the value must be on or off", entry)
		}
	}
	return out, nil
}

// CostBudget is plan p's GraphQL cost bucket, from its APICostPerMinute:
// it refills a sixtieth of the minute's points each second and holds a
// third of them, so a burst never spends more than 20 seconds' refill
// (Starter: 1,000 points, 50 a second).
func CostBudget(p Plan) (burst, perSecond float64) {
	perMinute := float64(APICostPerMinute.spec().Of(p))
	return perMinute / 3, perMinute / 60
}
