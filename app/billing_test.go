package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
	"github.com/stratumhq/stratum/resolvers"
)

// operator signs up email in a tenant of its own, grants it the platform
// operator flag and signs it in again (the flag is in the access token).
func (b *idBundle) operator(t testing.TB, email string) session {
	t.Helper()
	b.signUp(t, email, "Ops")
	require.NoError(t, b.srv.App.Services.Auth.SetOperator(context.Background(), email, true, "test"))
	_, p := b.logIn(t, email, "correct horse battery")
	return toSession(t, p, email)
}

func tenantUUID(t testing.TB, s session) uuid.UUID {
	t.Helper()
	id, err := relay.ParseTypedID(s.TenantID, relay.TypeTenant)
	require.NoError(t, err)
	return id
}

// gatedFields lists every schema field carrying @feature, as "Type.field",
// with its flag: read from the schema, not written by hand.
func gatedFields(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, typ := range graph.NewExecutableSchema(graph.Config{}).Schema().Types {
		for _, f := range typ.Fields {
			if d := f.Directives.ForName("feature"); d != nil {
				out[typ.Name+"."+f.Name] = d.Arguments.ForName("key").Value.Raw
			}
		}
	}
	return out
}

// gatedOps calls each gated field (ids that exist nowhere are enough: the
// gate answers before the resolver looks anything up).
var gatedOps = map[string]struct {
	query string
	vars  map[string]any
	// null: the field answers null for the ids given (nothing exists),
	// without an error, when it runs.
	null bool
	// notFound: the field answers NOT_FOUND for the ids given when it
	// runs (the resolver looked them up).
	notFound bool
}{
	"Query.automationRules": {query: `{ automationRules(first: 1) { totalCount } }`},
	"Mutation.createAutomationRule": {query: `mutation { createAutomationRule(input: {name: "gated", conditions: {metric: SPEND, windowDays: 1, operator: GT, value: 1},
		actions: [{type: PAUSE_UNDERPERFORMING}]}) { rule { id } userErrors { code } } }`},
	"Mutation.updateAutomationRule": {query: `mutation($id: ID!) { updateAutomationRule(input: {id: $id, name: "x"}) { rule { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeAutomationRule, uuid.New())}},
	"Mutation.deleteAutomationRule": {query: `mutation($id: ID!) { deleteAutomationRule(input: {id: $id}) { deletedRuleId userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeAutomationRule, uuid.New())}},
	"Mutation.setRuleEnabled": {query: `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { rule { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeAutomationRule, uuid.New())}},
	"Mutation.simulateRule": {query: `mutation($id: ID!) { simulateRule(input: {ruleId: $id}) { campaignsEvaluated userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeAutomationRule, uuid.New())}},
	"Mutation.simulateAction": {query: `mutation($c: ID!) { simulateAction(input: {type: REDUCE_BUDGET, campaignId: $c}) { simulation { decision } userErrors { code } } }`,
		vars: map[string]any{"c": relay.GlobalID(relay.TypeCampaign, uuid.New())}},
	"Mutation.setAutopilotLevel": {query: `mutation { setAutopilotLevel(input: {level: GUARDED_AUTO}) { trustGate { autopilotLevel } userErrors { code } } }`},
	"Mutation.connectPlatform":   {query: `mutation { connectPlatform(input: {platform: META, redirectUri: "http://localhost/oauth/meta/callback"}) { authorizeUrl userErrors { code } } }`},
	"Mutation.selectAdAccounts": {query: `mutation($c: ID!) { selectAdAccounts(input: {connectionId: $c, accountIds: []}) { connection { id } userErrors { code } } }`,
		vars: map[string]any{"c": relay.GlobalID(relay.TypePlatformConnection, uuid.New())}},
	"Query.sources":         {query: `{ sources(first: 1) { totalCount } }`},
	"Mutation.createSource": {query: `mutation { createSource(input: {name: "gated"}) { writeKey userErrors { code } } }`},
	"Mutation.setSourceEnabled": {query: `mutation($id: ID!) { setSourceEnabled(input: {id: $id, enabled: false}) { source { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSource, uuid.New())}},
	"Mutation.setSourceRateLimit": {query: `mutation($id: ID!) { setSourceRateLimit(input: {id: $id, rateLimitPerSecond: 5}) { source { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSource, uuid.New())}},
	"Query.profiles": {query: `{ profiles(first: 1) { totalCount } }`},
	"Query.profile": {query: `query($id: ID!) { profile(id: $id) { id } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}, null: true},
	"Mutation.unmergeProfile": {query: `mutation($id: ID!) { unmergeProfile(input: {profileId: $id}) { profile { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}},
	"Mutation.splitProfile": {query: `mutation($id: ID!) { splitProfile(input: {profileId: $id, identifiers: [{type: USER_ID, value: "u"}]}) { profile { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}},
	"Subscription.profileUpdated": {query: `subscription($id: ID!) { profileUpdated(profileId: $id) { id } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}, notFound: true},
	"Query.profileSettings":          {query: `{ profileSettings { churnDays } }`},
	"Query.traitDefinitions":         {query: `{ traitDefinitions(first: 1) { totalCount } }`},
	"Mutation.createTraitDefinition": {query: `mutation { createTraitDefinition(input: {name: "gated", aggregation: COUNT, event: "x"}) { definition { id } userErrors { code } } }`},
	"Mutation.updateTraitDefinition": {query: `mutation($id: ID!) { updateTraitDefinition(input: {id: $id, name: "gated", aggregation: COUNT, event: "x"}) { definition { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID("TraitDefinition", uuid.New())}},
	"Mutation.deleteTraitDefinition": {query: `mutation($id: ID!) { deleteTraitDefinition(input: {id: $id}) { deletedDefinitionId userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID("TraitDefinition", uuid.New())}},
	"Query.segments": {query: `{ segments(first: 1) { totalCount } }`},
	"Query.segment": {query: `query($id: ID!) { segment(id: $id) { id } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSegment, uuid.New())}, null: true},
	"Query.previewSegment":   {query: `{ previewSegment(rules: {identifier: USER_ID, operator: EXISTS}) { size } }`},
	"Mutation.createSegment": {query: `mutation { createSegment(input: {name: "gated", kind: STATIC, rules: {identifier: USER_ID, operator: EXISTS}}) { segment { id } userErrors { code } } }`},
	"Mutation.updateSegment": {query: `mutation($id: ID!) { updateSegment(input: {id: $id, name: "x"}) { segment { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSegment, uuid.New())}},
	"Query.deliveries": {query: `query($id: ID!) { deliveries(destinationId: $id, first: 1) { totalCount } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}},
	"Mutation.replayDeliveries": {query: `mutation($id: ID!) { replayDeliveries(input: {destinationId: $id}) { count userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}},
	"Mutation.deleteSegment": {query: `mutation($id: ID!) { deleteSegment(input: {id: $id}) { deletedSegmentId userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSegment, uuid.New())}},
	"Mutation.refreshSegment": {query: `mutation($id: ID!) { refreshSegment(input: {id: $id}) { segment { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSegment, uuid.New())}},
	"Subscription.segmentMembershipChanged": {query: `subscription($id: ID!) { segmentMembershipChanged(segmentId: $id) { entered } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSegment, uuid.New())}},
	"Mutation.setProfileChurnPeriod": {query: `mutation { setProfileChurnPeriod(input: {days: 30}) { settings { churnDays } userErrors { code } } }`},
	"Subscription.eventReceived": {query: `subscription($id: ID!) { eventReceived(sourceId: $id) { status } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSource, uuid.New())}},
	"Mutation.rotateSourceWriteKey": {query: `mutation($id: ID!) { rotateSourceWriteKey(input: {id: $id}) { writeKey userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSource, uuid.New())}},
	"Query.emqScores":              {query: `{ emqScores(platform: META) { score } }`},
	"Subscription.emqScoreUpdated": {query: `subscription { emqScoreUpdated(platform: META) { score } }`},
	"Query.rfmReport":              {query: `{ rfmReport { profiles } }`},
	"Query.rfmSettings":            {query: `{ rfmSettings { lookbackDays } }`},
	"Mutation.updateRfmSettings":   {query: `mutation { updateRfmSettings(input: {lookbackDays: 30}) { settings { lookbackDays } userErrors { code } } }`},
	"Mutation.refreshRfm":          {query: `mutation { refreshRfm { queued userErrors { code } } }`},
	"Query.funnels":                {query: `{ funnels(first: 1) { totalCount } }`},
	"Query.funnelReport": {query: `query($id: ID!) { funnelReport(id: $id, from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { entered } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeFunnel, uuid.New())}, null: true},
	"Mutation.createFunnel": {query: `mutation { createFunnel(input: {name: "gated", windowSeconds: 60, steps: [{event: "A"}, {event: "B"}]}) { funnel { id } userErrors { code } } }`},
	"Mutation.updateFunnel": {query: `mutation($id: ID!) { updateFunnel(input: {id: $id, name: "g", windowSeconds: 60, steps: [{event: "A"}, {event: "B"}]}) { funnel { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeFunnel, uuid.New())}},
	"Mutation.deleteFunnel": {query: `mutation($id: ID!) { deleteFunnel(input: {id: $id}) { deletedFunnelId userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeFunnel, uuid.New())}},
	"Query.profileConsents": {query: `query($id: ID!) { profileConsents(profileId: $id) { state } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}, null: true},
	"Query.consentHistory": {query: `query($id: ID!) { consentHistory(profileId: $id, first: 1) { totalCount } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}},
	"Query.privacyRequests":     {query: `{ privacyRequests(first: 1) { totalCount } }`},
	"Query.privacySuppressions": {query: `{ privacySuppressions { identifiers } }`},
	"Mutation.setConsent": {query: `mutation($id: ID!) { setConsent(input: {profileId: $id, purpose: ADS, granted: true}) { consent { state } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}},
	"Mutation.exportProfileData": {query: `mutation($id: ID!) { exportProfileData(input: {profileId: $id}) { request { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}},
	"Mutation.deleteProfile": {query: `mutation($id: ID!) { deleteProfile(input: {profileId: $id}) { request { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeProfile, uuid.New())}},
	"Query.conversionDestinations": {query: `{ conversionDestinations(first: 1) { totalCount } }`},
	"Query.conversionDestination": {query: `query($id: ID!) { conversionDestination(id: $id) { id } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}, null: true},
	"Mutation.createConversionDestination": {query: `mutation { createConversionDestination(input: {platform: META, name: "gated",
		credentials: {pixelId: "123", accessToken: "gated-token"}}) { destination { id } userErrors { code } } }`},
	"Mutation.updateConversionDestination": {query: `mutation($id: ID!) { updateConversionDestination(input: {id: $id, name: "x"}) { destination { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}},
	"Mutation.deleteConversionDestination": {query: `mutation($id: ID!) { deleteConversionDestination(input: {id: $id}) { deletedDestinationId userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}},
	"Mutation.testConversionDestination": {query: `mutation($id: ID!) { testConversionDestination(input: {id: $id}) { result { ok } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}},
	"Query.audiences": {query: `{ audiences(first: 1) { totalCount } }`},
	"Mutation.syncAudience": {query: `mutation($s: ID!, $a: ID!) { syncAudience(input: {segmentId: $s, platform: META, accountId: $a}) { audience { id } userErrors { code } } }`,
		vars: map[string]any{"s": relay.GlobalID(relay.TypeSegment, uuid.New()), "a": relay.GlobalID(relay.TypeAdAccount, uuid.New())}},
	"Mutation.stopAudienceSync": {query: `mutation($id: ID!) { stopAudienceSync(input: {id: $id}) { audience { id } userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeAudience, uuid.New())}},
	"Mutation.deleteAudience": {query: `mutation($id: ID!) { deleteAudience(input: {id: $id}) { deletedAudienceId platformAudienceDeleted userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeAudience, uuid.New())}},
	"Subscription.audienceSyncUpdated": {query: `subscription { audienceSyncUpdated { id status } }`},
	"Mutation.trackEvents": {query: `mutation($id: ID!) { trackEvents(input: {sourceId: $id, events: [{type: TRACK, userId: "u", event: "E"}]}) { accepted userErrors { code } } }`,
		vars: map[string]any{"id": relay.GlobalID(relay.TypeSource, uuid.New())}},
}

// TestFeatureDirectiveOnEveryGatedField calls every field carrying
// @feature as a tenant whose override switches the flag off: each answers
// FEATURE_DISABLED with the flag and the plan that unlocks it, and writes
// nothing; with the flag switched on (the positive control) the same call
// is not refused by the gate.
func TestFeatureDirectiveOnEveryGatedField(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	ctx := context.Background()
	owner := b.signUp(t, "gated@acme.test", "Gated")
	tenant := tenantUUID(t, owner)
	fields := gatedFields(t)
	require.GreaterOrEqual(t, len(fields), 8, "the trust engine's fields are gated")
	for f := range gatedOps {
		require.Contains(t, fields, f, "gatedOps names %s, which carries no @feature", f)
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	set := func(key string, on bool) {
		_, err := b.srv.App.Services.Billing.SetFlag(ctx, billing.Operator{Email: "ops@test"},
			billing.FlagChange{Tenant: tenant, Flag: key, Enabled: &on, Reason: "directive test"})
		require.NoError(t, err)
	}
	for _, name := range names {
		key := fields[name]
		op, ok := gatedOps[name]
		require.True(t, ok, "%s carries @feature(key: %q) but gatedOps has no call of it", name, key)
		spec, ok := billing.FlagByKey(key)
		require.True(t, ok, "%s: unknown flag %q", name, key)
		field := name[strings.Index(name, ".")+1:]

		set(key, false)
		before := snapshotRules(t, b, tenant)
		res := gatedCall(t, b, field, op.query, op.vars, owner.H())
		require.Equal(t, "FEATURE_DISABLED", res.Code(), "%s with %s off: %+v", name, key, res.Errors)
		require.Equal(t, key, res.Errors[0].Extensions["feature"], name)
		require.Equal(t, strings.ToUpper(string(spec.From)), res.Errors[0].Extensions["requiredPlan"], name)
		require.Equal(t, []any{field}, res.Errors[0].Path, name)
		require.Equal(t, before, snapshotRules(t, b, tenant), "%s wrote while refused", name)

		set(key, true)
		res = gatedCall(t, b, field, op.query, op.vars, owner.H())
		for _, e := range res.Errors {
			require.NotEqual(t, "FEATURE_DISABLED", e.Extensions["code"], "%s with %s on: %+v", name, key, res.Errors)
		}
		if op.notFound {
			require.Equal(t, "NOT_FOUND", res.Code(), "%s with %s on runs: %+v", name, key, res.Errors)
			continue
		}
		if op.null {
			_, ran := res.Data[field]
			require.True(t, ran && len(res.Errors) == 0, "%s with %s on runs: %+v", name, key, res.Errors)
			continue
		}
		require.NotNil(t, res.Data[field], "%s with %s on runs: %+v", name, key, res.Errors)
	}
}

// gatedCall runs a gated call: a query or mutation by POST, a
// subscription over SSE, answering its first message, or data naming the
// field once the server's hub holds the subscription (it runs).
func gatedCall(t *testing.T, b *idBundle, field, query string, vars map[string]any, h http.Header) *apptest.Response {
	t.Helper()
	if !strings.HasPrefix(query, "subscription") {
		return b.srv.Query(t, query, vars, h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := b.srv.App.Hub
	before := hub.Subscribers()
	s := wstest.DialSSE(t, ctx, b.srv.URL+"/graphql", query, vars, h)
	defer s.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if m, err := s.Read(10 * time.Millisecond); err == nil {
			var res apptest.Response
			require.NoError(t, json.Unmarshal(m.Payload, &res), "%s %s", m.Type, m.Payload)
			return &res
		}
		if hub.Subscribers() > before {
			return &apptest.Response{Data: map[string]any{field: "subscribed"}}
		}
	}
	t.Fatalf("%s: neither an answer nor a subscription within 10 s", field)
	return nil
}

// snapshotRules is what a refused gated call could have written.
func snapshotRules(t testing.TB, b *idBundle, tenant uuid.UUID) string {
	t.Helper()
	var s string
	require.NoError(t, b.tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT concat_ws('/', (SELECT count(*) FROM automation_rules), (SELECT count(*) FROM automation_actions),
			(SELECT count(*) FROM trust_gate_audit), (SELECT autopilot_level FROM automation_settings), (SELECT count(*) FROM cdp_sources))`).Scan(ctx, &s)
	}))
	return s
}

// A tenant on Starter by its plan (no override) is refused the
// Professional features with requiredPlan PROFESSIONAL, and has them as
// soon as an operator moves it to Professional — with the same access
// token, whose plan claim is the old one.
func TestPlanGatesFeaturesAtOnce(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	ops := b.operator(t, "ops@ops.test")
	owner := b.signUp(t, "starter@acme.test", "Starter Co")
	setPlan := func(plan string) {
		res := b.srv.Query(t, `mutation($i: SetTenantPlanInput!) { setTenantPlan(input: $i) { billing { plan status effectivePlan } userErrors { field message } } }`,
			map[string]any{"i": map[string]any{"tenantId": owner.TenantID, "plan": plan}}, ops.H())
		require.Empty(t, res.Errors)
		require.Empty(t, field(t, res.Data, "setTenantPlan", "userErrors"))
		require.Equal(t, strings.ToUpper(plan), field(t, res.Data, "setTenantPlan", "billing", "effectivePlan"))
	}
	simulate := `mutation { setAutopilotLevel(input: {level: GUARDED_AUTO}) { trustGate { autopilotLevel } } }`

	setPlan("starter")
	res := b.srv.Query(t, simulate, nil, owner.H())
	require.Equal(t, "FEATURE_DISABLED", res.Code())
	require.Equal(t, "PROFESSIONAL", res.Errors[0].Extensions["requiredPlan"])
	require.Equal(t, "autopilot", res.Errors[0].Extensions["feature"])
	res = b.srv.Query(t, `{ viewer { tenant { plan billing { plan status effectivePlan trialEndsAt } } features { key enabled source unlockedBy description } } }`, nil, owner.H())
	require.Empty(t, res.Errors)
	require.Equal(t, "STARTER", field(t, res.Data, "viewer", "tenant", "plan"))
	require.Equal(t, "ACTIVE", field(t, res.Data, "viewer", "tenant", "billing", "status"))
	feats := field(t, res.Data, "viewer", "features").([]any)
	require.Len(t, feats, len(billing.Flags()))
	for _, f := range feats {
		f := f.(map[string]any)
		if f["key"] == "autopilot" {
			require.Equal(t, false, f["enabled"])
			require.Equal(t, "PLAN", f["source"])
			require.Equal(t, "PROFESSIONAL", f["unlockedBy"])
			require.NotEmpty(t, f["description"])
		}
	}

	setPlan("PROFESSIONAL")
	res = b.srv.Query(t, simulate, nil, owner.H())
	require.Empty(t, res.Errors, "the same token, the new plan")
	require.Equal(t, "GUARDED_AUTO", field(t, res.Data, "setAutopilotLevel", "trustGate", "autopilotLevel"))
}

// The operator tools: each bad input is a userError on its field and
// writes nothing; a non-operator is refused; the good calls change the
// tenant and are in its audit log.
func TestOperatorTools(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	ctx := context.Background()
	ops := b.operator(t, "ops@ops.test")
	owner := b.signUp(t, "target@acme.test", "Target")
	tenant := tenantUUID(t, owner)
	const setFlag = `mutation($i: SetFeatureFlagInput!) { setFeatureFlag(input: $i) { features { key enabled source expiresAt } billing { plan } userErrors { field code message } } }`
	const setPlan = `mutation($i: SetTenantPlanInput!) { setTenantPlan(input: $i) { billing { plan } userErrors { field code message } } }`
	written := func() string {
		var s string
		require.NoError(t, b.tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT concat_ws('/', (SELECT count(*) FROM tenant_feature_overrides), (SELECT plan || status FROM tenant_billing),
				(SELECT count(*) FROM audit_log WHERE action LIKE 'billing.%'))`).Scan(ctx, &s)
		}))
		return s
	}
	in := func(kv ...any) map[string]any {
		m := map[string]any{"tenantId": owner.TenantID, "flag": "competitor_intel", "enabled": true}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"i": m}
	}
	before := written()
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		field       []any
	}{
		{"unknown flag", setFlag, in("flag", "teleport"), []any{"input", "flag"}},
		{"expiry in the past", setFlag, in("expiresAt", time.Now().Add(-time.Hour).Format(time.RFC3339)), []any{"input", "expiresAt"}},
		{"reason too long", setFlag, in("reason", strings.Repeat("r", billing.MaxReason+1)), []any{"input", "reason"}},
		{"not a tenant id", setFlag, in("tenantId", relay.GlobalID(relay.TypeUser, tenant)), []any{"input", "tenantId"}},
		{"unknown tenant", setFlag, in("tenantId", relay.GlobalID(relay.TypeTenant, uuid.New())), []any{"input", "tenantId"}},
		{"unknown plan", setPlan, map[string]any{"i": map[string]any{"tenantId": owner.TenantID, "plan": "gold"}}, []any{"input", "plan"}},
	} {
		res := b.srv.Query(t, tc.query, tc.vars, ops.H())
		require.Empty(t, res.Errors, tc.name)
		var payload map[string]any
		for _, v := range res.Data {
			payload = v.(map[string]any)
		}
		ue := payload["userErrors"].([]any)
		require.Len(t, ue, 1, tc.name)
		require.Equal(t, tc.field, ue[0].(map[string]any)["field"], tc.name)
		require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"], tc.name)
		require.Nil(t, payload["billing"], tc.name)
		require.Equal(t, before, written(), "%s wrote", tc.name)
	}
	for _, q := range []struct {
		query string
		vars  map[string]any
	}{{setFlag, in()}, {setPlan, map[string]any{"i": map[string]any{"tenantId": owner.TenantID, "plan": "ENTERPRISE"}}}} {
		res := b.srv.Query(t, q.query, q.vars, owner.H())
		require.Equal(t, "FORBIDDEN", res.Code(), "a tenant owner is not an operator")
		require.Equal(t, before, written())
	}

	// The positive controls.
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	res := b.srv.Query(t, setFlag, in("expiresAt", until.Format(time.RFC3339), "reason", "enterprise pilot"), ops.H())
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "setFeatureFlag", "userErrors"))
	res = b.srv.Query(t, `{ viewer { features { key enabled source expiresAt } } }`, nil, owner.H())
	require.Contains(t, fmt.Sprint(res.Data), "map[enabled:true expiresAt:"+until.Format(time.RFC3339)+" key:competitor_intel source:OVERRIDE]")
	res = b.srv.Query(t, setPlan, map[string]any{"i": map[string]any{"tenantId": owner.TenantID, "plan": "enterprise"}}, ops.H())
	require.Empty(t, res.Errors)
	require.Equal(t, "ENTERPRISE", field(t, res.Data, "setTenantPlan", "billing", "plan"))
	res = b.srv.Query(t, setFlag, in("enabled", nil), ops.H())
	require.Empty(t, res.Errors)
	require.Contains(t, fmt.Sprint(field(t, res.Data, "setFeatureFlag", "features")), "enabled:true expiresAt:<nil> key:competitor_intel source:PLAN",
		"the override removed, Enterprise's default decides")

	var actions []string
	require.NoError(t, b.tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT action || ' ' || actor_type || ' ' || coalesce(actor_email, '') FROM audit_log WHERE action LIKE 'billing.%' ORDER BY created_at, action`).Scan(ctx, &actions)
	}))
	require.ElementsMatch(t, []string{"billing.feature_flag_set OPERATOR ops@ops.test", "billing.plan_set OPERATOR ops@ops.test",
		"billing.feature_flag_set OPERATOR ops@ops.test"}, actions)
}

// Every @feature key is a catalogue flag; a key outside it is found (the
// server's Validate refuses to start with it).
func TestFeatureKeysAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	require.NoError(t, resolvers.CheckFeatureKeys(graph.NewExecutableSchema(graph.Config{}).Schema()))
	bad, err := gqlparser.LoadSchema(&ast.Source{Name: "bad.graphqls", Input: `directive @feature(key: String!) on FIELD_DEFINITION
		type Query { ok: Int @feature(key: "cdp") teleport: Int @feature(key: "teleport") }`})
	require.NoError(t, err)
	err = resolvers.CheckFeatureKeys(bad)
	require.ErrorContains(t, err, `Query.teleport: @feature(key: "teleport")`)
	require.NotContains(t, err.Error(), "Query.ok")
}

// STRATUM_FEATURES_FORCE with an unknown flag or value stops start-up with
// its name; a good one, STRATUM_TRIAL_DAYS and STRATUM_BILLING_GRACE_DAYS
// reach the billing service (the control).
func TestBillingConfigurationAtStartUp(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	for force, want := range map[string]string{"teleport=on": `unknown flag "teleport"`, "cdp=maybe": "the value must be on or off"} {
		_, err := app.NewServices(tdb.DB, apptest.Config(t, tdb, map[string]string{"STRATUM_FEATURES_FORCE": force}), apptest.Logger())
		require.ErrorContains(t, err, want)
		require.ErrorContains(t, err, "STRATUM_FEATURES_FORCE")
	}
	s, err := app.NewServices(tdb.DB, apptest.Config(t, tdb, map[string]string{"STRATUM_FEATURES_FORCE": "cdp=on,autopilot=off",
		"STRATUM_TRIAL_DAYS": "3", "STRATUM_BILLING_GRACE_DAYS": "2"}), apptest.Logger())
	require.NoError(t, err)
	require.Equal(t, map[billing.Flag]bool{billing.CDP: true, billing.Autopilot: false}, s.Billing.Config.Force)
	require.Equal(t, 3*24*time.Hour, s.Billing.Config.Trial)
	require.Equal(t, 2*24*time.Hour, s.Billing.GraceEnd(time.Time{}).Sub(time.Time{}))
	_, err = config.FromMap(map[string]string{"STRATUM_TRIAL_DAYS": "0"})
	require.ErrorContains(t, err, "STRATUM_TRIAL_DAYS")
}
