package billing

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

var hT0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func subscriptionJSON(status, price string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": status,
		"current_period_end": hT0.Add(720 * time.Hour).Unix(), "trial_end": hT0.Add(48 * time.Hour).Unix(),
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "price": map[string]any{"id": price}}}}})
	return b
}

// Stripe's subscription statuses map onto Stratum's, with the plan read
// from the price.
func TestSubscriptionStatusMapping(t *testing.T) {
	t.Parallel()
	s := &Stripe{Billing: &Service{}, Config: StripeConfig{Prices: map[Plan]string{Professional: "price_pro", Enterprise: "price_ent"}}}
	grace := hT0.Add(DefaultGrace)
	for _, c := range []struct {
		status, price string
		changed       bool
		want          Status
		plan          Plan
		graceEnds     *time.Time
	}{
		{"active", "price_ent", true, Active, Enterprise, nil},
		{"trialing", "price_pro", true, Trialing, Professional, nil},
		{"past_due", "price_pro", true, PastDue, Professional, &grace},
		{"unpaid", "price_pro", true, PastDue, Professional, &hT0},
		{"canceled", "price_pro", true, Canceled, Professional, nil},
		{"incomplete_expired", "price_pro", true, Canceled, Professional, nil},
		{"paused", "price_pro", true, Canceled, Professional, nil},
		{"incomplete", "price_pro", false, Active, Starter, nil},
		{"active", "price_unknown", false, Active, Starter, nil},
	} {
		obj, err := parseAs[subscriptionObject](subscriptionJSON(c.status, c.price))
		require.NoError(t, err)
		st := State{TenantID: uuid.New(), Plan: Starter, Status: Active}
		before := st
		outcome, _ := applySubscription(s, &st, eventCtx{at: hT0}, obj)
		require.Equal(t, c.changed, !sameState(st, before), "%s/%s: %s", c.status, c.price, outcome)
		require.Equal(t, c.want, st.Status, c.status)
		require.Equal(t, c.plan, st.Plan, c.status)
		if c.graceEnds == nil {
			require.Nil(t, st.GraceEndsAt, c.status)
		} else {
			require.Equal(t, *c.graceEnds, st.GraceEndsAt.UTC(), c.status)
		}
		if c.want == Trialing {
			require.Equal(t, hT0.Add(48*time.Hour), st.TrialEndsAt.UTC())
		}
	}
}

// A second failed payment does not extend the grace period of the first.
func TestGraceRunsFromTheFirstFailure(t *testing.T) {
	t.Parallel()
	s := &Stripe{Billing: &Service{}}
	inv, err := parseAs[invoiceObject](json.RawMessage(`{"id":"in_1","customer":"cus_1","subscription":"sub_1"}`))
	require.NoError(t, err)
	sub := "sub_1"
	st := State{Plan: Professional, Status: Active, StripeSubscriptionID: &sub}
	_, notice := applyPaymentFailed(s, &st, eventCtx{at: hT0}, inv)
	require.Equal(t, "billing.payment_failed", notice)
	require.Equal(t, hT0.Add(DefaultGrace), *st.GraceEndsAt)
	applyPaymentFailed(s, &st, eventCtx{at: hT0.Add(72 * time.Hour)}, inv)
	require.Equal(t, hT0.Add(DefaultGrace), *st.GraceEndsAt, "the retry's failure extended the grace period")

	other := "sub_2"
	st2 := State{Plan: Professional, Status: Active, StripeSubscriptionID: &other}
	outcome, _ := applyPaymentFailed(s, &st2, eventCtx{at: hT0}, inv)
	require.Equal(t, Active, st2.Status, outcome)
}

// The README's webhook set-up lists every event type Stratum applies.
func TestREADMEListsTheHandledEvents(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.NotEmpty(t, HandledEventTypes())
	for _, typ := range HandledEventTypes() {
		require.Contains(t, string(readme), "`"+typ+"`", "README.md's Billing section lacks %s", typ)
	}
}
