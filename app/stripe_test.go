package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76/webhook"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/stripemock"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

// stripeSecret is the webhook signing secret of the test servers.
const stripeSecret = "whsec_stratum_test_secret"

// billingT0 is the Manual clock's start in the billing tests; the events'
// created times are set around it.
var billingT0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// stripeAPI is a server with Stripe's webhook secret and prices configured
// and a Manual database clock.
type stripeAPI struct {
	srv   *apptest.Server
	clock *clock.Manual
	tdb   *testdb.DB
}

func setupStripe(t *testing.T, env map[string]string) *stripeAPI {
	t.Helper()
	tdb := testdb.New(t)
	// The key enables billing; nothing here calls the API (the checkout
	// test points STRIPE_API_BASE at stripe-mock).
	m := map[string]string{"STRIPE_API_KEY": stripemock.APIKey, "STRIPE_API_BASE": "http://127.0.0.1:9", "STRIPE_WEBHOOK_SECRET": stripeSecret,
		"STRIPE_PRICE_PROFESSIONAL": "price_professional", "STRIPE_PRICE_ENTERPRISE": "price_enterprise"}
	for k, v := range env {
		m[k] = v
	}
	c := clock.NewManual(billingT0)
	srv := apptest.Start(t, apptest.Config(t, tdb, m), func(a *app.App) {
		a.Resolver.Auth = roleAuth{}
		a.DB.Clock = c
	})
	return &stripeAPI{srv: srv, clock: c, tdb: tdb}
}

// roleAuth is HeaderAuth with the role from X-Test-Role (OWNER when absent).
type roleAuth struct{}

func (roleAuth) Authenticate(r *http.Request) (context.Context, error) {
	ctx, _ := apptest.HeaderAuth{}.Authenticate(r)
	if p, ok := auth.FromContext(ctx); ok && r.Header.Get("X-Test-Role") != "" {
		q := *p
		q.Role = auth.Role(r.Header.Get("X-Test-Role"))
		ctx = auth.WithPrincipal(ctx, &q)
	}
	return ctx, nil
}

func (roleAuth) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	return apptest.HeaderAuth{}.AuthenticateInit(ctx, payload)
}

// stripeEvent is a Stripe event of the pinned API version.
func stripeEvent(id, typ string, created time.Time, obj map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": billing.APIVersion,
		"created": created.Unix(), "type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": obj}})
	return b
}

func subscription(tenant uuid.UUID, customer, status, price string) map[string]any {
	return map[string]any{"id": "sub_" + customer, "object": "subscription", "customer": customer, "status": status,
		"metadata": map[string]any{"tenant_id": tenant.String()}, "cancel_at_period_end": false,
		"current_period_end": billingT0.Add(30 * 24 * time.Hour).Unix(),
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_" + customer, "object": "subscription_item",
			"price": map[string]any{"id": price, "object": "price"}}}}}
}

func invoice(id, customer string) map[string]any {
	return map[string]any{"id": id, "object": "invoice", "customer": customer, "subscription": "sub_" + customer, "attempt_count": 1}
}

// sign signs body with secret at ts (Stripe-Signature's value).
func sign(body []byte, secret string, ts time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts}).Header
}

// deliver posts body to the webhook with signature (none when empty).
func (b *stripeAPI) deliver(t *testing.T, body []byte, signature string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	readAll(t, res)
	return res.StatusCode
}

// send delivers body signed now with the server's secret and expects 200.
func (b *stripeAPI) send(t *testing.T, body []byte) {
	t.Helper()
	require.Equal(t, http.StatusOK, b.deliver(t, body, sign(body, stripeSecret, time.Now())))
}

// applied waits for the worker to apply event id and returns its row.
func (b *stripeAPI) applied(t *testing.T, id string) *billing.StoredEvent {
	t.Helper()
	var ev *billing.StoredEvent
	require.Eventually(t, func() bool {
		e, err := b.srv.App.Services.Stripe.Event(context.Background(), id)
		ev = e
		return err == nil && e.AppliedAt != nil
	}, 20*time.Second, 20*time.Millisecond, "event %s was not applied", id)
	return ev
}

func (b *stripeAPI) entitlements(t *testing.T, tenant uuid.UUID) billing.Entitlements {
	t.Helper()
	e, err := b.srv.App.Services.Billing.Entitlements(context.Background(), tenant)
	require.NoError(t, err)
	return e
}

// count runs a count(*) query in the global scope (stripe_events, river_job).
func (b *stripeAPI) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.srv.App.DB.Bun.NewRaw(query, args...).Scan(context.Background(), &n))
	return n
}

// audits counts tenant's audit entries of action.
func (b *stripeAPI) audits(t *testing.T, tenant uuid.UUID, action string) int {
	t.Helper()
	var n int
	require.NoError(t, b.srv.App.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM audit_log WHERE action = ?`, action).Scan(ctx, &n)
	}))
	return n
}

const applyJobs = `SELECT count(*) FROM river_job WHERE kind = 'billing.apply_stripe_event' AND args->>'event_id' = ?`

// Missing, forged, tampered and stale signatures are 400 and leave no
// event and no job; the same event signed properly is stored (control).
func TestStripeWebhookRefusesUnverifiedDeliveries(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "professional"})
	body := stripeEvent("evt_sig", "customer.subscription.updated", billingT0, subscription(tenant, "cus_sig", "active", "price_enterprise"))
	tampered := bytes.Replace(body, []byte("price_enterprise"), []byte("price_professional"), 1)
	for name, c := range map[string]struct {
		body []byte
		sig  string
	}{
		"missing":      {body, ""},
		"garbage":      {body, "t=abc,v1=zz"},
		"wrong secret": {body, sign(body, "whsec_someone_else", time.Now())},
		"tampered":     {tampered, sign(body, stripeSecret, time.Now())},
		"stale":        {body, sign(body, stripeSecret, time.Now().Add(-billing.SignatureTolerance-time.Minute))},
	} {
		require.Equal(t, http.StatusBadRequest, b.deliver(t, c.body, c.sig), name)
	}
	huge := stripeEvent("evt_huge", "customer.updated", billingT0, map[string]any{"id": "cus_huge", "description": strings.Repeat("x", billing.MaxEventBytes)})
	require.Equal(t, http.StatusRequestEntityTooLarge, b.deliver(t, huge, sign(huge, stripeSecret, time.Now())), "an oversized body")
	require.Zero(t, b.count(t, `SELECT count(*) FROM stripe_events`), "a refused delivery stored an event")
	require.Zero(t, b.count(t, applyJobs, "evt_sig"), "a refused delivery enqueued a job")
	require.Equal(t, billing.Professional, b.entitlements(t, tenant).State.Plan)

	b.send(t, body)
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM stripe_events WHERE id = 'evt_sig'`))
	b.applied(t, "evt_sig")
	require.Equal(t, billing.Enterprise, b.entitlements(t, tenant).State.Plan, "the verified event applied")
}

// An event delivered twice, and another delivered eight times at once,
// are each stored once, enqueued once and applied once.
func TestStripeEventAppliesOnce(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})

	created := stripeEvent("evt_once", "customer.subscription.created", billingT0, subscription(tenant, "cus_once", "active", "price_professional"))
	b.send(t, created)
	b.send(t, created)
	require.Equal(t, http.StatusOK, b.deliver(t, created, sign(created, stripeSecret, time.Now())))
	b.applied(t, "evt_once")
	require.Equal(t, 1, b.count(t, applyJobs, "evt_once"))
	require.Equal(t, 1, b.audits(t, tenant, "billing.plan_changed"))
	// A retried or rescued job finds the event applied.
	outcome, err := b.srv.App.Services.Stripe.ApplyEvent(ctx, "evt_once")
	require.NoError(t, err)
	require.Contains(t, outcome, "professional")
	require.Equal(t, 1, b.audits(t, tenant, "billing.plan_changed"))

	failed := stripeEvent("evt_concurrent", "invoice.payment_failed", billingT0.Add(time.Hour), invoice("in_1", "cus_once"))
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/webhooks/stripe", bytes.NewReader(failed))
			req.Header.Set("Stripe-Signature", sign(failed, stripeSecret, time.Now()))
			if res, err := http.DefaultClient.Do(req); err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	for _, c := range codes {
		require.Equal(t, http.StatusOK, c)
	}
	b.applied(t, "evt_concurrent")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM stripe_events WHERE id = 'evt_concurrent'`))
	require.Equal(t, 1, b.count(t, applyJobs, "evt_concurrent"))
	require.Equal(t, 1, b.audits(t, tenant, "billing.payment_failed"))
	require.Equal(t, 2, b.audits(t, tenant, "billing.plan_changed"), "ACTIVE → PAST_DUE once")

	// Appliers racing the worker (a rescued job beside a live one): once.
	paid := stripeEvent("evt_race", "invoice.paid", billingT0.Add(2*time.Hour), invoice("in_1", "cus_once"))
	b.send(t, paid)
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.srv.App.Services.Stripe.ApplyEvent(ctx, "evt_race")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	b.applied(t, "evt_race")
	require.Equal(t, 3, b.audits(t, tenant, "billing.plan_changed"), "PAST_DUE → ACTIVE once")
	require.Equal(t, billing.Active, b.entitlements(t, tenant).State.Status)
}

// The webhook's log lines never carry the payload (a billing e-mail in
// it), whether the delivery is refused or stored.
func TestStripeWebhookLogsNoPayload(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	tdb := testdb.New(t)
	srv := apptest.Start(t, apptest.Config(t, tdb, map[string]string{"STRIPE_API_KEY": stripemock.APIKey, "STRIPE_WEBHOOK_SECRET": stripeSecret}), func(a *app.App) {
		a.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	b := &stripeAPI{srv: srv, tdb: tdb}
	const canary = "pii-canary@example.test"
	body := stripeEvent("evt_log", "customer.updated", billingT0, map[string]any{"id": "cus_log", "object": "customer", "email": canary})
	require.Equal(t, http.StatusBadRequest, b.deliver(t, body, sign(body, "whsec_wrong", time.Now())))
	require.Equal(t, http.StatusBadRequest, b.deliver(t, body, sign(body, stripeSecret, time.Now().Add(-time.Hour))))
	other := bytes.Replace(body, []byte(billing.APIVersion), []byte("2020-08-27"), 1)
	require.Equal(t, http.StatusBadRequest, b.deliver(t, other, sign(other, stripeSecret, time.Now())))
	b.send(t, body)
	ev := b.applied(t, "evt_log")
	require.Equal(t, "ignored: event type not handled", *ev.Outcome, "an unknown type is stored and acknowledged")
	require.Contains(t, logs.String(), "stripe webhook refused", "the refusals were logged (control)")
	require.NotContains(t, logs.String(), canary)
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// A subscription update older than the applied one is recorded as stale
// and changes nothing; the newer one applied (the positive control).
func TestStripeStaleSubscriptionUpdateIgnored(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})

	newer := stripeEvent("evt_newer", "customer.subscription.updated", billingT0.Add(time.Minute), subscription(tenant, "cus_order", "active", "price_enterprise"))
	older := stripeEvent("evt_older", "customer.subscription.updated", billingT0, subscription(tenant, "cus_order", "past_due", "price_professional"))
	b.send(t, newer)
	b.applied(t, "evt_newer")
	st := b.entitlements(t, tenant).State
	require.Equal(t, billing.Enterprise, st.Plan, "the newer update applied")
	require.Equal(t, billing.Active, st.Status)

	b.send(t, older)
	ev := b.applied(t, "evt_older")
	require.NotNil(t, ev.Outcome)
	require.True(t, strings.HasPrefix(*ev.Outcome, "stale"), *ev.Outcome)
	st = b.entitlements(t, tenant).State
	require.Equal(t, billing.Enterprise, st.Plan, "the stale update overwrote the newer state")
	require.Equal(t, billing.Active, st.Status)
	require.Equal(t, billingT0.Add(time.Minute), st.SubscriptionAsOf.UTC())
}

// invoice.payment_failed makes the tenant PAST_DUE with its paid features
// until the grace period ends; then Starter's apply while its data stays;
// a later invoice.paid restores the plan.
func TestStripePaymentFailureGraceAndRecovery(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	require.NoError(t, b.tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "test.kept", ActorType: audit.ActorSystem})
	}))

	b.send(t, stripeEvent("evt_sub", "customer.subscription.created", billingT0.Add(-time.Hour), subscription(tenant, "cus_grace", "active", "price_professional")))
	b.applied(t, "evt_sub")
	require.True(t, b.entitlements(t, tenant).Enabled(billing.Autopilot))

	b.send(t, stripeEvent("evt_fail", "invoice.payment_failed", billingT0, invoice("in_fail", "cus_grace")))
	b.applied(t, "evt_fail")
	e := b.entitlements(t, tenant)
	require.Equal(t, billing.PastDue, e.State.Status)
	require.Equal(t, billingT0.Add(billing.DefaultGrace), e.State.GraceEndsAt.UTC())
	require.Equal(t, billing.Professional, e.Plan, "within the grace period the paid plan applies")
	require.True(t, e.Enabled(billing.Autopilot))
	require.Equal(t, 1, b.audits(t, tenant, "billing.payment_failed"), "the failure's notice")

	b.clock.Advance(billing.DefaultGrace)
	e = b.entitlements(t, tenant)
	require.Equal(t, billing.Starter, e.Plan, "after the grace period Starter's features apply")
	require.False(t, e.Enabled(billing.Autopilot))
	require.Equal(t, billing.Professional, e.State.Plan, "the subscription's plan is kept")
	require.Equal(t, 1, b.audits(t, tenant, "test.kept"), "the tenant's data remains")

	b.send(t, stripeEvent("evt_paid", "invoice.paid", billingT0.Add(billing.DefaultGrace+time.Hour), invoice("in_fail", "cus_grace")))
	b.applied(t, "evt_paid")
	e = b.entitlements(t, tenant)
	require.Equal(t, billing.Active, e.State.Status)
	require.Nil(t, e.State.GraceEndsAt)
	require.Equal(t, billing.Professional, e.Plan)
	require.True(t, e.Enabled(billing.Autopilot), "the paid invoice restored the plan's features")
}

// billingChanged reaches the changed tenant's subscribers only: B's
// stream stays silent while A's gets A's state (the positive control).
func TestBillingChangedIsTenantScoped(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	a := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	other := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := `subscription { billingChanged { plan status graceEndsAt } }`
	sa := wstest.DialSSE(t, ctx, b.srv.URL+"/graphql", q, nil, tenantHeader(a))
	sb := wstest.DialSSE(t, ctx, b.srv.URL+"/graphql", q, nil, tenantHeader(other))
	require.Eventually(t, func() bool { return b.srv.App.Hub.Subscribers() == 2 }, 10*time.Second, 10*time.Millisecond)

	b.send(t, stripeEvent("evt_rt", "customer.subscription.created", billingT0, subscription(a, "cus_rt", "active", "price_enterprise")))
	msg, err := sa.Read(15 * time.Second)
	require.NoError(t, err)
	require.Equal(t, "next", msg.Type)
	require.Contains(t, string(msg.Payload), `"plan":"ENTERPRISE"`)
	require.Contains(t, string(msg.Payload), `"status":"ACTIVE"`)
	if m, err := sb.Read(500 * time.Millisecond); err == nil {
		t.Fatalf("tenant B received A's billing change: %s %s", m.Type, m.Payload)
	}
	require.Equal(t, billing.Starter, b.entitlements(t, other).State.Plan, "B's state is untouched")
}

// Checkout and portal sessions against stripe-mock: the customer is
// created once and stored; bad input is a precise userError with nothing
// written; only owners may ask.
func TestCheckoutAndPortalAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	b := setupStripe(t, map[string]string{"STRIPE_API_KEY": stripemock.APIKey, "STRIPE_API_BASE": mock,
		"STRATUM_PUBLIC_URL": "https://stratum.example.test"})
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "professional"})
	h := tenantHeader(tenant)
	checkout := `mutation($in: CreateCheckoutSessionInput!) { createCheckoutSession(input: $in) { url userErrors { field message code } } }`
	in := func(plan, success, cancel string) map[string]any {
		return map[string]any{"in": map[string]any{"plan": plan, "successUrl": success, "cancelUrl": cancel}}
	}
	ok, back := "https://stratum.example.test/settings/billing?done=1", "https://stratum.example.test/settings/billing"

	customerState := func() (id, key *string) {
		require.NoError(t, b.srv.App.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT stripe_customer_id, stripe_customer_key FROM tenant_billing`).Scan(ctx, &id, &key)
		}))
		return id, key
	}
	for _, c := range []struct {
		name, plan, success, cancel string
		field, code                 string
	}{
		{"unknown plan", "gold", ok, back, "input.plan", "BAD_USER_INPUT"},
		{"plan without a price", "starter", ok, back, "input.plan", "BAD_USER_INPUT"},
		{"the current plan", "PROFESSIONAL", ok, back, "input.plan", "CONFLICT"},
		{"another origin", "enterprise", "https://evil.example/steal", back, "input.successUrl", "BAD_USER_INPUT"},
		{"not http", "enterprise", ok, "javascript:alert(1)", "input.cancelUrl", "BAD_USER_INPUT"},
		{"too long", "enterprise", ok + strings.Repeat("x", 2100), back, "input.successUrl", "BAD_USER_INPUT"},
	} {
		res := b.srv.Query(t, checkout, in(c.plan, c.success, c.cancel), h)
		require.Empty(t, res.Errors, c.name)
		p := res.Data["createCheckoutSession"].(map[string]any)
		require.Nil(t, p["url"], c.name)
		ue := p["userErrors"].([]any)
		require.Len(t, ue, 1, c.name)
		e := ue[0].(map[string]any)
		require.Equal(t, c.code, e["code"], c.name)
		require.Equal(t, strings.Split(c.field, "."), toStrings(e["field"]), c.name)
		id, key := customerState()
		require.Nil(t, id, "%s: a customer was created", c.name)
		require.Nil(t, key, "%s: a customer creation was recorded", c.name)
	}

	res := b.srv.Query(t, checkout, in("enterprise", ok, back), http.Header{"X-Test-Tenant": {tenant.String()}, "X-Test-Role": {"ADMIN"}})
	require.Equal(t, "FORBIDDEN", res.Code(), "an admin who is not an owner")
	id, _ := customerState()
	require.Nil(t, id)

	res = b.srv.Query(t, checkout, in("enterprise", ok, back), h)
	require.Empty(t, res.Errors)
	p := res.Data["createCheckoutSession"].(map[string]any)
	require.Empty(t, p["userErrors"])
	require.NotEmpty(t, p["url"], "stripe-mock's checkout URL")
	id, key := customerState()
	require.NotNil(t, id, "the customer id is stored")
	require.Equal(t, "stratum-customer-"+tenant.String(), *key)
	first := *id

	portal := `mutation($u: String!) { createBillingPortalSession(input: {returnUrl: $u}) { url userErrors { field code } } }`
	res = b.srv.Query(t, portal, map[string]any{"u": "ftp://stratum.example.test/"}, h)
	require.Empty(t, res.Errors)
	require.Equal(t, []string{"input", "returnUrl"}, toStrings(res.Data["createBillingPortalSession"].(map[string]any)["userErrors"].([]any)[0].(map[string]any)["field"]))
	res = b.srv.Query(t, portal, map[string]any{"u": back}, h)
	require.Empty(t, res.Errors)
	require.NotEmpty(t, res.Data["createBillingPortalSession"].(map[string]any)["url"])
	id, _ = customerState()
	require.Equal(t, first, *id, "the customer is reused")
}

// Without STRIPE_API_KEY billing is disabled: checkout and the portal
// answer FEATURE_DISABLED saying Stripe is not configured, and the seeded
// demo tenant is on Enterprise, ACTIVE.
func TestBillingDisabled(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, map[string]string{"STRIPE_API_KEY": ""})
	require.False(t, b.srv.App.Services.Stripe.Enabled())
	require.NoError(t, app.Seed(context.Background(), b.srv.App, apptest.Logger()))
	e := b.entitlements(t, app.DemoTenantID)
	require.Equal(t, billing.Enterprise, e.State.Plan)
	require.Equal(t, billing.Active, e.State.Status)
	require.True(t, e.Enabled(billing.CompetitorIntel))

	h := tenantHeader(app.DemoTenantID)
	for _, q := range []string{
		`mutation { createCheckoutSession(input: {plan: "enterprise", successUrl: "http://localhost:8080/", cancelUrl: "http://localhost:8080/"}) { url } }`,
		`mutation { createBillingPortalSession(input: {returnUrl: "http://localhost:8080/"}) { url } }`,
	} {
		res := b.srv.Query(t, q, nil, h)
		require.Equal(t, "FEATURE_DISABLED", res.Code(), q)
		require.Contains(t, res.Errors[0].Message, "Stripe is not configured on this server")
	}
	// Nor does a Stripe event change a plan (even with a webhook secret set).
	body := stripeEvent("evt_off", "customer.subscription.updated", billingT0, subscription(app.DemoTenantID, "cus_off", "canceled", "price_enterprise"))
	require.Equal(t, http.StatusNotFound, b.deliver(t, body, sign(body, stripeSecret, time.Now())))
	require.Zero(t, b.count(t, `SELECT count(*) FROM stripe_events`))
}

// An event whose metadata names tenant A but whose customer is B's is
// recorded and ignored: A does not take B's customer or subscription.
func TestStripeEventCannotMoveACustomer(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	a := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	other := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	b.send(t, stripeEvent("evt_b", "customer.subscription.created", billingT0, subscription(other, "cus_b", "active", "price_professional")))
	b.applied(t, "evt_b")
	require.Equal(t, billing.Professional, b.entitlements(t, other).State.Plan, "B's own event applied (control)")

	b.send(t, stripeEvent("evt_steal", "customer.subscription.updated", billingT0.Add(time.Minute), subscription(a, "cus_b", "active", "price_enterprise")))
	ev := b.applied(t, "evt_steal")
	require.Equal(t, "ignored: the event's customer belongs to another tenant", *ev.Outcome)
	require.Equal(t, billing.Starter, b.entitlements(t, a).State.Plan)
	require.Nil(t, b.entitlements(t, a).State.StripeCustomerID)
	require.Equal(t, billing.Professional, b.entitlements(t, other).State.Plan)
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// fakeStripe is a local Stripe API for checkout: it answers customer and
// checkout-session creation as Stripe does, fails the test on any other or
// malformed request, and counts the requests it got.
type fakeStripe struct {
	mu       sync.Mutex
	requests []string
}

func (f *fakeStripe) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func startFakeStripe(t *testing.T) (*fakeStripe, string) {
	t.Helper()
	f := &fakeStripe{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		fail := func(format string, args ...any) {
			t.Errorf("fake Stripe: "+format, args...)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","message":"malformed request"}}`))
		}
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer "+stripemock.APIKey ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			fail("%s %s: want a form POST with the secret key as bearer", r.Method, r.URL.Path)
			return
		}
		if err := r.ParseForm(); err != nil {
			fail("%s: form: %v", r.URL.Path, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/customers":
			if r.Header.Get("Idempotency-Key") == "" || r.PostForm.Get("metadata[tenant_id]") == "" {
				fail("customer creation without an idempotency key or tenant metadata: %v", r.PostForm)
				return
			}
			_, _ = fmt.Fprintf(w, `{"id":"cus_%s","object":"customer"}`, strings.ReplaceAll(r.PostForm.Get("metadata[tenant_id]"), "-", ""))
		case "/v1/checkout/sessions":
			f := r.PostForm
			if f.Get("mode") != "subscription" || !strings.HasPrefix(f.Get("customer"), "cus_") || f.Get("line_items[0][price]") == "" ||
				f.Get("line_items[0][quantity]") != "1" || f.Get("success_url") == "" || f.Get("cancel_url") == "" {
				fail("malformed checkout session: %v", f)
				return
			}
			_, _ = w.Write([]byte(`{"id":"cs_fake","object":"checkout.session","url":"https://checkout.stripe.com/c/pay/cs_fake"}`))
		default:
			fail("unexpected request %s", r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// A tenant with a live Stripe subscription (ACTIVE, PAST_DUE or TRIALING
// with a subscription id, whatever its plan) cannot start a second one
// through checkout: CONFLICT on input.plan, nothing written, no request to
// Stripe. A sign-up's trial (no subscription) checks out (the control).
func TestCheckoutRefusedWhileSubscribed(t *testing.T) {
	t.Parallel()
	fake, base := startFakeStripe(t)
	b := setupStripe(t, map[string]string{"STRIPE_API_BASE": base, "STRATUM_PUBLIC_URL": "https://stratum.example.test"})
	ctx := context.Background()
	const checkout = `mutation($in: CreateCheckoutSessionInput!) { createCheckoutSession(input: $in) { url userErrors { field message code } } }`
	vars := func(plan string) map[string]any {
		return map[string]any{"in": map[string]any{"plan": plan, "successUrl": "https://stratum.example.test/settings/billing?done=1",
			"cancelUrl": "https://stratum.example.test/settings/billing"}}
	}
	setState := func(tenant uuid.UUID, plan, status string, sub any) {
		require.NoError(t, b.srv.App.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewRaw(`UPDATE tenant_billing SET plan = ?, status = ?, stripe_subscription_id = ?, trial_ends_at = ?`,
				plan, status, sub, billingT0.Add(24*time.Hour)).Exec(ctx)
			return err
		}))
	}
	customerKey := func(tenant uuid.UUID) (key *string) {
		require.NoError(t, b.srv.App.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT stripe_customer_key FROM tenant_billing`).Scan(ctx, &key)
		}))
		return key
	}
	for _, c := range []struct{ name, plan, status, ask string }{
		{"active on another plan", "professional", "ACTIVE", "enterprise"},
		{"past due", "professional", "PAST_DUE", "enterprise"},
		{"trialing a subscription", "enterprise", "TRIALING", "professional"},
	} {
		tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
		setState(tenant, c.plan, c.status, "sub_live")
		res := b.srv.Query(t, checkout, vars(c.ask), tenantHeader(tenant))
		require.Empty(t, res.Errors, c.name)
		p := res.Data["createCheckoutSession"].(map[string]any)
		require.Nil(t, p["url"], c.name)
		ue := p["userErrors"].([]any)
		require.Len(t, ue, 1, c.name)
		e := ue[0].(map[string]any)
		require.Equal(t, "CONFLICT", e["code"], c.name)
		require.Equal(t, []string{"input", "plan"}, toStrings(e["field"]), c.name)
		require.Equal(t, "the workspace has a subscription; change its plan in the billing portal", e["message"], c.name)
		require.Nil(t, customerKey(tenant), "%s: a customer creation was recorded", c.name)
		require.Zero(t, b.audits(t, tenant, "billing.checkout_session_created"), c.name)
		require.Zero(t, fake.count(), "%s: Stripe was called", c.name)
	}

	// The control: a sign-up's trial (TRIALING, no subscription) and a
	// canceled subscription check out through the same path.
	for _, c := range []struct {
		name, status string
		sub          any
	}{{"sign-up trial", "TRIALING", nil}, {"canceled", "CANCELED", "sub_old"}} {
		tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
		setState(tenant, "professional", c.status, c.sub)
		before := fake.count()
		res := b.srv.Query(t, checkout, vars("enterprise"), tenantHeader(tenant))
		require.Empty(t, res.Errors, c.name)
		p := res.Data["createCheckoutSession"].(map[string]any)
		require.Empty(t, p["userErrors"], c.name)
		require.Equal(t, "https://checkout.stripe.com/c/pay/cs_fake", p["url"], c.name)
		require.Equal(t, before+2, fake.count(), "%s: a customer and a checkout session", c.name)
		require.Equal(t, 1, b.audits(t, tenant, "billing.checkout_session_created"), c.name)
	}
}

// paymentIncidents lists tenant's PAYMENT_FAILED incidents through GraphQL.
func (b *stripeAPI) paymentIncidents(t *testing.T, tenant uuid.UUID) []map[string]any {
	t.Helper()
	res := b.srv.Query(t, `{ incidents(first: 20) { edges { node { cause title state severity platform } } } }`, nil, tenantHeader(tenant))
	require.Empty(t, res.Errors)
	var out []map[string]any
	edges := res.Data["incidents"].(map[string]any)["edges"].([]any)
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		if n["cause"] == "PAYMENT_FAILED" {
			out = append(out, n)
		}
	}
	return out
}

// A failed payment opens one incident naming when the paid features end,
// however often it is delivered or retried; a paid invoice resolves it; a
// later failure opens a new one.
func TestStripePaymentFailureOpensIncident(t *testing.T) {
	t.Parallel()
	b := setupStripe(t, nil)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	b.send(t, stripeEvent("evt_sub", "customer.subscription.created", billingT0.Add(-time.Hour), subscription(tenant, "cus_inc", "active", "price_professional")))
	b.applied(t, "evt_sub")
	require.Empty(t, b.paymentIncidents(t, tenant), "an active subscription has no incident")

	fail := stripeEvent("evt_fail", "invoice.payment_failed", billingT0, invoice("in_1", "cus_inc"))
	b.send(t, fail)
	b.applied(t, "evt_fail")
	b.send(t, fail) // Stripe's redelivery
	_, err := b.srv.App.Services.Stripe.ApplyEvent(ctx, "evt_fail")
	require.NoError(t, err)
	retry := stripeEvent("evt_fail_again", "invoice.payment_failed", billingT0.Add(24*time.Hour), invoice("in_1", "cus_inc"))
	b.send(t, retry)
	b.applied(t, "evt_fail_again")
	incs := b.paymentIncidents(t, tenant)
	require.Len(t, incs, 1, "one incident for the failures")
	require.Equal(t, "Payment failed — paid features end 8 Dec 2026 09:00 UTC", incs[0]["title"])
	require.Equal(t, "OPEN", incs[0]["state"])
	require.Equal(t, "HIGH", incs[0]["severity"])
	require.Nil(t, incs[0]["platform"])
	require.Equal(t, billing.PastDue, b.entitlements(t, tenant).State.Status)

	b.send(t, stripeEvent("evt_paid", "invoice.paid", billingT0.Add(48*time.Hour), invoice("in_1", "cus_inc")))
	b.applied(t, "evt_paid")
	incs = b.paymentIncidents(t, tenant)
	require.Len(t, incs, 1)
	require.Equal(t, "RESOLVED", incs[0]["state"], "the paid invoice resolved the incident")
	require.Equal(t, billing.Active, b.entitlements(t, tenant).State.Status)

	b.send(t, stripeEvent("evt_fail_later", "invoice.payment_failed", billingT0.Add(30*24*time.Hour), invoice("in_2", "cus_inc")))
	b.applied(t, "evt_fail_later")
	incs = b.paymentIncidents(t, tenant)
	require.Len(t, incs, 2, "a later failure opens a new incident")
	byState := map[any]any{incs[0]["state"]: incs[0]["title"], incs[1]["state"]: incs[1]["title"]}
	require.Equal(t, map[any]any{"RESOLVED": "Payment failed — paid features end 8 Dec 2026 09:00 UTC",
		"OPEN": "Payment failed — paid features end 7 Jan 2027 09:00 UTC"}, byState)
}
