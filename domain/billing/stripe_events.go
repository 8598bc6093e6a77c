package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// TopicChanged is published (ID: the tenant id) in the transaction that
// changes a tenant's billing state; billingChanged listens to it.
const TopicChanged = "billing.changed"

// SignatureTolerance is how old a webhook signature may be (Stripe's default).
const SignatureTolerance = 5 * time.Minute

// MaxEventBytes bounds a webhook body; Stripe's events are far smaller.
const MaxEventBytes = 512 << 10

// Errors of Receive. Neither carries the payload or its parts.
var (
	// ErrWebhookNotConfigured: STRIPE_WEBHOOK_SECRET is unset, so no event
	// can be verified, or billing is disabled (no STRIPE_API_KEY), so no
	// event may change a plan.
	ErrWebhookNotConfigured = errors.New("stripe webhook: Stripe is not configured (STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET)")
	// ErrBadSignature: the Stripe-Signature header is missing, malformed,
	// does not match the body, or is older than SignatureTolerance.
	ErrBadSignature = errors.New("stripe webhook: missing, invalid or stale signature")
	// ErrBadEvent: the signed body is not an event of the pinned API version.
	ErrBadEvent = errors.New("stripe webhook: not an event this server can read")
)

// StoredEvent is a row of stripe_events (a global table: see migration 0036).
type StoredEvent struct {
	bun.BaseModel `bun:"table:stripe_events"`

	ID         string          `bun:"id,pk"`
	Type       string          `bun:"type"`
	Payload    json.RawMessage `bun:"payload,type:jsonb"`
	ReceivedAt time.Time       `bun:"received_at"`
	AppliedAt  *time.Time      `bun:"applied_at"`
	Outcome    *string         `bun:"outcome"`
	TenantID   *uuid.UUID      `bun:"applied_tenant"`
}

// Receive verifies a webhook delivery (body as sent, the Stripe-Signature
// header) and stores its event by Stripe's id, enqueuing the job that
// applies it in the same transaction. A replay of a stored event stores
// nothing new; its job is not enqueued twice (it is unique by event id).
// It reports whether the event was new.
func (s *Stripe) Receive(ctx context.Context, payload []byte, signature string) (fresh bool, err error) {
	defer derrors.Wrap(&err, "billing.Stripe.Receive")
	if s.Config.WebhookSecret == "" || !s.Enabled() {
		return false, ErrWebhookNotConfigured
	}
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.Config.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: SignatureTolerance})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return false, fmt.Errorf("%w (%v)", ErrBadSignature, err) // these errors name no part of the payload
	case err != nil:
		// A JSON or API-version error: its text may quote the payload.
		return false, ErrBadEvent
	case ev.ID == "" || ev.Type == "" || len(ev.ID) > 255 || len(ev.Type) > 255:
		return false, ErrBadEvent
	}
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		row := &StoredEvent{ID: ev.ID, Type: string(ev.Type), Payload: payload, ReceivedAt: s.DB.Now(ctx)}
		res, err := tx.NewInsert().Model(row).On("CONFLICT (id) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		fresh = n == 1
		if !fresh {
			// A replay: enqueue again only if the stored event is not yet
			// applied (the job is unique by event id, so this never doubles it).
			var applied sql.NullTime
			if err := tx.NewRaw(`SELECT applied_at FROM stripe_events WHERE id = ?`, ev.ID).Scan(ctx, &applied); err != nil || applied.Valid {
				return err
			}
		}
		if s.Enqueue == nil {
			return errors.New("stripe webhook: no job enqueuer")
		}
		return s.Enqueue(ctx, tx, ev.ID)
	})
	return fresh, err
}

// Event returns the stored Stripe event id (the apply job, tests, operators).
func (s *Stripe) Event(ctx context.Context, id string) (e *StoredEvent, err error) {
	defer derrors.Wrap(&err, "billing.Stripe.Event(%s)", id)
	e = new(StoredEvent)
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return db.NotFound(tx.NewSelect().Model(e).Where("id = ?", id).Scan(ctx), "no such Stripe event")
	})
	return e, err
}

// ApplyEvent applies the stored event id to its tenant's billing state,
// once: inside the tenant's transaction the event row and the tenant's
// billing row are locked, and applied_at is set in the same transaction as
// the change (replays, retries and concurrent jobs find it set and stop).
// It returns the recorded outcome. A missing event is NOT_FOUND.
func (s *Stripe) ApplyEvent(ctx context.Context, id string) (outcome string, err error) {
	defer derrors.Wrap(&err, "billing.Stripe.ApplyEvent(%s)", id)
	stored, err := s.Event(ctx, id)
	if err != nil {
		return "", err
	}
	if stored.AppliedAt != nil {
		return deref(stored.Outcome), nil
	}
	var ev stripe.Event
	if err := json.Unmarshal(stored.Payload, &ev); err != nil || ev.Data == nil {
		return s.finishGlobal(ctx, id, nil, "ignored: the stored payload is not an event")
	}
	h, ok := handlers[string(ev.Type)]
	if !ok {
		return s.finishGlobal(ctx, id, nil, "ignored: event type not handled")
	}
	obj, err := h.parse(ev.Data.Raw)
	if err != nil {
		return s.finishGlobal(ctx, id, nil, "ignored: the event's object does not parse")
	}
	tenant, err := s.tenantOf(ctx, obj.ref())
	if err != nil {
		return "", err
	}
	if tenant == uuid.Nil {
		return s.finishGlobal(ctx, id, nil, "ignored: no tenant has this customer")
	}
	if c := obj.ref().customer; c != "" {
		// The tenant the metadata names must not take another's customer.
		owner, err := s.tenantOf(ctx, objectRef{customer: c})
		if err != nil {
			return "", err
		}
		if owner != uuid.Nil && owner != tenant {
			return s.finishGlobal(ctx, id, &tenant, "ignored: the event's customer belongs to another tenant")
		}
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var applied sql.NullTime
		if err := tx.NewRaw(`SELECT applied_at FROM stripe_events WHERE id = ? FOR UPDATE`, id).Scan(ctx, &applied); err != nil {
			return err
		}
		if applied.Valid {
			return tx.NewRaw(`SELECT coalesce(outcome, '') FROM stripe_events WHERE id = ?`, id).Scan(ctx, &outcome)
		}
		var st State
		switch err := tx.NewSelect().Model(&st).Where("tenant_id = ?", tenant).For("UPDATE").Scan(ctx); {
		case errors.Is(err, sql.ErrNoRows):
			outcome = "ignored: the event names a tenant that does not exist"
		case err != nil:
			return err
		default:
			at := time.Unix(ev.Created, 0).UTC()
			if outcome, err = s.applyTx(ctx, tx, &st, eventCtx{id: id, typ: string(ev.Type), at: at}, h, obj); err != nil {
				return err
			}
		}
		_, err := tx.NewRaw(`UPDATE stripe_events SET applied_at = ?, outcome = ?, applied_tenant = ? WHERE id = ?`,
			s.DB.Now(ctx), outcome, tenant, id).Exec(ctx)
		return err
	})
	if err == nil && s.Billing != nil {
		s.Billing.ForgetPlan(tenant)
	}
	return outcome, err
}

// finishGlobal records an event that concerns no tenant as applied.
func (s *Stripe) finishGlobal(ctx context.Context, id string, tenant *uuid.UUID, outcome string) (string, error) {
	err := s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw(`UPDATE stripe_events SET applied_at = ?, outcome = ?, applied_tenant = ? WHERE id = ? AND applied_at IS NULL`,
			s.DB.Now(ctx), outcome, tenant, id).Exec(ctx)
		return err
	})
	return outcome, err
}

// objectRef is what an event's object says about its tenant.
type objectRef struct {
	tenant   string // metadata tenant_id or client_reference_id
	customer string
}

// tenantOf resolves an event's tenant: the tenant_id Stratum put in the
// metadata (and the checkout's client_reference_id), else the tenant whose
// Stripe customer it is. uuid.Nil when neither names one.
func (s *Stripe) tenantOf(ctx context.Context, ref objectRef) (uuid.UUID, error) {
	if id, err := uuid.Parse(ref.tenant); err == nil {
		return id, nil
	}
	if ref.customer == "" {
		return uuid.Nil, nil
	}
	var id uuid.NullUUID
	err := s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT stratum_tenant_by_stripe_customer(?)`, ref.customer).Scan(ctx, &id)
	})
	return id.UUID, err
}

// eventCtx is the event being applied.
type eventCtx struct {
	id, typ string
	at      time.Time // the event's created time (Stripe's clock)
}

// applyTx applies obj to st with h and saves what changed. The billing
// state is one timeline ordered by the events' created times: an event
// older than the newest one applied (subscription_as_of) is stale and
// changes nothing, so a late delivery never overwrites a newer state.
func (s *Stripe) applyTx(ctx context.Context, tx bun.Tx, st *State, ev eventCtx, h handler, obj stripeObject) (string, error) {
	if c := obj.ref().customer; c != "" && st.StripeCustomerID != nil && *st.StripeCustomerID != c {
		return "ignored: the event's customer is not the tenant's", nil
	}
	if h.ordered && st.SubscriptionAsOf != nil && ev.at.Before(*st.SubscriptionAsOf) {
		return fmt.Sprintf("stale: created %s, before the state applied from %s", ev.at.Format(time.RFC3339), st.SubscriptionAsOf.UTC().Format(time.RFC3339)), nil
	}
	before := *st
	outcome, notice := h.apply(s, st, ev, obj)
	if notice != "" {
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: st.TenantID, Action: notice, ActorType: audit.ActorSystem,
			TargetType: relay.TypeTenant, TargetID: st.TenantID, Details: noticeDetails(st, ev, obj)}); err != nil {
			return "", err
		}
	}
	if err := s.paymentIncidentTx(ctx, tx, before, st, notice, ev, obj); err != nil {
		return "", err
	}
	if sameState(*st, before) {
		if notice != "" {
			return outcome, realtime.Publish(ctx, tx, realtime.Event{Tenant: st.TenantID, Topic: TopicChanged, ID: st.TenantID.String()})
		}
		return outcome, nil
	}
	if h.ordered && (st.SubscriptionAsOf == nil || st.SubscriptionAsOf.Before(ev.at)) {
		at := ev.at
		st.SubscriptionAsOf = &at
	}
	return outcome, s.saveTx(ctx, tx, before, st, map[string]any{"event": ev.id, "event_type": ev.typ})
}

// saveTx writes st, audits a change of plan or status, and publishes
// TopicChanged, all in tx.
func (s *Stripe) saveTx(ctx context.Context, tx bun.Tx, before State, st *State, details map[string]any) error {
	st.UpdatedAt = s.DB.Now(ctx)
	if _, err := tx.NewUpdate().Model(st).ExcludeColumn("created_at").WherePK().Exec(ctx); err != nil {
		return err
	}
	if before.Plan != st.Plan || before.Status != st.Status {
		d := map[string]any{"from_plan": string(before.Plan), "to_plan": string(st.Plan),
			"from_status": string(before.Status), "to_status": string(st.Status)}
		for k, v := range details {
			d[k] = v
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: st.TenantID, Action: "billing.plan_changed", ActorType: audit.ActorSystem,
			TargetType: relay.TypeTenant, TargetID: st.TenantID, Details: d}); err != nil {
			return err
		}
	}
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: st.TenantID, Topic: TopicChanged, ID: st.TenantID.String()})
}

// paymentIncidentTx keeps the failed-payment incident in step with the
// state, in the applying transaction: a failed payment that leaves the
// tenant PAST_DUE opens it (once: the incidents service keeps one
// unresolved), and leaving PAST_DUE resolves it.
func (s *Stripe) paymentIncidentTx(ctx context.Context, tx bun.Tx, before State, st *State, notice string, ev eventCtx, obj stripeObject) error {
	if s.Incidents == nil {
		return nil
	}
	switch {
	case notice == "billing.payment_failed" && st.Status == PastDue && st.GraceEndsAt != nil:
		return s.Incidents.PaymentFailedTx(ctx, tx, st.TenantID, *st.GraceEndsAt, noticeDetails(st, ev, obj))
	case before.Status == PastDue && st.Status != PastDue:
		msg := "The subscription is no longer past due"
		switch st.Status {
		case Active:
			msg = "Payment received: the subscription is active again"
		case Canceled:
			msg = "The subscription ended"
		}
		return s.Incidents.PaymentSettledTx(ctx, tx, st.TenantID, msg)
	}
	return nil
}

func noticeDetails(st *State, ev eventCtx, obj stripeObject) map[string]any {
	d := map[string]any{"event": ev.id, "event_type": ev.typ, "at": ev.at.Format(time.RFC3339)}
	if st.GraceEndsAt != nil {
		d["grace_ends_at"] = st.GraceEndsAt.UTC().Format(time.RFC3339)
	}
	if st.TrialEndsAt != nil {
		d["trial_ends_at"] = st.TrialEndsAt.UTC().Format(time.RFC3339)
	}
	if inv, ok := obj.(*invoiceObject); ok {
		d["invoice"], d["attempt_count"] = inv.ID, inv.AttemptCount
	}
	return d
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// IsNotFound reports whether err is ApplyEvent's NOT_FOUND (the job ends).
func IsNotFound(err error) bool { return apperr.CodeOf(err) == apperr.NotFound }

// Pruning: stripe_events is global and would only grow. Applied events are
// deleted once they are older than StripeEventRetention (Stripe redelivers
// for 3 days at most, so a late redelivery still finds its event and is a
// no-op); unapplied ones are kept whatever their age, for the apply job.
const (
	StripeEventRetention = 30 * 24 * time.Hour
	// PruneBatch bounds one delete (one short transaction).
	PruneBatch = 1000
)

// PruneEvents deletes the events applied more than maxAge before now (the
// database clock), at most batch rows per transaction, until none is left or
// maxBatches transactions ran (the rest wait for the next run). Rows an
// applier holds are skipped. It returns how many it deleted.
func (s *Stripe) PruneEvents(ctx context.Context, maxAge time.Duration, batch, maxBatches int) (deleted int, err error) {
	defer derrors.Wrap(&err, "billing.Stripe.PruneEvents")
	if batch <= 0 || maxBatches <= 0 || maxAge <= 0 {
		return 0, fmt.Errorf("prune: batch %d, batches %d, age %s", batch, maxBatches, maxAge)
	}
	for range maxBatches {
		var n int64
		err := s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewRaw(`DELETE FROM stripe_events WHERE id IN (
				SELECT id FROM stripe_events WHERE applied_at IS NOT NULL AND applied_at < ?
				ORDER BY applied_at LIMIT ? FOR UPDATE SKIP LOCKED)`, s.DB.Now(ctx).Add(-maxAge), batch).Exec(ctx)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return deleted, err
		}
		deleted += int(n)
		if n < int64(batch) {
			break
		}
	}
	return deleted, nil
}
