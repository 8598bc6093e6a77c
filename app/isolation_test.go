package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/relay"
)

// The isolation matrix: every Query, Mutation and Subscription field of the
// schema must have a case in isolationCases, or
// TestIsolationMatrixCoversTheSchema fails (and it fails for cases of
// fields that no longer exist).
//
// Every mutation and subscription case runs on its own fixture — a fresh
// tenant A holding recognisable data, a fresh VIEWER of A and a fresh
// tenant B — so no case changes what another sees (a case that turns MFA
// on, logs out or revokes a key does so in its own tenants); the query
// cases, which only read, share one. A case runs its operation
//
//   - as tenant B's OWNER: the response must contain none of A's data (ids,
//     names, emails, key prefixes, the case's Sees strings), and its error
//     codes (errors and userErrors) must be among the case's B list;
//   - as A's VIEWER: refused (FORBIDDEN) where the case says Refused, and
//     otherwise with no codes outside ViewerCodes;
//   - then, as the POSITIVE CONTROL, as A's OWNER through the same field
//     and transport: it must succeed and show A's data (Sees, or any of A's
//     markers), or change A (Changes). A case whose B response is empty
//     because the operation was refused or broken for an unrelated reason
//     fails here, not silently.
//
// Tenant A's state (a snapshot read past RLS) must be unchanged after B's
// and the viewer's runs, and, for Changes cases, changed by the control.
// Subscription cases (isolation_stream_test.go) run on every transport.
// Domains add their fields' cases from their own file:
// func init() { addIsolationCases(map[string]isolationCase{…}) }.

// expect is what a VIEWER of tenant A gets.
type expect int

const (
	// Allowed: a VIEWER may use the field.
	Allowed expect = iota
	// Refused: a VIEWER is refused.
	Refused
	// Public: the field needs no credential at all.
	Public
	// Hidden: a VIEWER gets no error, and none of the case's Hides strings:
	// node(id:) and nodes(ids:) answer null for an object the caller may
	// not read, exactly as for one that does not exist.
	Hidden
)

// isolationCase is how one schema field is exercised.
type isolationCase struct {
	// Query is the operation (query, mutation or subscription) using the field.
	Query string
	// Vars gives its variables from the fixture (may be nil).
	Vars func(f *isoFixture) map[string]any
	// Viewer is what a VIEWER of tenant A gets.
	Viewer expect
	// B lists the codes (errors' extensions.code and userErrors' code)
	// tenant B's owner may get; any other code, such as an MFA refusal
	// (reported as MFA_REQUIRED) or INTERNAL, fails the case.
	B []string
	// ViewerCodes lists the codes A's viewer may get (default: FORBIDDEN
	// when Refused, none otherwise).
	ViewerCodes []string
	// Hides lists strings of tenant A's data a Hidden VIEWER must not see
	// (the control must show them: list them in Sees too).
	Hides func(f *isoFixture) []string
	// Sees lists strings of tenant A's data that the control must show
	// and B must not (besides the fixture's markers, which B must never
	// show). Without Sees, ControlHas or Changes the control must show
	// one of the fixture's markers.
	Sees func(f *isoFixture) []string
	// ControlHas lists strings the control's response must contain that
	// are not tenant A's data (e.g. `"success":true`).
	ControlHas []string
	// ControlVars, if set, are the control's variables (e.g. the right
	// password); it may prepare them (e.g. enrol MFA).
	ControlVars func(t *testing.T, f *isoFixture) map[string]any
	// ControlAnonymous runs the control without a credential (the
	// invitee accepting an invitation).
	ControlAnonymous bool
	// ControlCodes lists codes the control may get (none by default).
	ControlCodes []string
	// Changes says the control changes tenant A's state, so the snapshot
	// that B's run left unchanged would have shown B's change.
	Changes bool
	// Trigger makes tenant A emit the event a subscription case listens
	// for (see isolation_stream_test.go).
	Trigger func(t *testing.T, f *isoFixture)
	// ControlOperator runs the control as a platform operator of another
	// tenant (the operator tools act on any tenant by its id) instead of
	// A's owner.
	ControlOperator bool
	// Ticks marks a subscription that emits on its own (no tenant data,
	// no hub registration): its first event shows it is running.
	Ticks bool
}

var (
	isolationMu    sync.Mutex
	isolationCases = map[string]isolationCase{}
)

// addIsolationCases registers cases keyed "Type.field" (e.g. "Query.members").
func addIsolationCases(cases map[string]isolationCase) {
	isolationMu.Lock()
	defer isolationMu.Unlock()
	for k, v := range cases {
		if _, dup := isolationCases[k]; dup {
			panic("duplicate isolation case " + k)
		}
		isolationCases[k] = v
	}
}

func schemaFields(t *testing.T) []string {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	var out []string
	for _, typ := range []string{"Query", "Mutation", "Subscription"} {
		def := s.Types[typ]
		if def == nil {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				out = append(out, typ+"."+f.Name)
			}
		}
	}
	sort.Strings(out)
	require.NotEmpty(t, out, "the schema has no fields")
	return out
}

func TestIsolationMatrixCoversTheSchema(t *testing.T) {
	t.Parallel()
	fields := schemaFields(t)
	have := map[string]bool{}
	for _, f := range fields {
		have[f] = true
		if _, ok := isolationCases[f]; !ok {
			t.Errorf("schema field %s has no isolation case: add one to isolationCases (app/isolation_*_test.go)", f)
		}
	}
	for k, c := range isolationCases {
		if !have[k] {
			t.Errorf("isolation case %s names no schema field", k)
		}
		if strings.HasPrefix(k, "Subscription.") && c.Trigger == nil && !c.Ticks {
			t.Errorf("subscription case %s has no Trigger: tenant A must emit the event B could see", k)
		}
	}
}

// isoEnv lifts the rate limits: the matrix signs up and logs in hundreds
// of times from one IP.
var isoEnv = map[string]string{"STRATUM_RATE_LIMIT_POINTS": "100000", "STRATUM_RATE_LIMIT_RESTORE": "10000",
	"STRATUM_LOGIN_FAILURES_PER_IP": "100000"}

func TestIsolationMatrix(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, isoEnv)
	var queries, subs []string
	for _, name := range schemaFields(t) {
		if _, ok := isolationCases[name]; !ok {
			continue // reported by TestIsolationMatrixCoversTheSchema
		}
		if strings.HasPrefix(name, "Subscription.") {
			subs = append(subs, name)
		} else {
			queries = append(queries, name)
		}
	}
	require.NotEmpty(t, queries)
	require.NotEmpty(t, subs)
	// Query cases only read, so they share one fixture; a mutation case
	// may change what it finds (delete, revoke, log out) and gets its own.
	readOnly := func(name string) bool { return strings.HasPrefix(name, "Query.") }
	shared := newIsoFixture(t, b)
	// Some cases' Vars make their part of the fixture on first use (before
	// the case's snapshot); on the shared fixture that happens here, before
	// the cases run side by side.
	for _, name := range queries {
		if c := isolationCases[name]; readOnly(name) && c.Vars != nil {
			c.Vars(shared)
		}
	}
	for _, name := range queries {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := shared
			if !readOnly(name) {
				f = newIsoFixture(t, b)
			}
			for _, p := range f.runCase(t, name, isolationCases[name]) {
				t.Error(p)
			}
		})
	}
	// Subscription cases count registrations on the server's hub per
	// tenant, and each has its own tenants, so they run side by side too.
	t.Run("subscriptions", func(t *testing.T) {
		t.Parallel()
		for _, name := range subs {
			for _, tr := range streamTransports {
				t.Run(name+"/"+tr, func(t *testing.T) {
					t.Parallel()
					f := newIsoFixture(t, b)
					for _, p := range f.runStreamCase(t, name, tr, isolationCases[name]) {
						t.Error(p)
					}
				})
			}
		}
	})
}

// isoFixture is one case's tenant A (its owner, a viewer and recognisable
// data) and tenant B's owner.
type isoFixture struct {
	b        *idBundle
	n        int64 // makes the fixture's e-mail addresses unique
	tenantA  uuid.UUID
	ownerA   session
	viewerA  session
	ownerB   session
	keyA     string // global ID
	keyPrefA string
	inviteA  string // global ID
	invTokA  string
	invMailA string
	memberA  string // global ID of viewerA's membership
	auditA   string // global ID of an audit entry
	markers  []string
	trust    *trustFixture
	notify   *notifyFixture
	conns    *connFixture
	sources  *sourceFixture
	profiles *profileFixture
	traits   *traitsFixture
	// analytics: RFM and funnels (isolation_analytics_test.go)
	analytics *analyticsIsoFixture
	privacy   *privacyFixture
	segments  *segmentFixture
	// conversion deliveries (isolation_deliveries_test.go)
	deliveries *deliveriesIsoFixture
	// conversions: conversion destinations (isolation_conversions_test.go)
	conversions *conversionsFixture
	audiences   *audiencesIsoFixture
	emq         *emqFixture
}

var isoSeq atomic.Int64

func newIsoFixture(t *testing.T, b *idBundle) *isoFixture {
	t.Helper()
	n := isoSeq.Add(1)
	f := &isoFixture{b: b, n: n}
	f.ownerA = b.signUp(t, fmt.Sprintf("owner-%d-a-secret@alpha.test", n), "Alpha-Secret-Tenant")
	f.ownerB = b.signUp(t, fmt.Sprintf("owner-%d-b@beta.test", n), "Beta")
	f.viewerA = b.invite(t, f.ownerA, fmt.Sprintf("viewer-%d-a-secret@alpha.test", n), "VIEWER")
	_, tenant, err := relay.ParseGlobalID(f.ownerA.TenantID)
	require.NoError(t, err)
	f.tenantA = tenant
	// Professional's members limit leaves room for the cases that invite
	// (Starter's 3 seats are taken by the owner, the viewer and the invitation).
	func() {
		conn, err := b.connect(context.Background())
		require.NoError(t, err)
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), `UPDATE tenant_billing SET plan = 'professional' WHERE tenant_id = $1`, tenant)
		require.NoError(t, err)
	}()
	q := func(query string, vars map[string]any) map[string]any {
		res := b.srv.Query(t, query, vars, f.ownerA.H())
		require.Empty(t, res.Errors, query)
		return res.Data
	}
	d := q(`mutation { createApiKey(input: {name: "alpha-key-secret", scopes: [READ]}) { apiKey { id prefix } } }`, nil)
	f.keyA, f.keyPrefA = str(field(t, d, "createApiKey", "apiKey", "id")), str(field(t, d, "createApiKey", "apiKey", "prefix"))
	f.invMailA = fmt.Sprintf("invitee-%d-a-secret@alpha.test", n)
	d = q(`mutation($e: String!) { inviteMember(input: {email: $e, role: ANALYST}) { invite { id } inviteToken } }`, map[string]any{"e": f.invMailA})
	f.inviteA, f.invTokA = str(field(t, d, "inviteMember", "invite", "id")), str(field(t, d, "inviteMember", "inviteToken"))
	edges := field(t, q(`{ members { edges { node { id user { email } } } } }`, nil), "members", "edges").([]any)
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		if field(t, n, "user", "email") == f.viewerA.Email {
			f.memberA = str(n["id"])
		}
	}
	require.NotEmpty(t, f.memberA, "the viewer's membership")
	audit := field(t, q(`{ auditLog(first: 1) { edges { node { id } } } }`, nil), "auditLog", "edges").([]any)
	require.NotEmpty(t, audit, "tenant A has audit entries")
	f.auditA = str(audit[0].(map[string]any)["node"].(map[string]any)["id"])
	f.markers = []string{"alpha", "Alpha", f.ownerA.TenantID, f.ownerA.UserID, f.viewerA.UserID, f.keyA, f.keyPrefA, f.inviteA,
		f.memberA, f.auditA, tenant.String()}
	f.addTrust(t)
	f.addNotifications(t)
	f.addConnections(t)
	f.addSources(t)
	f.addProfiles(t)
	f.addTraits(t)
	f.addAnalytics(t)
	f.addPrivacy(t)
	f.addSegments(t)
	f.addDeliveries(t)
	f.addConversions(t)
	f.addEMQ(t)
	f.addAudiences(t)
	return f
}

// outcome is one principal's response: its raw JSON and the codes of its
// errors and userErrors.
type outcome struct {
	raw   string
	codes []string
}

// query runs an operation over HTTP as s.
func (f *isoFixture) query(t *testing.T, query string, vars map[string]any, s session) outcome {
	var h http.Header
	if s.Access != "" {
		h = s.H()
	}
	res := f.b.srv.Query(t, query, vars, h)
	var doc any
	b, _ := json.Marshal(map[string]any{"data": res.Data, "errors": res.Errors})
	require.NoError(t, json.Unmarshal(b, &doc))
	return outcome{raw: string(b), codes: codesOf(doc)}
}

// codesOf collects the codes of GraphQL errors (under "errors") and of
// userErrors in a response. A refusal for want of MFA is MFA_REQUIRED, an
// error without a code NO_CODE.
func codesOf(v any) []string {
	var out []string
	var walk func(v any, errs bool)
	walk = func(v any, errs bool) {
		switch x := v.(type) {
		case map[string]any:
			if errs {
				out = append(out, errorCode(x))
				return
			}
			for k, c := range x {
				walk(c, k == "errors" || k == "userErrors")
			}
		case []any:
			for _, c := range x {
				walk(c, errs)
			}
		}
	}
	walk(v, false)
	return out
}

func errorCode(e map[string]any) string {
	ext, _ := e["extensions"].(map[string]any)
	if ext["mfaEnrollmentRequired"] == true {
		return "MFA_REQUIRED"
	}
	if c, ok := ext["code"].(string); ok {
		return c
	}
	if c, ok := e["code"].(string); ok { // a userError
		return c
	}
	return "NO_CODE"
}

// refusals are the codes that refuse a caller.
var refusals = []string{"FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND"}

// unexpected returns the codes not in allowed.
func unexpected(codes, allowed []string) []string {
	var out []string
	for _, c := range codes {
		if !slices.Contains(allowed, c) {
			out = append(out, c)
		}
	}
	return out
}

// verdict collects a case's failures, so that a test can also assert that
// the matrix fails (TestIsolationMatrixDetectsABrokenPolicy).
type verdict []string

func (v *verdict) failf(format string, args ...any) { *v = append(*v, fmt.Sprintf(format, args...)) }

// checkB checks tenant B's outcome: none of A's data, only allowed codes.
func (f *isoFixture) checkB(v *verdict, name string, c isolationCase, o outcome) {
	for _, m := range append(slices.Clone(f.markers), f.sees(c)...) {
		if strings.Contains(o.raw, m) {
			v.failf("LEAK: tenant B saw tenant A's data (%q) through %s: %s", m, name, o.raw)
		}
	}
	if bad := unexpected(o.codes, c.B); len(bad) > 0 {
		v.failf("tenant B got %v through %s (allowed: %v): %s", bad, name, c.B, o.raw)
	}
}

// checkViewer checks A's viewer's outcome against the case's expectation.
func (f *isoFixture) checkViewer(v *verdict, name string, c isolationCase, o outcome) {
	allowed := c.ViewerCodes
	if allowed == nil && c.Viewer == Refused {
		allowed = []string{"FORBIDDEN"}
	}
	if bad := unexpected(o.codes, allowed); len(bad) > 0 {
		v.failf("a VIEWER of tenant A got %v through %s (allowed: %v): %s", bad, name, allowed, o.raw)
	}
	if c.Viewer == Hidden {
		for _, h := range c.Hides(f) {
			if strings.Contains(o.raw, h) {
				v.failf("a VIEWER of tenant A saw %q through %s, which it may not read: %s", h, name, o.raw)
			}
		}
	}
	refused := slices.ContainsFunc(o.codes, func(c string) bool { return slices.Contains(refusals, c) })
	if c.Viewer == Refused && !refused {
		v.failf("a VIEWER of tenant A was not refused %s: %s", name, o.raw)
	}
}

// checkControl checks A's owner's outcome: the positive control.
func (f *isoFixture) checkControl(v *verdict, name string, c isolationCase, o outcome) {
	if bad := unexpected(o.codes, c.ControlCodes); len(bad) > 0 {
		v.failf("CONTROL: tenant A's owner got %v through %s (allowed: %v), so B's answer proves nothing: %s", bad, name, c.ControlCodes, o.raw)
	}
	for _, s := range append(f.sees(c), c.ControlHas...) {
		if !strings.Contains(o.raw, s) {
			v.failf("CONTROL: tenant A's owner does not see %q through %s: %s", s, name, o.raw)
		}
	}
	if c.Sees == nil && c.ControlHas == nil && !c.Changes && c.Viewer != Public &&
		!slices.ContainsFunc(f.markers, func(m string) bool { return strings.Contains(o.raw, m) }) {
		v.failf("CONTROL: tenant A's owner sees none of A's data through %s: %s", name, o.raw)
	}
}

func (f *isoFixture) sees(c isolationCase) []string {
	if c.Sees == nil {
		return nil
	}
	return c.Sees(f)
}

// runCase runs a query or mutation case (see the comment at the top).
// With ISO_DUMP=1 it logs every principal's response.
func (f *isoFixture) runCase(t *testing.T, name string, c isolationCase) verdict {
	var v verdict
	var vars map[string]any
	if c.Vars != nil {
		vars = c.Vars(f)
	}
	before := f.snapshot(t)
	ob := f.query(t, c.Query, vars, f.ownerB)
	f.checkB(&v, name, c, ob)
	ov := f.query(t, c.Query, vars, f.viewerA)
	f.checkViewer(&v, name, c, ov)
	if os.Getenv("ISO_DUMP") != "" {
		t.Logf("B: %s\nviewer: %s", ob.raw, ov.raw)
	}
	if after := f.snapshot(t); after != before {
		v.failf("tenant A's data changed through %s by B or A's viewer:\nbefore %s\nafter  %s", name, before, after)
	}
	cvars := vars
	if c.ControlVars != nil {
		cvars = c.ControlVars(t, f)
	}
	control := f.ownerA
	if c.ControlAnonymous {
		control = session{}
	}
	if c.ControlOperator {
		control = f.b.operator(t, fmt.Sprintf("ops-%d@ops.test", f.n))
	}
	oc := f.query(t, c.Query, cvars, control)
	if os.Getenv("ISO_DUMP") != "" {
		t.Logf("control: %s", oc.raw)
	}
	f.checkControl(&v, name, c, oc)
	if c.Changes && f.snapshot(t) == before {
		v.failf("CONTROL: tenant A's owner did not change A through %s, so the unchanged snapshot after B proves nothing", name)
	}
	return v
}

// snapshot reads tenant A's state past RLS (as the database owner): what
// B's mutations must not change.
func (f *isoFixture) snapshot(t *testing.T) string {
	ctx := context.Background()
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var s string
	require.NoError(t, conn.QueryRow(ctx, `SELECT jsonb_build_object(
		'tenant', (SELECT jsonb_build_array(t.name, b.plan, b.status, t.require_mfa) FROM tenants t JOIN tenant_billing b ON b.tenant_id = t.id WHERE t.id = $1),
		'overrides', (SELECT jsonb_agg(jsonb_build_array(flag, enabled, expires_at) ORDER BY flag) FROM tenant_feature_overrides WHERE tenant_id = $1),
		'members', (SELECT jsonb_agg(jsonb_build_array(user_id, role) ORDER BY user_id) FROM memberships WHERE tenant_id = $1),
		'invites', (SELECT jsonb_agg(jsonb_build_array(id, email, role, accepted_at IS NULL, revoked_at IS NULL) ORDER BY id) FROM invites WHERE tenant_id = $1),
		'usage', (SELECT jsonb_agg(jsonb_build_array(limit_key, period_start, used) ORDER BY limit_key, period_start) FROM tenant_usage WHERE tenant_id = $1),
		'apiKeys', (SELECT jsonb_agg(jsonb_build_array(id, name, revoked_at IS NULL) ORDER BY id) FROM api_keys WHERE tenant_id = $1),
		'settings', (SELECT jsonb_build_array(kill_switch, enforcement_mode, autopilot_level, max_budget_increase_pct, max_daily_budget, min_roas)
			FROM automation_settings WHERE tenant_id = $1),
		'enforcementRules', (SELECT jsonb_agg(jsonb_build_array(violation_type, mode, threshold, enabled) ORDER BY violation_type) FROM enforcement_rules WHERE tenant_id = $1),
		'rules', (SELECT jsonb_agg(jsonb_build_array(id, name, enabled) ORDER BY id) FROM automation_rules WHERE tenant_id = $1),
		'actions', (SELECT jsonb_agg(jsonb_build_array(id, status, jsonb_array_length(sources)) ORDER BY id) FROM automation_actions WHERE tenant_id = $1),
		'incidents', (SELECT jsonb_agg(jsonb_build_array(id, state) ORDER BY id) FROM incidents WHERE tenant_id = $1),
		'channels', (SELECT jsonb_agg(jsonb_build_array(id, name, enabled, incidents_opened, approvals) ORDER BY id) FROM notification_channels WHERE tenant_id = $1),
		'deliveries', (SELECT jsonb_agg(jsonb_build_array(id, channel_id, event) ORDER BY id) FROM notification_deliveries WHERE tenant_id = $1),
		'syncRuns', (SELECT jsonb_agg(id ORDER BY id) FROM sync_runs WHERE tenant_id = $1 AND trigger = 'USER'),
		'connections', (SELECT jsonb_agg(jsonb_build_array(id, platform, status, token_key_id) ORDER BY id) FROM platform_connections WHERE tenant_id = $1),
		'adAccounts', (SELECT jsonb_agg(jsonb_build_array(id, connection_id, selected) ORDER BY id) FROM ad_accounts WHERE tenant_id = $1),
		'oauthStates', (SELECT count(*) FROM platform_oauth_states WHERE tenant_id = $1),
		'sources', (SELECT jsonb_agg(jsonb_build_array(id, name, enabled, write_key_prefix, received, rejected, rate_limit_per_sec) ORDER BY id) FROM cdp_sources WHERE tenant_id = $1),
		'events', (SELECT count(*) FROM cdp_events WHERE tenant_id = $1),
		'profiles', (SELECT jsonb_agg(jsonb_build_array(id, merged_into, lifecycle_stage, session_count) ORDER BY id) FROM cdp_profiles WHERE tenant_id = $1),
		'segments', (SELECT jsonb_agg(jsonb_build_array(id, name, kind, rules, refreshed_at) ORDER BY id) FROM cdp_segments WHERE tenant_id = $1),
		'segmentMembers', (SELECT jsonb_agg(jsonb_build_array(segment_id, profile_id, exited_at IS NULL) ORDER BY segment_id, profile_id) FROM cdp_segment_members WHERE tenant_id = $1),
		'churnDays', (SELECT churn_days FROM cdp_identity_settings WHERE tenant_id = $1),
		'traitDefinitions', (SELECT jsonb_agg(jsonb_build_array(id, name, version) ORDER BY id) FROM cdp_trait_definitions WHERE tenant_id = $1),
		'computedTraits', (SELECT jsonb_agg(jsonb_build_array(profile_id, definition_id, value) ORDER BY profile_id, definition_id) FROM cdp_computed_traits WHERE tenant_id = $1),
		'identifiers', (SELECT jsonb_agg(jsonb_build_array(type, value, profile_id) ORDER BY type, value) FROM cdp_identifiers WHERE tenant_id = $1),
		'consents', (SELECT jsonb_agg(jsonb_build_array(profile_id, purpose, granted, source) ORDER BY profile_id, purpose) FROM cdp_consents WHERE tenant_id = $1),
		'privacyRequests', (SELECT jsonb_agg(jsonb_build_array(id, kind, status) ORDER BY id) FROM cdp_privacy_requests WHERE tenant_id = $1),
		'suppressions', (SELECT count(*) FROM cdp_suppressions WHERE tenant_id = $1),
		'degradations', (SELECT degradations FROM simulator_state WHERE tenant_id = $1),
		'rfmSettings', (SELECT jsonb_build_array(lookback_days, event_names, value_property) FROM cdp_rfm_settings WHERE tenant_id = $1),
		'rfm', (SELECT jsonb_agg(jsonb_build_array(profile_id, r, f, m, segment, computed_at) ORDER BY profile_id) FROM cdp_profile_rfm WHERE tenant_id = $1),
		'rfmReport', (SELECT jsonb_build_array(computed_at, profiles, cells) FROM cdp_rfm_reports WHERE tenant_id = $1),
		'funnels', (SELECT jsonb_agg(jsonb_build_array(id, name, steps, window_seconds) ORDER BY id) FROM cdp_funnels WHERE tenant_id = $1),
		'conversionDeliveries', (SELECT jsonb_agg(jsonb_build_array(destination_id, message_id, status, attempts) ORDER BY destination_id, message_id) FROM conversion_delivery_log WHERE tenant_id = $1),
		'audiences', (SELECT jsonb_agg(jsonb_build_array(id, status, platform_audience_id, size) ORDER BY id) FROM audiences WHERE tenant_id = $1),
		'conversionDestinations', (SELECT jsonb_agg(jsonb_build_array(id, name, credentials, credential_keys, enabled, last_test_at) ORDER BY id)
			FROM conversion_destinations WHERE tenant_id = $1))::text`, f.tenantA).Scan(&s))
	return s
}

// vars builds a Vars function from named fixture values.
func vars(kv ...string) func(f *isoFixture) map[string]any {
	return func(f *isoFixture) map[string]any {
		out := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = f.value(kv[i+1])
		}
		return out
	}
}

// value names a fixture value for vars.
func (f *isoFixture) value(name string) string {
	switch name {
	case "key":
		return f.keyA
	case "invite":
		return f.inviteA
	case "inviteToken":
		return f.invTokA
	case "member":
		return f.memberA
	case "audit":
		return f.auditA
	case "tenant":
		return f.ownerA.TenantID
	case "ownerEmail":
		return f.ownerA.Email
	case "rule":
		return f.trust.rule
	case "action":
		return f.trust.action
	case "incident":
		return f.trust.incident
	case "campaign":
		return f.trust.campaign
	case "trustAudit":
		return f.trust.trustAudit
	case "channel":
		return f.notify.channel
	case "delivery":
		return f.notify.delivery
	case "connection":
		return f.conns.connection
	case "adAccount":
		return f.conns.account
	case "source":
		return f.sources.source
	case "profile":
		return f.profiles.profile
	case "absorbed", "absorbedProfile":
		return f.profiles.absorbed
	case "profileEvent":
		return f.profiles.event
	case "segment":
		return f.segments.segment
	case "conversionDestination":
		return f.conversions.destination
	case "conversionDestinationName":
		return f.conversions.name
	case "profileAnon":
		return fmt.Sprintf("alpha-anon-%d", f.n)
	case "traitDefinition":
		return f.traits.definition
	case "traitName":
		return f.traits.name
	case "traitValue":
		return f.traits.value
	case "consentChange":
		return f.privacy.change
	case "privacyRequest":
		return f.privacy.request
	}
	panic("no fixture value " + name)
}

// strs returns a Sees function listing named fixture values.
func strs(names ...string) func(f *isoFixture) []string {
	return func(f *isoFixture) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = f.value(n)
		}
		return out
	}
}

// lit returns a Sees function listing fixed strings of A's data.
func lit(s ...string) func(f *isoFixture) []string { return func(*isoFixture) []string { return s } }

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.node": {Query: `query($id: ID!) { node(id: $id) { id ... on ApiKey { name prefix } } }`,
			Vars: vars("id", "key"), Viewer: Hidden, Hides: strs("key"), B: []string{"NOT_FOUND"}, Sees: strs("key")},
		"Query.nodes": {Query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on AutomationRule { name } ... on Member { user { email } } ... on Tenant { name } ... on AuditEntry { action } ... on Profile { identities { value } } } }`,
			Vars: func(f *isoFixture) map[string]any {
				return map[string]any{"ids": []string{f.trust.rule, f.memberA, f.ownerA.TenantID, f.auditA, f.profiles.absorbed}}
			}, Viewer: Hidden, Hides: strs("audit"), B: []string{"NOT_FOUND"}, Sees: strs("rule", "member", "tenant", "audit", "profile")},
		"Query.serverInfo": {Query: `{ serverInfo { version } }`, Viewer: Public, ControlHas: []string{`"version":"`}},
		"Query.viewer": {Query: `{ viewer { user { id email } tenant { id name } role memberships { tenant { id name } role } } }`, Viewer: Allowed,
			Sees: strs("tenant", "ownerEmail")},
		"Query.members":  {Query: `{ members { totalCount edges { node { id user { id email } role } } } }`, Viewer: Allowed, Sees: strs("member")},
		"Query.invites":  {Query: `{ invites { totalCount edges { node { id email } } } }`, Viewer: Refused, Sees: strs("invite")},
		"Query.apiKeys":  {Query: `{ apiKeys { totalCount edges { node { id name prefix } } } }`, Viewer: Refused, Sees: strs("key")},
		"Query.auditLog": {Query: `{ auditLog { totalCount edges { node { id action actorEmail targetId } } } }`, Viewer: Refused, Sees: strs("audit")},

		// The credential exchanges act on what they are given, not on the
		// caller: B tries A's owner's e-mail (or a forged token); the
		// control uses A's real credential and gets into A.
		"Mutation.signUp": {Query: `mutation($e: String!) { signUp(input: {email: $e, password: "another good password", tenantName: "X"}) { accessToken userErrors { code message } } }`,
			Vars: vars("e", "ownerEmail"), Viewer: Public, B: []string{"CONFLICT"}, ViewerCodes: []string{"CONFLICT"},
			ControlVars: func(t *testing.T, f *isoFixture) map[string]any {
				return map[string]any{"e": fmt.Sprintf("fresh-%d@gamma.test", f.n)}
			}, ControlHas: []string{`"accessToken":"ey`}},
		"Mutation.logIn": {Query: `mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { accessToken viewer { tenant { id } } userErrors { code message } } }`,
			Vars: func(f *isoFixture) map[string]any { return map[string]any{"e": f.ownerA.Email, "p": "wrong password!"} }, Viewer: Public,
			B: []string{"UNAUTHENTICATED"}, ViewerCodes: []string{"UNAUTHENTICATED"},
			ControlVars: func(t *testing.T, f *isoFixture) map[string]any {
				return map[string]any{"e": f.ownerA.Email, "p": "correct horse battery"}
			}, Sees: strs("tenant")},
		"Mutation.verifyMfa": {Query: `mutation($c: String!, $code: String!) { verifyMfa(input: {challengeToken: $c, code: $code}) { accessToken viewer { tenant { id } } userErrors { code } } }`,
			Vars: func(*isoFixture) map[string]any { return map[string]any{"c": "x.y.z", "code": "123456"} }, Viewer: Public,
			B: []string{"UNAUTHENTICATED"}, ViewerCodes: []string{"UNAUTHENTICATED"}, ControlVars: mfaChallenge, Sees: strs("tenant")},
		"Mutation.refreshSession": {Query: `mutation($r: String!) { refreshSession(input: {refreshToken: $r}) { accessToken viewer { tenant { id } } userErrors { code } } }`,
			Vars: func(*isoFixture) map[string]any { return map[string]any{"r": "not-a-token"} }, Viewer: Public,
			B: []string{"UNAUTHENTICATED"}, ViewerCodes: []string{"UNAUTHENTICATED"},
			ControlVars: func(t *testing.T, f *isoFixture) map[string]any { return map[string]any{"r": f.ownerA.Refresh} }, Sees: strs("tenant")},
		"Mutation.logOut": {Query: `mutation { logOut { success } }`, Viewer: Allowed, ControlHas: []string{`"success":true`}},
		"Mutation.switchTenant": {Query: `mutation($t: ID!) { switchTenant(input: {tenantId: $t}) { accessToken viewer { tenant { id name } } userErrors { code } } }`,
			Vars: vars("t", "tenant"), Viewer: Allowed, B: []string{"NOT_FOUND"}, Sees: strs("tenant")},
		"Mutation.enrollMfa": {Query: `mutation { enrollMfa { otpauthUri userErrors { code } } }`, Viewer: Allowed,
			Sees: strs("ownerEmail")},
		"Mutation.confirmMfa": {Query: `mutation($code: String!) { confirmMfa(input: {code: $code}) { backupCodes userErrors { code } } }`,
			Vars: func(*isoFixture) map[string]any { return map[string]any{"code": "000000"} }, Viewer: Allowed,
			B: []string{"BAD_USER_INPUT"}, ViewerCodes: []string{"BAD_USER_INPUT"}, ControlVars: enrolled("code"), ControlHas: []string{`"backupCodes":["`}},
		"Mutation.disableMfa": {Query: `mutation($code: String!) { disableMfa(input: {code: $code}) { user { id } userErrors { code } } }`,
			Vars: func(*isoFixture) map[string]any { return map[string]any{"code": "000000"} }, Viewer: Allowed,
			B: []string{"CONFLICT"}, ViewerCodes: []string{"CONFLICT"}, ControlVars: mfaOn("code"), Sees: func(f *isoFixture) []string { return []string{f.ownerA.UserID} }},
		"Mutation.regenerateBackupCodes": {Query: `mutation($code: String!) { regenerateBackupCodes(input: {code: $code}) { backupCodes userErrors { code } } }`,
			Vars: func(*isoFixture) map[string]any { return map[string]any{"code": "000000"} }, Viewer: Allowed,
			B: []string{"CONFLICT"}, ViewerCodes: []string{"CONFLICT"}, ControlVars: mfaOn("code"), ControlHas: []string{`"backupCodes":["`}},
		"Mutation.inviteMember": {Query: `mutation { inviteMember(input: {email: "someone@else.test", role: OWNER}) { invite { id } userErrors { code } } }`,
			Viewer: Refused, Changes: true},
		"Mutation.revokeInvite": {Query: `mutation($id: ID!) { revokeInvite(input: {id: $id}) { invite { id email } userErrors { code } } }`,
			Vars: vars("id", "invite"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("invite"), Changes: true},
		"Mutation.acceptInvite": {Query: `mutation($t: String!, $p: String) { acceptInvite(input: {token: $t, password: $p}) { accessToken viewer { tenant { id name } } userErrors { code } } }`,
			Vars: vars("t", "inviteToken"), Viewer: Refused, B: []string{"FORBIDDEN"}, ControlAnonymous: true,
			ControlVars: func(t *testing.T, f *isoFixture) map[string]any {
				return map[string]any{"t": f.invTokA, "p": "correct horse battery"}
			}, Sees: strs("tenant"), Changes: true},
		"Mutation.changeMemberRole": {Query: `mutation($id: ID!) { changeMemberRole(input: {memberId: $id, role: OWNER}) { member { id user { email } } userErrors { code } } }`,
			Vars: vars("id", "member"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("member"), Changes: true},
		"Mutation.removeMember": {Query: `mutation($id: ID!) { removeMember(input: {memberId: $id}) { member { id user { email } } userErrors { code } } }`,
			Vars: vars("id", "member"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("member"), Changes: true},
		"Mutation.createApiKey": {Query: `mutation { createApiKey(input: {name: "k", scopes: [ADMIN]}) { secret userErrors { code } } }`, Viewer: Refused, Changes: true},
		"Mutation.revokeApiKey": {Query: `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id name } userErrors { code } } }`,
			Vars: vars("id", "key"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("key"), Changes: true},
		"Mutation.updateTenantSettings": {Query: `mutation { updateTenantSettings(input: {requireMfa: true}) { tenant { id name } userErrors { code } } }`,
			Viewer: Refused, Sees: strs("tenant"), Changes: true},
	})
}

// enrolMfa starts MFA enrolment for A's owner and returns the TOTP secret.
func (f *isoFixture) enrolMfa(t *testing.T) string {
	res := f.b.srv.Query(t, `mutation { enrollMfa { secret userErrors { code } } }`, nil, f.ownerA.H())
	require.Empty(t, res.Errors)
	secret := str(field(t, res.Data, "enrollMfa", "secret"))
	require.NotEmpty(t, secret, "%v", res.Data)
	return secret
}

// mfaOnForOwner enrols and confirms MFA for A's owner with the previous
// step's code (so the current step's code is still unused) and returns
// the TOTP secret.
func (f *isoFixture) mfaOnForOwner(t *testing.T) string {
	secret := f.enrolMfa(t)
	res := f.b.srv.Query(t, `mutation($c: String!) { confirmMfa(input: {code: $c}) { backupCodes userErrors { code } } }`,
		map[string]any{"c": totp(t, secret, time.Now().Add(-30*time.Second))}, f.ownerA.H())
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "confirmMfa", "userErrors"))
	return secret
}

// enrolled gives the control a valid code for confirmMfa.
func enrolled(name string) func(t *testing.T, f *isoFixture) map[string]any {
	return func(t *testing.T, f *isoFixture) map[string]any {
		return map[string]any{name: totp(t, f.enrolMfa(t), time.Now())}
	}
}

// mfaOn turns MFA on for A's owner and gives the control a valid code.
func mfaOn(name string) func(t *testing.T, f *isoFixture) map[string]any {
	return func(t *testing.T, f *isoFixture) map[string]any {
		return map[string]any{name: totp(t, f.mfaOnForOwner(t), time.Now())}
	}
}

// mfaChallenge turns MFA on for A's owner, logs in and gives the control
// the challenge and a valid code for verifyMfa.
func mfaChallenge(t *testing.T, f *isoFixture) map[string]any {
	secret := f.mfaOnForOwner(t)
	_, p := f.b.logIn(t, f.ownerA.Email, "correct horse battery")
	require.Equal(t, true, p["mfaRequired"], "%v", p)
	return map[string]any{"c": str(p["challengeToken"]), "code": totp(t, secret, time.Now())}
}
