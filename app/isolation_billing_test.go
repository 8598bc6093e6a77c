package app_test

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
	})
}
