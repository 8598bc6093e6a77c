package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// APIVersion is the Stripe API version stripe-go v76 pins (2023-10-16).
// Stripe's webhook endpoints for Stratum must be created with this version:
// the webhook refuses events of any other version, whose objects v76 might
// read wrongly (ADR 0014).
const APIVersion = stripe.APIVersion

// StripeConfig is how Stratum talks to Stripe (internal/config fills it).
type StripeConfig struct {
	// APIKey is the secret key; empty means billing is disabled.
	APIKey string
	// WebhookSecret verifies the webhook's events (whsec_…); empty refuses
	// every event.
	WebhookSecret string
	// Prices maps each plan sold through Stripe to its price id; a
	// subscription's price names its plan the other way round.
	Prices map[Plan]string
	// PublicURL is the server's public origin: checkout's and the portal's
	// return URLs must be on it, so a session never sends a customer away.
	PublicURL string
}

// stripeTimeout bounds one Stripe API request (stripe-go retries twice on
// network errors and 409/5xx, with the same idempotency key).
const stripeTimeout = 20 * time.Second

// NewStripeClient is a Stripe client with its own backends (never the
// global stripe.Key): key as the secret key, base as the API's base URL
// (empty: Stripe's; tests pass stripe-mock's), a timeout per request, and
// stripe-go's own logging off (its messages can quote request data; the
// callers log what they need).
func NewStripeClient(key, base string) *client.API {
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: stripeTimeout},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(2),
	}
	if base != "" {
		cfg.URL = stripe.String(strings.TrimRight(base, "/"))
	}
	return client.New(key, stripe.NewBackendsWithConfig(cfg))
}

// Stripe is the Stripe side of billing: checkout and billing-portal
// sessions for a tenant's owner, and Stripe's webhook events stored and
// applied to the tenant's billing state (stripe_events.go). It never calls
// Stripe inside a database transaction (ADR 0012's shape: record the
// intent with its idempotency key, commit, call, record the outcome).
type Stripe struct {
	DB *db.DB
	// Billing gives the grace period after a failed payment.
	Billing *Service
	// API is the Stripe client (NewStripeClient); nil when billing is
	// disabled.
	API    *client.API
	Config StripeConfig
	Log    *slog.Logger
	// Enqueue inserts the job that applies stored event eventID, in tx (the
	// transaction storing it); app sets it (jobs.ApplyStripeEventHook).
	Enqueue func(ctx context.Context, tx bun.Tx, eventID string) error
	// Incidents opens the incident of a failed payment and resolves it when
	// the workspace leaves PAST_DUE, in the applying transaction; app sets
	// it to the incidents service (nil: no incident).
	Incidents PaymentIncidents
}

// PaymentIncidents is the incident of a failed payment (domain/incidents'
// Service): opened with the grace period's end, at most one unresolved.
type PaymentIncidents interface {
	PaymentFailedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, graceEnd time.Time, details map[string]any) error
	PaymentSettledTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, message string) error
}

// Enabled reports whether Stripe is configured (STRIPE_API_KEY set).
func (s *Stripe) Enabled() bool { return s.API != nil && s.Config.APIKey != "" }

// ErrDisabled answers checkout and portal requests while billing is disabled.
func ErrDisabled() error {
	return &apperr.Error{Code: apperr.FeatureDisabled,
		Message:    "Stripe is not configured on this server (STRIPE_API_KEY is unset), so billing is disabled: plans are not sold or charged here. An operator sets plans instead.",
		Extensions: map[string]any{"feature": "stripe_billing"}}
}

// CheckoutInput asks for a Stripe Checkout session selling Plan.
type CheckoutInput struct {
	Plan                  string
	SuccessURL, CancelURL string
}

// maxURL bounds the return URLs a session accepts.
const maxURL = 2048

// CreateCheckoutSession starts a Stripe Checkout for tenant's subscription
// to in.Plan and returns the URL to send its owner to. The tenant's Stripe
// customer is created on first use. Bad input (an unknown plan, a plan
// without a price, the plan the tenant is already active on, any plan while
// the tenant has a live Stripe subscription, a return URL off the server's
// origin) is BAD_USER_INPUT or CONFLICT with its field, and nothing is
// written or asked of Stripe.
func (s *Stripe) CreateCheckoutSession(ctx context.Context, tenant uuid.UUID, in CheckoutInput) (_ string, err error) {
	defer derrors.Wrap(&err, "billing.Stripe.CreateCheckoutSession(%s)", tenant)
	if !s.Enabled() {
		return "", ErrDisabled()
	}
	plan, price, err := s.checkoutPlan(in.Plan)
	if err != nil {
		return "", err
	}
	if err := s.checkReturnURL(in.SuccessURL, "successUrl"); err != nil {
		return "", err
	}
	if err := s.checkReturnURL(in.CancelURL, "cancelUrl"); err != nil {
		return "", err
	}
	st, err := s.state(ctx, tenant)
	if err != nil {
		return "", err
	}
	if st.HasSubscription() {
		// A second checkout would start a second subscription beside the
		// live one (and charge twice): plan changes go through the portal.
		return "", &apperr.Error{Code: apperr.Conflict, Field: []string{"input", "plan"},
			Message: "the workspace has a subscription; change its plan in the billing portal"}
	}
	if st.Status == Active && st.Plan == plan {
		return "", &apperr.Error{Code: apperr.Conflict, Field: []string{"input", "plan"},
			Message: fmt.Sprintf("the workspace is already on the %s plan; change or cancel it in the billing portal", plan.Title())}
	}
	customer, err := s.customer(ctx, tenant)
	if err != nil {
		return "", err
	}
	meta := map[string]string{"tenant_id": tenant.String(), "plan": string(plan)}
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(customer),
		ClientReferenceID: stripe.String(tenant.String()),
		SuccessURL:        stripe.String(in.SuccessURL),
		CancelURL:         stripe.String(in.CancelURL),
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{Price: stripe.String(price), Quantity: stripe.Int64(1)}},
		Metadata:          meta,
		SubscriptionData:  &stripe.CheckoutSessionSubscriptionDataParams{Metadata: meta},
	}
	p.Context = ctx
	sess, err := s.API.CheckoutSessions.New(p)
	if err != nil {
		return "", stripeErr("create checkout session", err)
	}
	return sess.URL, s.audit(ctx, tenant, "billing.checkout_session_created", map[string]any{"plan": string(plan), "session": sess.ID})
}

// CreatePortalSession opens Stripe's billing portal for tenant (invoices,
// payment method, plan changes and cancellation) and returns its URL; the
// portal sends the owner back to returnURL, which must be on the server's
// origin.
func (s *Stripe) CreatePortalSession(ctx context.Context, tenant uuid.UUID, returnURL string) (_ string, err error) {
	defer derrors.Wrap(&err, "billing.Stripe.CreatePortalSession(%s)", tenant)
	if !s.Enabled() {
		return "", ErrDisabled()
	}
	if err := s.checkReturnURL(returnURL, "returnUrl"); err != nil {
		return "", err
	}
	customer, err := s.customer(ctx, tenant)
	if err != nil {
		return "", err
	}
	p := &stripe.BillingPortalSessionParams{Customer: stripe.String(customer), ReturnURL: stripe.String(returnURL)}
	p.Context = ctx
	sess, err := s.API.BillingPortalSessions.New(p)
	if err != nil {
		return "", stripeErr("create billing portal session", err)
	}
	return sess.URL, nil
}

// checkoutPlan parses a checkout's plan and finds its price.
func (s *Stripe) checkoutPlan(name string) (Plan, string, error) {
	field := []string{"input", "plan"}
	plan, ok := ParsePlan(name)
	if !ok {
		return "", "", apperr.Invalid(field, "%q is not a plan; plans are starter, professional and enterprise", truncateRunes(name, 40))
	}
	price := s.Config.Prices[plan]
	if price == "" {
		return "", "", apperr.Invalid(field, "the %s plan is not sold through Stripe on this server (STRIPE_PRICE_%s is unset)",
			plan.Title(), strings.ToUpper(string(plan)))
	}
	return plan, price, nil
}

// checkReturnURL accepts an absolute http(s) URL on the server's public
// origin (scheme and host as STRATUM_PUBLIC_URL has them).
func (s *Stripe) checkReturnURL(raw, name string) error {
	field := []string{"input", name}
	if raw == "" || len(raw) > maxURL {
		return apperr.Invalid(field, "give a URL of at most %d characters", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return apperr.Invalid(field, "must be an absolute http(s) URL")
	}
	pub, err := url.Parse(s.Config.PublicURL)
	if err != nil || !strings.EqualFold(u.Scheme, pub.Scheme) || !strings.EqualFold(u.Host, pub.Host) {
		return apperr.Invalid(field, "must be on this server's address (%s)", originOf(pub))
	}
	return nil
}

func originOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// state reads tenant's billing row.
func (s *Stripe) state(ctx context.Context, tenant uuid.UUID) (st State, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return db.NotFound(tx.NewSelect().Model(&st).Where("tenant_id = ?", tenant).Scan(ctx), "no such workspace")
	})
	return st, err
}

// customerKey is the idempotency key tenant's Stripe customer is created
// with: the same tenant always asks for the same customer.
func customerKey(tenant uuid.UUID) string { return "stratum-customer-" + tenant.String() }

// customer returns tenant's Stripe customer id, creating the customer on
// first use: the key is recorded first (one transaction), Stripe is called
// with it outside any transaction, and the id is stored in a second one.
// Two first uses at once send the same key, so Stripe makes one customer.
func (s *Stripe) customer(ctx context.Context, tenant uuid.UUID) (string, error) {
	var id, key string
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var st struct {
			ID  *string `bun:"stripe_customer_id"`
			Key *string `bun:"stripe_customer_key"`
		}
		if err := tx.NewRaw(`SELECT stripe_customer_id, stripe_customer_key FROM tenant_billing WHERE tenant_id = ? FOR UPDATE`, tenant).
			Scan(ctx, &st); err != nil {
			return db.NotFound(err, "no such workspace")
		}
		if st.ID != nil {
			id = *st.ID
			return nil
		}
		key = customerKey(tenant)
		if st.Key == nil {
			_, err := tx.NewRaw(`UPDATE tenant_billing SET stripe_customer_key = ? WHERE tenant_id = ?`, key, tenant).Exec(ctx)
			return err
		}
		key = *st.Key
		return nil
	})
	if err != nil || id != "" {
		return id, err
	}
	p := &stripe.CustomerParams{Description: stripe.String("Stratum workspace " + tenant.String()),
		Metadata: map[string]string{"tenant_id": tenant.String()}}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	c, err := s.API.Customers.New(p)
	if err != nil {
		return "", stripeErr("create customer", err)
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw(`UPDATE tenant_billing SET stripe_customer_id = ?, updated_at = ? WHERE tenant_id = ? AND stripe_customer_id IS NULL`,
			c.ID, s.DB.Now(ctx), tenant).Exec(ctx); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT stripe_customer_id FROM tenant_billing WHERE tenant_id = ?`, tenant).Scan(ctx, &id)
	})
	return id, err
}

// audit records a billing action in tenant's audit log, in its own transaction.
func (s *Stripe) audit(ctx context.Context, tenant uuid.UUID, action string, details map[string]any) error {
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: action, TargetType: relay.TypeTenant, TargetID: tenant, Details: details})
	})
}

// stripeErr classifies a failed Stripe request. Stripe's refusal of the
// request itself (a price that does not exist, a deleted customer) is
// shown as CONFLICT with Stripe's message; anything else (network,
// Stripe's 5xx after stripe-go's retries) stays internal and is logged.
func stripeErr(op string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests &&
		se.HTTPStatusCode != http.StatusUnauthorized {
		return &apperr.Error{Code: apperr.Conflict, Message: "Stripe refused the request: " + truncateRunes(se.Msg, 300), Err: err}
	}
	return fmt.Errorf("stripe: %s: %w", op, err)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// PutDemoOnEnterprise puts tenant on Enterprise, ACTIVE, with no trial:
// while billing is disabled the demo tenant shows every feature (nothing
// is sold, so nothing is charged). It is idempotent and audited when it
// changes something.
func (s *Stripe) PutDemoOnEnterprise(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "billing.Stripe.PutDemoOnEnterprise(%s)", tenant)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var st State
		if err := tx.NewSelect().Model(&st).Where("tenant_id = ?", tenant).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		if st.Plan == Enterprise && st.Status == Active && st.TrialEndsAt == nil && st.GraceEndsAt == nil {
			return nil
		}
		before := st
		st.Plan, st.Status, st.TrialEndsAt, st.GraceEndsAt = Enterprise, Active, nil, nil
		return s.saveTx(ctx, tx, before, &st, map[string]any{"reason": "billing disabled: the demo workspace is on Enterprise"})
	})
}
