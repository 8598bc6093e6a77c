package app_test

import (
	"fmt"
	"testing"
)

// The operator tools act on any tenant by its id, so their control is a
// platform operator of another tenant; tenant B's owner and A's viewer are
// not operators and are refused.
func init() {
	addIsolationCases(map[string]isolationCase{
		"Mutation.setFeatureFlag": {Query: `mutation($t: ID!) { setFeatureFlag(input: {tenantId: $t, flag: "competitor_intel", enabled: true, reason: "iso"}) {
			features { key enabled source } userErrors { code } } }`,
			Vars: vars("t", "tenant"), Viewer: Refused, B: []string{"FORBIDDEN"}, ControlOperator: true, Changes: true,
			ControlHas: []string{`"enabled":true,"key":"competitor_intel","source":"OVERRIDE"`}},
		"Mutation.setTenantPlan": {Query: `mutation($t: ID!) { setTenantPlan(input: {tenantId: $t, plan: "ENTERPRISE"}) { billing { plan status } userErrors { code } } }`,
			Vars: vars("t", "tenant"), Viewer: Refused, B: []string{"FORBIDDEN"}, ControlOperator: true, Changes: true,
			ControlHas: []string{`"plan":"ENTERPRISE","status":"ACTIVE"`}},
		// The catalogue is the same for everyone and holds no tenant data.
		"Query.billingCatalogue": {Query: `{ billingCatalogue { stripeEnabled plans { plan checkoutAvailable } features { key unlockedBy } limits { limit values { plan max } } } }`,
			Viewer: Allowed, ControlHas: []string{`"key":"competitor_intel"`, `"stripeEnabled":false`}},
	})
}

// Checkout and the billing portal act on the caller's own tenant (no id in
// the input); the test servers run with billing disabled, so every owner —
// A's (the control) and B's — gets the same FEATURE_DISABLED and nothing is
// written, while A's viewer is refused for the role. billingChanged is
// triggered by an operator putting A on Enterprise: A's subscribers see
// it, B's see nothing.
func init() {
	addIsolationCases(map[string]isolationCase{
		"Mutation.createCheckoutSession": {Query: `mutation { createCheckoutSession(input: {plan: "enterprise", successUrl: "http://127.0.0.1/ok", cancelUrl: "http://127.0.0.1/no"}) { url userErrors { code } } }`,
			Viewer: Refused, B: []string{"FEATURE_DISABLED"}, ControlCodes: []string{"FEATURE_DISABLED"},
			ControlHas: []string{`"code":"FEATURE_DISABLED"`}},
		"Mutation.createBillingPortalSession": {Query: `mutation { createBillingPortalSession(input: {returnUrl: "http://127.0.0.1/back"}) { url userErrors { code } } }`,
			Viewer: Refused, B: []string{"FEATURE_DISABLED"}, ControlCodes: []string{"FEATURE_DISABLED"},
			ControlHas: []string{`"code":"FEATURE_DISABLED"`}},
		"Subscription.billingChanged": {Query: `subscription { billingChanged { plan status effectivePlan } }`, Viewer: Allowed,
			Sees: lit(`"plan":"ENTERPRISE"`),
			Trigger: func(t *testing.T, f *isoFixture) {
				op := f.b.operator(t, fmt.Sprintf("ops-trigger-%d@ops.test", f.n))
				f.query(t, `mutation($t: ID!) { setTenantPlan(input: {tenantId: $t, plan: "ENTERPRISE"}) { userErrors { code } } }`,
					vars("t", "tenant")(f), op)
			}},
	})
}
