package billing_test

import (
	"testing"

	"github.com/stratumhq/stratum/domain/billing"
)

func TestCatalogueHasTheIssuedFlags(t *testing.T) {
	for _, key := range []string{"automation_rules", "autopilot", "what_if_simulator", "competitor_intel",
		"gdpr_compliance", "cdp", "capi", "audience_sync", "platform_connectors"} {
		f, ok := billing.FlagByKey(key)
		if !ok || f.Description == "" {
			t.Errorf("flag %s: missing or undescribed", key)
		}
	}
	if _, ok := billing.FlagByKey("teleport"); ok {
		t.Error("an unknown flag was found")
	}
}

// A dearer plan never loses a flag or a unit of a limit.
func TestPlansOnlyGrow(t *testing.T) {
	plans := billing.Plans()
	for i := 1; i < len(plans); i++ {
		lo, hi := plans[i-1], plans[i]
		for _, f := range billing.Flags() {
			if billing.PlanHas(lo, f.Key) && !billing.PlanHas(hi, f.Key) {
				t.Errorf("%s has %s but %s does not", lo, f.Key, hi)
			}
		}
		for _, l := range billing.Limits() {
			if l.Of(hi) < l.Of(lo) {
				t.Errorf("%s: %s allows %d, %s only %d", l.Key, lo, l.Of(lo), hi, l.Of(hi))
			}
		}
	}
	if !billing.PlanHas(billing.Enterprise, billing.CompetitorIntel) || billing.PlanHas(billing.Starter, billing.Autopilot) {
		t.Error("the tiers do not differ as catalogued")
	}
}

func TestRaisedBy(t *testing.T) {
	seg, _ := billing.LimitByKey("segments")
	if got := seg.RaisedBy(billing.Starter); got != billing.Professional {
		t.Errorf("segments on Starter raised by %q, want professional", got)
	}
	if got := seg.RaisedBy(billing.Enterprise); got != "" {
		t.Errorf("segments on Enterprise raised by %q, want none", got)
	}
}

func TestParsePlan(t *testing.T) {
	if p, ok := billing.ParsePlan(" PROFESSIONAL "); !ok || p != billing.Professional {
		t.Errorf("ParsePlan(PROFESSIONAL) = %q, %v", p, ok)
	}
	if _, ok := billing.ParsePlan("gold"); ok {
		t.Error("gold parsed as a plan")
	}
}

func TestParseForce(t *testing.T) {
	got, err := billing.ParseForce("cdp=on, autopilot=OFF,,capi=1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[billing.Flag]bool{billing.CDP: true, billing.Autopilot: false, billing.CAPI: true}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, bad := range []string{"cdp", "teleport=on", "cdp=maybe"} {
		if _, err := billing.ParseForce(bad); err == nil {
			t.Errorf("ParseForce(%q) accepted", bad)
		}
	}
	if m, err := billing.ParseForce(""); err != nil || len(m) != 0 {
		t.Errorf("empty: %v %v", m, err)
	}
}

// The cost buckets come from api_cost_per_minute: a third of a minute's
// points to burst, a sixtieth a second (the sizes the limiter had before
// the catalogue: Starter 1,000 and 50/s, Professional 2×, Enterprise 5×).
func TestCostBudget(t *testing.T) {
	for _, tc := range []struct {
		plan        billing.Plan
		burst, rate float64
	}{{billing.Starter, 1000, 50}, {billing.Professional, 2000, 100}, {billing.Enterprise, 5000, 250}} {
		burst, rate := billing.CostBudget(tc.plan)
		if burst != tc.burst || rate != tc.rate {
			t.Errorf("%s: %v points, %v/s; want %v, %v/s", tc.plan, burst, rate, tc.burst, tc.rate)
		}
	}
}
