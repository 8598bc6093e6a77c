package billing

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/stripe/stripe-go/v76"
)

// stripeObject is an event's object as a handler reads it.
type stripeObject interface{ ref() objectRef }

// handler applies one event type to a tenant's billing state. apply
// changes st in place and returns the outcome to record and, for a notice,
// the audit action to record (the state may stay the same).
type handler struct {
	parse func(raw json.RawMessage) (stripeObject, error)
	apply func(s *Stripe, st *State, ev eventCtx, obj stripeObject) (outcome, notice string)
	// ordered handlers change the subscription state and obey its timeline
	// (subscription_as_of); notices do not.
	ordered bool
}

// handlers are the event types Stratum applies; any other is stored,
// acknowledged and recorded as not handled.
var handlers = map[string]handler{
	"checkout.session.completed":           {parse: parseAs[checkoutObject], apply: applyCheckout, ordered: true},
	"customer.subscription.created":        {parse: parseAs[subscriptionObject], apply: applySubscription, ordered: true},
	"customer.subscription.updated":        {parse: parseAs[subscriptionObject], apply: applySubscription, ordered: true},
	"customer.subscription.deleted":        {parse: parseAs[subscriptionObject], apply: applySubscriptionDeleted, ordered: true},
	"invoice.paid":                         {parse: parseAs[invoiceObject], apply: applyInvoicePaid, ordered: true},
	"invoice.payment_failed":               {parse: parseAs[invoiceObject], apply: applyPaymentFailed, ordered: true},
	"customer.subscription.trial_will_end": {parse: parseAs[subscriptionObject], apply: applyTrialWillEnd},
}

// HandledEventTypes lists the event types Stratum applies (the webhook
// endpoint in Stripe's dashboard subscribes to these).
func HandledEventTypes() []string {
	out := make([]string, 0, len(handlers))
	for k := range handlers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// parseAs reads raw as T (a stripe-go object wrapped to name its tenant).
func parseAs[T any, P interface {
	*T
	stripeObject
}](raw json.RawMessage) (stripeObject, error) {
	v := P(new(T))
	return v, json.Unmarshal(raw, v)
}

type checkoutObject struct{ stripe.CheckoutSession }

func (o *checkoutObject) ref() objectRef {
	r := objectRef{tenant: o.ClientReferenceID, customer: customerID(o.Customer)}
	if r.tenant == "" {
		r.tenant = o.Metadata["tenant_id"]
	}
	return r
}

type subscriptionObject struct{ stripe.Subscription }

func (o *subscriptionObject) ref() objectRef {
	return objectRef{tenant: o.Metadata["tenant_id"], customer: customerID(o.Customer)}
}

type invoiceObject struct{ stripe.Invoice }

func (o *invoiceObject) ref() objectRef {
	r := objectRef{customer: customerID(o.Customer)}
	if o.SubscriptionDetails != nil {
		r.tenant = o.SubscriptionDetails.Metadata["tenant_id"]
	}
	return r
}

func customerID(c *stripe.Customer) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func unixPtr(sec int64) *time.Time {
	if sec <= 0 {
		return nil
	}
	t := time.Unix(sec, 0).UTC()
	return &t
}

// adoptCustomer stores a customer id the tenant does not have yet.
func adoptCustomer(st *State, id string) {
	if id != "" && st.StripeCustomerID == nil {
		st.StripeCustomerID = &id
	}
}

// applyCheckout: a completed checkout links the customer and subscription
// and, once paid, makes the bought plan (Stratum's own metadata) active.
func applyCheckout(_ *Stripe, st *State, _ eventCtx, obj stripeObject) (string, string) {
	o := obj.(*checkoutObject)
	adoptCustomer(st, customerID(o.Customer))
	if o.Subscription != nil && o.Subscription.ID != "" {
		id := o.Subscription.ID
		st.StripeSubscriptionID = &id
	}
	if o.Mode != stripe.CheckoutSessionModeSubscription ||
		(o.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid && o.PaymentStatus != stripe.CheckoutSessionPaymentStatusNoPaymentRequired) {
		return "linked the customer; the checkout is not paid yet", ""
	}
	plan, ok := ParsePlan(o.Metadata["plan"])
	if !ok {
		return "linked the customer; the checkout names no plan", ""
	}
	st.Plan, st.Status, st.TrialEndsAt, st.GraceEndsAt = plan, Active, nil, nil
	return fmt.Sprintf("checkout paid: %s active", plan), ""
}

// planOfPrice finds the plan whose configured price id is price.
func (s *Stripe) planOfPrice(price string) (Plan, bool) {
	for p, id := range s.Config.Prices {
		if id != "" && id == price {
			return p, true
		}
	}
	return "", false
}

// applySubscription maps a subscription's status and price onto the state.
func applySubscription(s *Stripe, st *State, ev eventCtx, obj stripeObject) (string, string) {
	o := obj.(*subscriptionObject)
	current := st.StripeSubscriptionID != nil && *st.StripeSubscriptionID == o.ID
	if !current && st.StripeSubscriptionID != nil && isEnded(o.Status) {
		return "ignored: an ended subscription that is not the tenant's current one", ""
	}
	if o.Status == stripe.SubscriptionStatusIncomplete {
		return "ignored: the subscription's first payment is not complete", ""
	}
	if o.Items == nil || len(o.Items.Data) == 0 || o.Items.Data[0].Price == nil {
		return "ignored: the subscription has no price", ""
	}
	plan, ok := s.planOfPrice(o.Items.Data[0].Price.ID)
	if !ok {
		return "ignored: the subscription's price is not a configured plan price", ""
	}
	adoptCustomer(st, customerID(o.Customer))
	id := o.ID
	st.StripeSubscriptionID = &id
	st.Plan = plan
	st.CurrentPeriodEnd = unixPtr(o.CurrentPeriodEnd)
	st.CancelAtPeriodEnd = o.CancelAtPeriodEnd
	switch o.Status {
	case stripe.SubscriptionStatusTrialing:
		st.Status, st.TrialEndsAt, st.GraceEndsAt = Trialing, unixPtr(o.TrialEnd), nil
	case stripe.SubscriptionStatusActive:
		st.Status, st.TrialEndsAt, st.GraceEndsAt = Active, nil, nil
	case stripe.SubscriptionStatusPastDue:
		pastDue(s, st, ev.at)
	case stripe.SubscriptionStatusUnpaid:
		// Stripe gave up retrying: the grace period ends now at the latest.
		pastDue(s, st, ev.at)
		if st.GraceEndsAt.After(ev.at) {
			st.GraceEndsAt = &ev.at
		}
	default: // canceled, incomplete_expired, paused
		st.Status, st.GraceEndsAt = Canceled, nil
	}
	return fmt.Sprintf("subscription %s: %s %s", o.Status, plan, st.Status), ""
}

func isEnded(s stripe.SubscriptionStatus) bool {
	return s == stripe.SubscriptionStatusCanceled || s == stripe.SubscriptionStatusIncompleteExpired
}

// pastDue moves st to PAST_DUE; the grace period runs from the first
// failure, later failures do not extend it.
func pastDue(s *Stripe, st *State, failedAt time.Time) {
	if st.Status != PastDue || st.GraceEndsAt == nil {
		end := s.Billing.GraceEnd(failedAt)
		st.GraceEndsAt = &end
	}
	st.Status = PastDue
}

// applySubscriptionDeleted: the tenant's subscription ended.
func applySubscriptionDeleted(_ *Stripe, st *State, _ eventCtx, obj stripeObject) (string, string) {
	o := obj.(*subscriptionObject)
	if st.StripeSubscriptionID != nil && *st.StripeSubscriptionID != o.ID {
		return "ignored: not the tenant's current subscription", ""
	}
	st.Status, st.CancelAtPeriodEnd, st.GraceEndsAt = Canceled, false, nil
	return "subscription canceled", ""
}

// subscriptionInvoice reports whether inv belongs to the tenant's subscription.
func subscriptionInvoice(st *State, inv *invoiceObject) (string, bool) {
	if inv.Subscription == nil || inv.Subscription.ID == "" {
		return "ignored: not a subscription invoice", false
	}
	if st.StripeSubscriptionID != nil && *st.StripeSubscriptionID != inv.Subscription.ID {
		return "ignored: not the tenant's current subscription", false
	}
	return "", true
}

// applyInvoicePaid: a paid invoice makes the subscription active again and
// ends a grace period.
func applyInvoicePaid(_ *Stripe, st *State, _ eventCtx, obj stripeObject) (string, string) {
	o := obj.(*invoiceObject)
	if why, ok := subscriptionInvoice(st, o); !ok {
		return why, ""
	}
	if st.Status == Canceled {
		return "ignored: the subscription is canceled", ""
	}
	adoptCustomer(st, customerID(o.Customer))
	st.Status, st.GraceEndsAt, st.TrialEndsAt = Active, nil, nil
	return "invoice paid: active", ""
}

// applyPaymentFailed: PAST_DUE with a grace period from the failure, and
// a notice in the audit log (billing.payment_failed).
func applyPaymentFailed(s *Stripe, st *State, ev eventCtx, obj stripeObject) (string, string) {
	o := obj.(*invoiceObject)
	if why, ok := subscriptionInvoice(st, o); !ok {
		return why, ""
	}
	if st.Status == Canceled {
		return "ignored: the subscription is canceled", ""
	}
	pastDue(s, st, ev.at)
	return fmt.Sprintf("payment failed: past due, paid features until %s", st.GraceEndsAt.Format(time.RFC3339)), "billing.payment_failed"
}

// applyTrialWillEnd records Stripe's three-day warning as a notice.
func applyTrialWillEnd(_ *Stripe, st *State, _ eventCtx, obj stripeObject) (string, string) {
	o := obj.(*subscriptionObject)
	return fmt.Sprintf("trial ends %s", unixPtrString(o.TrialEnd)), "billing.trial_will_end"
}

func unixPtrString(sec int64) string {
	if t := unixPtr(sec); t != nil {
		return t.Format(time.RFC3339)
	}
	return "(unknown)"
}

// sameState reports whether a and b hold the same values.
func sameState(a, b State) bool {
	eqT := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqS := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Plan == b.Plan && a.Status == b.Status && a.CancelAtPeriodEnd == b.CancelAtPeriodEnd &&
		eqT(a.TrialEndsAt, b.TrialEndsAt) && eqT(a.CurrentPeriodEnd, b.CurrentPeriodEnd) && eqT(a.GraceEndsAt, b.GraceEndsAt) &&
		eqT(a.SubscriptionAsOf, b.SubscriptionAsOf) && eqS(a.StripeCustomerID, b.StripeCustomerID) &&
		eqS(a.StripeSubscriptionID, b.StripeSubscriptionID)
}
